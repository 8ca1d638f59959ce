package fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/internal/poller"
)

// Tenants whose streams differ only in their revel_poller input share one
// Benthos stream per partition: its input (sharedInputPlugin) reads the
// pages of every member's poller from one channel, and the pipeline and
// output are the members' common ones. A stream costs about 200 KB and a
// dozen goroutines; a member costs its poller. docs/fleet.md, "Shared
// streams", has the rules and the trade-offs.

// sharedInputPlugin is the input of a shared stream.
const sharedInputPlugin = "revel_fleet_tenants"

// share is how a tenant joins a shared stream: the key of the streams it
// can share, and its revel_poller config.
type share struct {
	key    string // hash of everything but the input
	poller string // the input's revel_poller config, YAML
}

// shareOf reports how a tenant's stream can be shared, or why not, from
// its config as the tenants topic holds it. The key hashes the pipeline
// and output as written, so tenants share when those are identical.
func (rs *resolver) shareOf(conf string) (share, error) {
	var c map[string]any
	if err := yaml.Unmarshal([]byte(conf), &c); err != nil {
		return share{}, err
	}
	for k := range c {
		if !slices.Contains(streamSections, k) {
			return share{}, fmt.Errorf("it has %s", k)
		}
	}
	in, _ := c["input"].(map[string]any)
	if _, ok := in["revel_poller"].(map[string]any); !ok {
		return share{}, errors.New("its input is not revel_poller")
	}
	for k, v := range in {
		switch {
		case k == "revel_poller":
		case k == "label" && v == "":
		case k == "processors" && isEmpty(v):
		default:
			return share{}, fmt.Errorf("its input sets %s", k)
		}
	}
	for _, s := range []string{"input_resources", "processor_resources", "output_resources", "cache_resources", "rate_limit_resources"} {
		if !isEmpty(c[s]) {
			return share{}, fmt.Errorf("it has %s", s)
		}
	}
	rp, err := rs.resolve(in)
	if err != nil {
		return share{}, err
	}
	switch {
	case rp["checkpoint_cache"] != StateCache:
		return share{}, fmt.Errorf("its checkpoint_cache is not %s", StateCache)
	case rp["auto_replay_nacks"] == false:
		return share{}, errors.New("it sets auto_replay_nacks: false")
	case rp["rate_limit"] != nil && rp["rate_limit"] != "":
		return share{}, errors.New("it names a rate_limit")
	}
	rest, err := yaml.Marshal(map[string]any{"buffer": c["buffer"], "pipeline": c["pipeline"], "output": c["output"]})
	if err != nil {
		return share{}, err
	}
	pollerYAML, err := yaml.Marshal(rp)
	if err != nil {
		return share{}, err
	}
	sum := sha256.Sum256(rest)
	return share{key: hex.EncodeToString(sum[:6]), poller: string(pollerYAML)}, nil
}

// resolver lints a tenant's revel_poller config and writes it out as
// Benthos resolves it: environment variables replaced, ${{...}} unescaped. Its revel_poller has no field secret, as Benthos scrubs secret
// fields from what it writes out.
type resolver struct {
	env *service.Environment
}

func newResolver() (*resolver, error) {
	env := service.NewEnvironment() // buffers and outputs for the defaults
	err := env.RegisterBatchInput(poller.Name, poller.SpecShowingSecrets(), func(*service.ParsedConfig, *service.Resources) (service.BatchInput, error) {
		return nil, errors.New("the fleet's resolver builds no inputs")
	})
	return &resolver{env: env}, err
}

