package fleet

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// NewEnvironment returns a copy of base with the fleet's state cache and
// tenant metrics exporter. state finds the partition that owns a tenant
// when its stream is built; with a nil state (linting, `tenants put`) the
// cache keeps values in memory.
func NewEnvironment(base *service.Environment, state func(tenant string) *partition, m *Metrics) (*service.Environment, error) {
	env := base.Clone()
	cacheSpec := service.NewConfigSpec().
		Summary("A tenant's state kept in the fleet's state topic; the fleet adds it to every tenant's stream as the cache resource `state`.").
		Field(service.NewStringField("tenant"))
	err := env.RegisterCache(stateCachePlugin, cacheSpec, func(pc *service.ParsedConfig, _ *service.Resources) (service.Cache, error) {
		id, err := pc.FieldString("tenant")
		if err != nil {
			return nil, err
		}
		if state == nil {
			return &memoryCache{values: map[string][]byte{}}, nil
		}
		p := state(id)
		if p == nil {
			return nil, errors.New("the tenant's partition is not owned by this replica")
		}
		return &stateCache{s: &stateStore{tenant: id, p: p}}, nil
	})
	if err != nil {
		return nil, err
	}
	metricsSpec := service.NewConfigSpec().
		Summary("A tenant's stream metrics, labelled with the tenant, in the fleet's registry.").
		Field(service.NewStringField("tenant"))
	err = env.RegisterMetricsExporter(tenantMetricsPlugin, metricsSpec, func(pc *service.ParsedConfig, _ *service.Logger) (service.MetricsExporter, error) {
		id, err := pc.FieldString("tenant")
		if err != nil {
			return nil, err
		}
		return m.forTenant(id), nil
	})
	return env, err
}

// stateCache is the state cache of a tenant with a stream of its own: its
// stateStore as a Benthos cache.
type stateCache struct{ s *stateStore }

func (c *stateCache) Get(ctx context.Context, key string) ([]byte, error) {
	if v, _ := c.s.Get(ctx, key); v != nil {
		return v, nil
	}
	return nil, service.ErrKeyNotFound
}

func (c *stateCache) Set(ctx context.Context, key string, value []byte, _ *time.Duration) error {
	return c.s.Set(ctx, key, value)
}

func (c *stateCache) Add(ctx context.Context, key string, value []byte, _ *time.Duration) error {
	if v, _ := c.s.Get(ctx, key); v != nil {
		return service.ErrKeyAlreadyExists
	}
	return c.s.Set(ctx, key, value)
}

func (c *stateCache) Delete(ctx context.Context, key string) error { return c.s.Delete(ctx, key) }

func (c *stateCache) Close(context.Context) error { return nil }

// memoryCache stands in for the state cache where no fleet runs.
type memoryCache struct {
	mu     sync.Mutex
	values map[string][]byte
}

func (c *memoryCache) Get(_ context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.values[key]; ok {
		return v, nil
	}
	return nil, service.ErrKeyNotFound
}

func (c *memoryCache) Set(_ context.Context, key string, value []byte, _ *time.Duration) error {
	c.mu.Lock()
	c.values[key] = value
	c.mu.Unlock()
	return nil
}

func (c *memoryCache) Add(ctx context.Context, key string, value []byte, ttl *time.Duration) error {
	if _, err := c.Get(ctx, key); err == nil {
		return service.ErrKeyAlreadyExists
	}
	return c.Set(ctx, key, value, ttl)
}

func (c *memoryCache) Delete(_ context.Context, key string) error {
	c.mu.Lock()
	delete(c.values, key)
	c.mu.Unlock()
	return nil
}

func (c *memoryCache) Close(context.Context) error { return nil }

// stateStore is a tenant's keys in its partition's state: a member's
// checkpoint store, and behind a stream's state cache.
type stateStore struct {
	tenant string
	p      *partition
}

func (s *stateStore) Get(_ context.Context, key string) ([]byte, error) {
	return s.p.get(stateKey(s.tenant, key)), nil
}

func (s *stateStore) Set(_ context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	return s.p.set(stateKey(s.tenant, key), value)
}

// Delete writes a tombstone.
func (s *stateStore) Delete(_ context.Context, key string) error {
	return s.p.set(stateKey(s.tenant, key), nil)
}
