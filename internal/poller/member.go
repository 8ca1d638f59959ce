package poller

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
)

// Member is one tenant's revel_poller input inside a stream that many
// tenants share (a fleet replica's): it hands its pages to a channel the
// members share, where the stream's one input reads them, instead of to a
// ReadBatch of its own. Everything else is the input's: checkpoints,
// verification, audits, acknowledgement-gated cursors.
type Member struct {
	in *input
}

// NewMember builds a member from a tenant's parsed revel_poller config.
// Its checkpoints go to store, its logs to log, and its metrics, created
// in m, lead with the label tenant=tenant so the members of one stream
// stay apart. A member has no resources of its own, so the config must
// not name a rate_limit.
func NewMember(pc *service.ParsedConfig, tenant string, log *service.Logger, m *service.Metrics, store checkpoint.Store, out chan Delivery) (*Member, error) {
	conf, err := parseConfig(pc)
	if err != nil {
		return nil, err
	}
	if conf.rateLimit != "" {
		return nil, errors.New("rate_limit: a tenant sharing a stream has no rate_limit resources; remove it, or give the tenant rate_limit_resources so it runs a stream of its own")
	}
	in := build(conf, log, newMetrics(m, tenant), out)
	in.store = store
	return &Member{in: in}, nil
}

// Connect starts the member as Connect starts an input: it loads and
// rewrites every checkpoint, failing if the store cannot take them, then
// polls. Once polling, a call retries a failed checkpoint write and
// returns what stops the member: credentials Revel rejects, or
// checkpoints that cannot be saved (polling waits until they can).
func (m *Member) Connect(ctx context.Context) error { return m.in.Connect(ctx) }

// Close stops polling and waits, within ctx, for the member's pollers to
// return. Pages already delivered are still acknowledged through their
// Ack; Unacked tells when that is done.
func (m *Member) Close(ctx context.Context) error { return m.in.Close(ctx) }

// Failing says why the member's resources whose last request or poll
// failed failed (Revel unreachable, answering errors), one "resource: why"
// each; empty when Revel has answered since.
func (m *Member) Failing() string {
	m.in.mu.Lock()
	pollers := m.in.pollers
	m.in.mu.Unlock()
	var out []string
	for _, p := range pollers {
		if msg := p.failing.Load(); msg != nil {
			out = append(out, p.conf.objectType+": "+*msg)
		}
	}
	return strings.Join(out, "; ")
}

// Unacked is the number of messages delivered and not yet acknowledged,
// counting a message acknowledged once its checkpoint write has returned.
func (m *Member) Unacked() int64 {
	m.in.mu.Lock()
	pollers := m.in.pollers
	m.in.mu.Unlock()
	var n int64
	for _, p := range pollers {
		n += p.unacked.Load()
	}
	return n
}

// Drain waits until every delivered message is acknowledged, checking
// every tick, or ctx ends.
func (m *Member) Drain(ctx context.Context, tick time.Duration) error {
	t := time.NewTicker(tick)
	defer t.Stop()
	for m.Unacked() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
