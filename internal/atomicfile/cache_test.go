package atomicfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
)

func TestSetGetOverwriteNestedKeys(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	c, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "revel_poller/employees"); !errors.Is(err, service.ErrKeyNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	for _, v := range []string{`{"version":1}`, `{"version":1,"cursor":"x"}`, `{}`} {
		if err := c.Set(ctx, "revel_poller/employees", []byte(v), nil); err != nil {
			t.Fatal(err)
		}
		got, err := c.Get(ctx, "revel_poller/employees")
		if err != nil || string(got) != v {
			t.Fatalf("Get = %q, %v; want %q", got, err, v)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "revel_poller"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "employees" {
		t.Fatalf("directory holds %v, want only the key's file (no temporaries)", entries)
	}
}

func TestLeftoverTemporaryFileDoesNotChangeTheValue(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c, _ := New(dir)
	if err := c.Set(ctx, "k", []byte("committed"), nil); err != nil {
		t.Fatal(err)
	}
	// A crash between writing the temporary file and renaming it.
	if err := os.WriteFile(filepath.Join(dir, ".tmp-k-123"), []byte("torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "k"); err != nil || string(got) != "committed" {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

func TestAddAndDelete(t *testing.T) {
	ctx := context.Background()
	c, _ := New(t.TempDir())
	if err := c.Add(ctx, "a/b", []byte("1"), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Add(ctx, "a/b", []byte("2"), nil); !errors.Is(err, service.ErrKeyAlreadyExists) {
		t.Fatalf("second Add = %v", err)
	}
	if err := c.Delete(ctx, "a/b"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "a/b"); !errors.Is(err, service.ErrKeyNotFound) {
		t.Fatalf("Get after Delete = %v", err)
	}
	if err := c.Delete(ctx, "a/b"); err != nil {
		t.Fatalf("deleting a missing key = %v", err)
	}
}

func TestKeysCannotEscapeTheDirectory(t *testing.T) {
	ctx := context.Background()
	c, _ := New(t.TempDir())
	for _, key := range []string{"", "..", "../x", "a/../../x", "/etc/passwd", "."} {
		if err := c.Set(ctx, key, []byte("x"), nil); err == nil || !strings.Contains(err.Error(), "relative path") {
			t.Errorf("Set(%q) = %v", key, err)
		}
	}
}

func TestRegistered(t *testing.T) {
	found := false
	service.GlobalEnvironment().WalkCaches(func(name string, _ *service.ConfigView) {
		found = found || name == Name
	})
	if !found {
		t.Fatal("atomic_file is not registered")
	}
	if _, err := Spec().ParseYAML("{}", nil); err == nil {
		t.Fatal("a config without directory parsed")
	}
}
