package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// Store reads and writes checkpoints by key.
type Store interface {
	// Load returns nil, nil when nothing is stored under key.
	Load(ctx context.Context, key string) (*State, error)
	Save(ctx context.Context, key string, s *State) error
}

// CacheStore keeps checkpoints in a Benthos cache resource, so they survive
// restarts when the cache does (file, redis, ...).
type CacheStore struct {
	res   *service.Resources
	cache string
}

// NewCacheStore returns a store backed by the named cache resource.
func NewCacheStore(res *service.Resources, cache string) *CacheStore {
	return &CacheStore{res: res, cache: cache}
}

// Load implements Store.
func (c *CacheStore) Load(ctx context.Context, key string) (*State, error) {
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
		return nil, fmt.Errorf("reading checkpoint %q from cache %q: %w", key, c.cache, getErr)
	}
	s, err := Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %q in cache %q: %w; fix or delete that key (deleting it restarts the resource from start_from)", key, c.cache, err)
	}
	return s, nil
}

// Save implements Store.
func (c *CacheStore) Save(ctx context.Context, key string, s *State) error {
	raw, err := s.Encode()
	if err != nil {
		return err
	}
	var setErr error
	if err := c.res.AccessCache(ctx, c.cache, func(cache service.Cache) {
		setErr = cache.Set(ctx, key, raw, nil)
	}); err != nil {
		return fmt.Errorf("checkpoint cache %q: %w", c.cache, err)
	}
	if errors.Is(setErr, fs.ErrNotExist) {
		return fmt.Errorf("writing checkpoint %q to cache %q: %w; the cache cannot create the directory for that key: use the atomic_file cache, which does", key, c.cache, setErr)
	}
	if setErr != nil {
		return fmt.Errorf("writing checkpoint %q to cache %q: %w", key, c.cache, setErr)
	}
	return nil
}

// MemoryStore keeps checkpoints in process memory only: a restart begins
// again from start_from.
type MemoryStore struct {
	mu     sync.Mutex
	states map[string][]byte
}

// NewMemoryStore returns an empty in-process store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{states: map[string][]byte{}}
}

// Load implements Store.
func (m *MemoryStore) Load(_ context.Context, key string) (*State, error) {
	m.mu.Lock()
	raw, ok := m.states[key]
	m.mu.Unlock()
	if !ok {
		return nil, nil
	}
	return Decode(raw)
}

// Save implements Store. It stores the encoded form so later changes to s
// cannot leak into the stored copy.
func (m *MemoryStore) Save(_ context.Context, key string, s *State) error {
	raw, err := s.Encode()
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.states[key] = raw
	m.mu.Unlock()
	return nil
}
