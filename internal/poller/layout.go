package poller

import (
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
)

// Layout is where a revel_poller input keeps its checkpoints, for tools
// that read them without polling (`revel-connect status`).
type Layout struct {
	BaseURL string
	// Cache is checkpoint_cache; empty when checkpoints live in memory and
	// nothing outside the process can read them.
	Cache string
	// Prefix is checkpoint_key.
	Prefix    string
	Resources []ResourceLayout // ordered by name
}

// ResourceLayout is one resource's share of a Layout.
type ResourceLayout struct {
	Name     string        // the resource's key in `resources`
	Key      string        // the cache key of its checkpoint
	IDsKey   string        // the cache key of its known ids; empty without audit_full_interval
	Paging   string        // keyset or offset, as configured
	Interval time.Duration // refresh_interval
}

// ParseLayout reads the Layout of the revel_poller input configured by pc,
// checking the configuration as the input does.
func ParseLayout(pc *service.ParsedConfig) (*Layout, error) {
	conf, err := parseConfig(pc)
	if err != nil {
		return nil, err
	}
	l := &Layout{BaseURL: conf.baseURL, Cache: conf.checkpointCache, Prefix: conf.checkpointKey}
	for _, rc := range conf.resources {
		r := ResourceLayout{Name: rc.objectType, Key: checkpoint.ResourceKey(conf.checkpointKey, rc.objectType),
			Paging: string(rc.paging), Interval: rc.interval}
		if rc.reconcile > 0 {
			r.IDsKey = checkpoint.IDsKey(r.Key)
		}
		l.Resources = append(l.Resources, r)
	}
	return l, nil
}
