package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Store keeps checkpoint documents by key.
type Store interface {
	// Get returns nil, nil when nothing is stored under key.
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
	// Delete removes key; a key not stored is not an error.
	Delete(ctx context.Context, key string) error
}

// Move copies the document under from to to, unless to already holds one,
// and then deletes from: keys renamed by an upgrade are read once. moved
// reports whether a document was copied. A failed delete is ignored: the
// copy is read from then on.
func Move(ctx context.Context, s Store, from, to string) (moved bool, err error) {
	if raw, err := s.Get(ctx, to); err != nil || raw != nil {
		return false, err
	}
	raw, err := s.Get(ctx, from)
	if err != nil || raw == nil {
		return false, err
	}
	if err := s.Set(ctx, to, raw); err != nil {
		return false, err
	}
	_ = s.Delete(ctx, from)
	return true, nil
}

// LoadState reads the state under key; nil, nil when there is none. A
// state that cannot be read is an error naming the key and the way out.
func LoadState(ctx context.Context, s Store, key string) (*State, error) {
	raw, err := s.Get(ctx, key)
	if err != nil || raw == nil {
		return nil, err
	}
	st, err := Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %q: %w; fix or delete that key (deleting it restarts the resource from start_from)", key, err)
	}
	return st, nil
}

// SaveState writes st under key.
func SaveState(ctx context.Context, s Store, key string, st *State) error {
	raw, err := st.Encode()
	if err != nil {
		return err
	}
	return s.Set(ctx, key, raw)
}

// CacheStore keeps checkpoints in a Benthos cache resource, so they survive
// restarts when the cache does (atomic_file, redis, ...).
type CacheStore struct {
	res   *service.Resources
	cache string
}

// NewCacheStore returns a store backed by the named cache resource.
func NewCacheStore(res *service.Resources, cache string) *CacheStore {
	return &CacheStore{res: res, cache: cache}
}

// Get implements Store.
func (c *CacheStore) Get(ctx context.Context, key string) ([]byte, error) {
	var raw []byte
	var getErr error
	if err := c.res.AccessCache(ctx, c.cache, func(cache service.Cache) {
		raw, getErr = cache.Get(ctx, key)
	}); err != nil {
		return nil, fmt.Errorf("checkpoint cache %q: %w", c.cache, err)
	}
	if errors.Is(getErr, service.ErrKeyNotFound) {
		return nil, nil
	}
	if getErr != nil {
		return nil, fmt.Errorf("reading %q from cache %q: %w", key, c.cache, getErr)
	}
	return raw, nil
}

// Set implements Store.
func (c *CacheStore) Set(ctx context.Context, key string, value []byte) error {
	var setErr error
	if err := c.res.AccessCache(ctx, c.cache, func(cache service.Cache) {
		setErr = cache.Set(ctx, key, value, nil)
	}); err != nil {
		return fmt.Errorf("checkpoint cache %q: %w", c.cache, err)
	}
	if errors.Is(setErr, fs.ErrNotExist) {
		return fmt.Errorf("writing %q to cache %q: %w; the directory for that key does not exist: create it (a / in checkpoint_key is a subdirectory), or use the atomic_file cache, which creates directories", key, c.cache, setErr)
	}
	if setErr != nil {
		return fmt.Errorf("writing %q to cache %q: %w", key, c.cache, setErr)
	}
	return nil
}

// Delete implements Store.
func (c *CacheStore) Delete(ctx context.Context, key string) error {
	var delErr error
	if err := c.res.AccessCache(ctx, c.cache, func(cache service.Cache) {
		delErr = cache.Delete(ctx, key)
	}); err != nil {
		return fmt.Errorf("checkpoint cache %q: %w", c.cache, err)
	}
	if delErr != nil && !errors.Is(delErr, service.ErrKeyNotFound) && !errors.Is(delErr, fs.ErrNotExist) {
		return fmt.Errorf("deleting %q from cache %q: %w", key, c.cache, delErr)
	}
	return nil
}

// Name is the cache resource's label, for messages.
func (c *CacheStore) Name() string { return c.cache }

// MemoryStore keeps checkpoints in process memory only: a restart begins
// again from start_from.
type MemoryStore struct {
	mu     sync.Mutex
	values map[string][]byte
}

// NewMemoryStore returns an empty in-process store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{values: map[string][]byte{}}
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.values[key], nil
}

// Set implements Store. Values are encoded documents, never changed after.
func (m *MemoryStore) Set(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	m.values[key] = value
	m.mu.Unlock()
	return nil
}

// Delete implements Store.
func (m *MemoryStore) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.values, key)
	m.mu.Unlock()
	return nil
}
