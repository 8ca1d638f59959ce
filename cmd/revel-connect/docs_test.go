package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/revel-connect/revel-connect/internal/docgen"
)

// TestReferenceIsCurrent fails when a checked-in reference page differs
// from what the component specs render, or is missing or stale.
func TestReferenceIsCurrent(t *testing.T) {
	const fix = "run `go run ./cmd/revel-connect docs` from the repository root"
	dir := filepath.Join("..", "..", referenceDir)
	want, err := referencePages()
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case err != nil:
			t.Errorf("%s/%s: %v; %s", referenceDir, name, err, fix)
		case !bytes.Equal(got, body):
			t.Errorf("%s/%s differs from what the spec renders; %s", referenceDir, name, fix)
		}
	}
	generated, err := generatedFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range generated {
		if _, ok := want[name]; !ok {
			t.Errorf("%s/%s documents nothing this binary registers; %s", referenceDir, name, fix)
		}
	}
	for _, page := range []string{"revel_poller.md", "atomic_file.md"} {
		if !slices.Contains(generated, page) {
			t.Errorf("no %s in %s", page, referenceDir)
		}
	}
}

func TestWriteReferenceRemovesOnlyStaleGeneratedPages(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("old_component.md", docgen.Marker+" old -->\n")
	write("handwritten.md", "# Notes\n")
	if err := writeReference(dir, map[string][]byte{"new.md": []byte(docgen.Marker + " new -->\n")}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"handwritten.md", "new.md"}) {
		t.Errorf("files after regenerating: %v", names)
	}
}
