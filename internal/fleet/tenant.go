package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/internal/poller"
)

// StateCache is the label of the cache every tenant's stream gets, kept in
// the state topic: `checkpoint_cache: state` in a tenant's revel_poller.
const StateCache = "state"

// Cache and metrics plugins the fleet registers in its own environment,
// bound to the fleet; never in Benthos' global one.
const (
	stateCachePlugin    = "revel_fleet_state"
	tenantMetricsPlugin = "revel_fleet_tenant"
)

var tenantIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// CheckTenantID explains what is wrong with a tenant id, nil if nothing.
func CheckTenantID(id string) error {
	if !tenantIDPattern.MatchString(id) {
		return fmt.Errorf("tenant id %q: use 1 to 128 letters, digits, dots, dashes and underscores, starting with a letter or digit", id)
	}
	return nil
}

// streamSections are the top-level fields a tenant's stream may have: what
// POST /streams/{id} accepts in streams mode, and resources of its own.
// http, logger, metrics and tracer belong to the replica's root config.
var streamSections = []string{
	"input", "buffer", "pipeline", "output",
	"input_resources", "processor_resources", "output_resources", "cache_resources", "rate_limit_resources",
}

// newStreamBuilder returns a builder configured with a tenant's stream, or
// the problems of that config: fields outside a stream, lint errors, a
// cache of its own named state. The builder's metrics and logs go to the
// fleet's; it opens no HTTP server.
//
// schema is the stream config schema every builder shares: a builder
// parses its own by default, about 34 KB, and a running stream keeps its
// builder.
func newStreamBuilder(env *service.Environment, schema *service.ConfigSchema, id, conf string, log *slog.Logger) (*service.StreamBuilder, error) {
	if err := CheckTenantID(id); err != nil {
		return nil, err
	}
	var sections map[string]any
	if err := yaml.Unmarshal([]byte(conf), &sections); err != nil {
		return nil, fmt.Errorf("tenant %s: the config is not YAML: %w", id, err)
	}
	if _, ok := sections["input"]; !ok {
		return nil, fmt.Errorf("tenant %s: the config has no input; give the tenant's revel_poller input, pipeline and output, as POST /streams/{id} takes them", id)
	}
	for name := range sections {
		if !slices.Contains(streamSections, name) {
			return nil, fmt.Errorf("tenant %s: %s is not part of a tenant's stream (allowed: %s); set http, logger and metrics once in the fleet's root config (-o)",
				id, name, strings.Join(streamSections, ", "))
		}
	}
	caches := map[string]bool{}
	if list, ok := sections["cache_resources"].([]any); ok {
		for _, c := range list {
			if m, ok := c.(map[string]any); ok {
				if label, ok := m["label"].(string); ok {
					caches[label] = true
				}
			}
		}
	}
	if caches[StateCache] {
		return nil, fmt.Errorf("tenant %s: cache_resources defines %q, the label the fleet gives its state cache; remove it and keep checkpoint_cache: %s", id, StateCache, StateCache)
	}
	if in, ok := sections["input"].(map[string]any); ok {
		if poller, ok := in["revel_poller"].(map[string]any); ok {
			switch cache, _ := poller["checkpoint_cache"].(string); {
			case cache == "":
				return nil, fmt.Errorf("tenant %s: input.revel_poller.checkpoint_cache is not set; set checkpoint_cache: %s so the tenant's checkpoints move with it from replica to replica", id, StateCache)
			case cache != StateCache && !caches[cache]:
				return nil, fmt.Errorf("tenant %s: input.revel_poller.checkpoint_cache: no cache named %q; use checkpoint_cache: %s, the fleet's state cache", id, cache, StateCache)
			}
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := env.NewStreamBuilder()
	b.SetSchema(schema)
	b.SetLogger(log)
	b.SetHTTPMux(discardMux{})
	if err := b.SetYAML(conf); err != nil {
		return nil, fmt.Errorf("tenant %s: %w", id, err)
	}
	if err := b.SetMetricsYAML(fmt.Sprintf("%s:\n  tenant: %q\n", tenantMetricsPlugin, id)); err != nil {
		return nil, err
	}
	if err := b.AddCacheYAML(fmt.Sprintf("label: %s\n%s:\n  tenant: %q\n", StateCache, stateCachePlugin, id)); err != nil {
		return nil, err
	}
	return b, nil
}

// discardMux swallows the HTTP endpoints components register: the fleet
// serves its own.
type discardMux struct{}

func (discardMux) HandleFunc(string, func(http.ResponseWriter, *http.Request)) {}

// Tenant statuses.
const (
	statusRunning = "running"
	statusRefused = "refused" // the config does not parse or lint
	statusFailed  = "failed"  // the stream stopped with an error
)

// tenant is one tenant's running stream on this replica.
type tenant struct {
	id        string
	partition int32
	conf      string // the record value it runs
	since     time.Time

	// A tenant runs either a stream of its own or, as member, in a
	// group's shared stream.
	stream    *service.Stream
	done      chan struct{} // closed when the stream has returned
	stopping  atomic.Bool
	member    *poller.Member
	group     *group
	cancel    context.CancelFunc // ends the member's connect loop
	connected atomic.Bool

	mu      sync.Mutex
	status  string
	problem string
}

func (t *tenant) state() (status, problem string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, t.problem
}

func (t *tenant) setState(status, problem string) {
	t.mu.Lock()
	t.status, t.problem = status, problem
	t.mu.Unlock()
}

// run starts the stream; the tenant becomes failed if it stops by itself,
// and then calls onFail.
func (t *tenant) run(log *slog.Logger, onFail func()) {
	t.done = make(chan struct{})
	t.setState(statusRunning, "")
	go func() {
		defer close(t.done)
		err := t.stream.Run(context.Background())
		if err != nil && !t.stopping.Load() && !errors.Is(err, context.Canceled) {
			log.Error("fleet: tenant stream stopped", "tenant", t.id, "error", err)
			t.setState(statusFailed, err.Error())
			onFail()
		}
	}()
}

// stop stops the stream within d: gracefully, so in-flight messages are
// acknowledged and their checkpoints saved, unless d runs out. A stream
// whose output or acknowledgements stay blocked past d (and a grace
// second) is left to finish on its own: its input has stopped polling,
// and once its partition is released its checkpoint writes are refused.
// It reports whether the stream stopped.
func (t *tenant) stop(d time.Duration) bool {
	if t.member != nil {
		return t.stopMember(d)
	}
	if t.stream == nil {
		return true
	}
	t.stopping.Store(true)
	_ = t.stream.StopWithin(d)
	select {
	case <-t.done:
		return true
	case <-time.After(time.Second):
		return false
	}
}

// stopMember stops a member's polling and waits, within d, until every
// page it delivered is acknowledged and its checkpoint written.
func (t *tenant) stopMember(d time.Duration) bool {
	t.stopping.Store(true)
	t.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	// Close first waits for a Connect under way, which waits on its first
	// checkpoint write while the state topic refuses it (until writes
	// work or the partition is released); d bounds the stop all the same.
	closed := make(chan error, 1)
	go func() { closed <- t.member.Close(ctx) }()
	select {
	case err := <-closed:
		if err != nil {
			return false
		}
	case <-ctx.Done():
		return false
	}
	return t.member.Drain(ctx, drainTick) == nil
}

// drainTick is how often a stopping member checks its acknowledgements.
const drainTick = 10 * time.Millisecond

// connectMember starts a member, retrying while its checkpoints cannot be
// loaded; from then on its group's watch checks it.
func (t *tenant) connectMember(ctx context.Context, log *slog.Logger, onChange func()) {
	wait := time.Second
	for {
		err := t.member.Connect(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		t.setState(statusFailed, err.Error())
		onChange()
		log.Error("fleet: tenant cannot start; retrying", "error", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
	if ctx.Err() != nil {
		return // stopped meanwhile: its stop forgets it
	}
	t.connected.Store(true)
	t.setState(statusRunning, "")
	onChange()
}

// check retries a member's failed checkpoint write and shows what stops
// it (credentials Revel refuses, checkpoints not saved) or fails its polls
// (Revel unreachable or answering errors) as its problem.
func (t *tenant) check(ctx context.Context) {
	if !t.connected.Load() || t.stopping.Load() {
		return
	}
	problem := t.member.Failing()
	if err := t.member.Connect(ctx); err != nil {
		problem = err.Error()
	}
	if _, cur := t.state(); cur != problem {
		t.setState(statusRunning, problem)
	}
}