// resolve returns the revel_poller section of input, resolved.
func (rs *resolver) resolve(input map[string]any) (map[string]any, error) {
	raw, err := yaml.Marshal(map[string]any{poller.Name: input[poller.Name]})
	if err != nil {
		return nil, err
	}
	b := rs.env.NewStreamBuilder()
	if err := b.AddInputYAML(string(raw)); err != nil {
		return nil, err
	}
	out, err := b.AsYAML()
	if err != nil {
		return nil, err
	}
	var c struct {
		Input map[string]any `yaml:"input"`
	}
	if err := yaml.Unmarshal([]byte(out), &c); err != nil {
		return nil, err
	}
	rp, ok := c.Input[poller.Name].(map[string]any)
	if !ok {
		return nil, errors.New("revel_poller did not resolve")
	}
	return rp, nil
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// sharedStreamYAML is a member's stream config with the shared input in
// place of its own.
func sharedStreamYAML(conf, name string) (string, error) {
	var sections map[string]any
	if err := yaml.Unmarshal([]byte(conf), &sections); err != nil {
		return "", err
	}
	sections["input"] = map[string]any{sharedInputPlugin: map[string]any{"stream": name}}
	b, err := yaml.Marshal(sections)
	return string(b), err
}

// sharedInput is a shared stream's input: the members' pages, in the
// order their pollers hand them over. Nacked pages are retried by Benthos'
// auto-retry around it, so a page is acknowledged to its poller only once
// delivered.
type sharedInput struct {
	deliveries chan poller.Delivery
	metrics    *service.Metrics // where members create their metrics; set before built closes
	built      chan struct{}    // closed when Benthos has built the input, as the stream starts
}

func (s *sharedInput) Connect(context.Context) error { return nil }

func (s *sharedInput) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	select {
	case d := <-s.deliveries:
		return d.Batch, func(ctx context.Context, err error) error {
			if err == nil {
				d.Ack(ctx)
			}
			return nil
		}, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

func (s *sharedInput) Close(context.Context) error { return nil }

// group is one shared stream of a partition and its members.
type group struct {
	name   string // shared:p<partition>-<key>, the tenant label of its output metrics; no tenant id has a colon
	key    string
	stream *service.Stream
	in     *sharedInput
	done   chan struct{} // closed when the stream has returned

	mu       sync.Mutex
	members  map[string]*tenant
	stopping bool
	err      error // why the stream stopped by itself
}

// errGroupDown: the shared stream a tenant would join stopped by itself;
// the tenant runs a stream of its own instead.
var errGroupDown = errors.New("the shared stream has stopped")

// down reports whether the stream stopped by itself.
func (g *group) down() bool {
	select {
	case <-g.done:
		g.mu.Lock()
		defer g.mu.Unlock()
		return !g.stopping
	default:
		return false
	}
}

// sharedInputs holds each shared stream's input until Benthos builds it,
// which it does when the stream starts running.
type sharedInputs struct {
	mu sync.Mutex
	m  map[string]*sharedInput
}

func (s *sharedInputs) put(name string, in *sharedInput) {
	s.mu.Lock()
	s.m[name] = in
	s.mu.Unlock()
}

func (s *sharedInputs) take(name string) *sharedInput {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.m[name]
	delete(s.m, name)
	return in
}

// registerSharedInput adds the shared input plugin to env.
func registerSharedInput(env *service.Environment, inputs *sharedInputs) error {
	spec := service.NewConfigSpec().
		Summary("The input of a stream that tenants of a fleet replica share: their revel_poller inputs' pages. The fleet adds it; it is not for configs.").
		Field(service.NewStringField("stream"))
	return env.RegisterBatchInput(sharedInputPlugin, spec, func(pc *service.ParsedConfig, res *service.Resources) (service.BatchInput, error) {
		name, err := pc.FieldString("stream")
		if err != nil {
			return nil, err
		}
		in := inputs.take(name)
		if in == nil {
			return nil, fmt.Errorf("%s: no shared stream %q", sharedInputPlugin, name)
		}
		in.metrics = res.Metrics()
		close(in.built)
		return service.AutoRetryNacksBatched(in), nil
	})
}

// newGroup builds and runs the shared stream of the tenants whose configs
// share key, from the config of one of them.
func (r *Replica) newGroup(p *partition, key, conf string) (*group, error) {
	name := fmt.Sprintf("shared:p%d-%s", p.id, key)
	streamYAML, err := sharedStreamYAML(conf, name)
	if err != nil {
		return nil, err
	}
	log := r.log.With("stream", name)
	b := r.sharedEnv.NewStreamBuilder()
	b.SetSchema(r.sharedSchema)
	b.SetLogger(log)
	b.SetHTTPMux(discardMux{})
	if err := b.SetYAML(streamYAML); err != nil {
		return nil, err
	}
	if err := b.SetMetricsYAML(fmt.Sprintf("%s:\n  tenant: %q\n", tenantMetricsPlugin, name)); err != nil {
		return nil, err
	}
	stream, err := b.Build()
	if err != nil {
		return nil, err
	}
	in := &sharedInput{deliveries: make(chan poller.Delivery), built: make(chan struct{})}
	r.shared.put(name, in)
	g := &group{name: name, key: key, stream: stream, in: in, done: make(chan struct{}), members: map[string]*tenant{}}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	go g.watch(watchCtx)
	go func() {
		defer close(g.done)
		defer stopWatch()
		err := stream.Run(context.Background())
		g.mu.Lock()
		stopping := g.stopping
		if !stopping {
			g.err = err
		}
		g.mu.Unlock()
		if stopping {
			return
		}
		members := g.snapshot()
		if err == nil {
			err = errors.New("the shared stream ended")
		}
		log.Error("fleet: shared stream stopped; its tenants stop", "error", err, "tenants", len(members))
		for _, t := range members {
			t.setState(statusFailed, "shared stream "+name+": "+err.Error())
			r.setOwned(t)
		}
	}()
	select {
	case <-in.built:
	case <-g.done:
		r.shared.take(name)
		return nil, fmt.Errorf("shared stream %s: %w", name, g.err)
	}
	log.Info("fleet: shared stream started", "partition", p.id)
	return g, nil
}

// memberCheck is how often a group looks at its members' problems.
const memberCheck = 5 * time.Second

// watch checks every member each memberCheck: one goroutine a stream, not
// one a tenant.
func (g *group) watch(ctx context.Context) {
	tick := time.NewTicker(memberCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, t := range g.snapshot() {
			t.check(ctx)
		}
	}
}

// snapshot is the group's members now.
func (g *group) snapshot() []*tenant {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Collect(maps.Values(g.members))
}
