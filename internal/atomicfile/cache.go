// Package atomicfile is a Benthos cache that keeps each key in a file and
// replaces it atomically, so a crash mid-write never leaves a torn
// checkpoint. Benthos' own file cache truncates in place and cannot create
// the subdirectory a key such as "revel_poller/employees" needs.
package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Name is the cache's component name.
const Name = "atomic_file"

func init() {
	// Ignore a name already taken: a build that has its own atomic_file
	// keeps it.
	_ = service.RegisterCache(Name, Spec(), func(pc *service.ParsedConfig, _ *service.Resources) (service.Cache, error) {
		dir, err := pc.FieldString("directory")
		if err != nil {
			return nil, err
		}
		return New(dir)
	})
}

// Spec describes the cache's configuration.
func Spec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Summary("Stores each key in a file under a directory, replacing it atomically: write a temporary file, fsync, rename.").
		Description("Made for checkpoints: a crash or power loss leaves either the old value or the new one, never a torn file. Keys containing `/` become subdirectories, created as needed, as is the directory itself. TTLs are ignored: values persist until deleted.").
		Field(service.NewStringField("directory").
			Description("The directory holding the files. Mount a volume here in containers.").
			Example("/var/lib/revel-connect"))
}

// Cache is an atomic file-per-key cache.
type Cache struct {
	dir string
}

// New returns a cache rooted at dir, creating it if needed.
func New(dir string) (*Cache, error) {
	if dir == "" {
		return nil, errors.New("directory: required")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return &Cache{dir: dir}, nil
}

func (c *Cache) path(key string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(key))
	if key == "" || filepath.IsAbs(clean) || clean == "." || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("cache key %q must be a relative path inside the directory", key)
	}
	return filepath.Join(c.dir, clean), nil
}

// Get implements service.Cache.
func (c *Cache) Get(_ context.Context, key string) ([]byte, error) {
	p, err := c.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, service.ErrKeyNotFound
	}
	return b, err
}

// Set implements service.Cache.
func (c *Cache) Set(_ context.Context, key string, value []byte, _ *time.Duration) error {
	p, err := c.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(p)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(value); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes the rename itself durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Add implements service.Cache.
func (c *Cache) Add(ctx context.Context, key string, value []byte, ttl *time.Duration) error {
	if _, err := c.Get(ctx, key); err == nil {
		return service.ErrKeyAlreadyExists
	} else if !errors.Is(err, service.ErrKeyNotFound) {
		return err
	}
	return c.Set(ctx, key, value, ttl)
}

// Delete implements service.Cache.
func (c *Cache) Delete(_ context.Context, key string) error {
	p, err := c.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Close implements service.Cache.
func (c *Cache) Close(context.Context) error { return nil }
