// Package tests runs revel-connect pipelines end to end: the revel_poller
// input in Benthos streams against the Revel simulator on loopback.
package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	"github.com/revel-connect/revel-connect/internal/testutil"
	_ "github.com/revel-connect/revel-connect/plugin/httpcallback"
	_ "github.com/revel-connect/revel-connect/plugin/revelpoller"
	"github.com/revel-connect/revel-connect/revelsim"
	"github.com/revel-connect/revel-connect/revelsim/revelsimtest"
)

const (
	apiKey    = "test-key"
	apiSecret = "never-log-this-secret"
	waitLimit = 30 * time.Second
)

// startSim serves a simulated tenant on 127.0.0.1.
func startSim(t *testing.T, opts revelsim.Options) (*revelsim.Server, string) {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey, opts.APISecret = apiKey, apiSecret
	}
	sim := revelsimtest.Start(t, opts)
	return sim, sim.URL()
}

// notification is the part of a Cloud Elements notification tests check.
type notification struct {
	ID      string `json:"id"`
	Topic   string `json:"topic"`
	Message struct {
		EventID string                     `json:"eventId"`
		Raw     map[string]json.RawMessage `json:"raw"`
		Events  []struct {
			Date       string `json:"date"`
			EventType  string `json:"eventType"`
			ObjectID   string `json:"objectId"`
			ObjectType string `json:"objectType"`
			HubKey     string `json:"hubKey"`
		} `json:"events"`
	} `json:"message"`
}

// received is one delivered message.
type received struct {
	body []byte
	n    notification
	meta map[string]string
}

// sink collects delivered messages; reject, if set, can nack one.
type sink struct {
	mu     sync.Mutex
	msgs   []received
	reject func(r received) error
}

func (s *sink) consume(_ context.Context, m *service.Message) error {
	body, err := m.AsBytes()
	if err != nil {
		return err
	}
	r := received{body: append([]byte(nil), body...), meta: map[string]string{}}
	if err := json.Unmarshal(body, &r.n); err != nil {
		return fmt.Errorf("delivered message is not a notification: %w: %s", err, body)
	}
	_ = m.MetaWalkMut(func(k string, v any) error {
		r.meta[k] = fmt.Sprint(v)
		return nil
	})
	s.mu.Lock()
	reject := s.reject
	s.mu.Unlock()
	if reject != nil {
		if err := reject(r); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, r)
	s.mu.Unlock()
	return nil
}

// acceptOnly returns a reject function that accepts the first n messages
// offered and fails every later one: the output goes down.
func acceptOnly(n int) func(received) error {
	var mu sync.Mutex
	offered := 0
	return func(received) error {
		mu.Lock()
		defer mu.Unlock()
		if offered++; offered > n {
			return fmt.Errorf("output down")
		}
		return nil
	}
}

func (s *sink) all() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// changes counts deliveries per objectId/eventType.
func (s *sink) changes() map[string]int {
	out := map[string]int{}
	for _, r := range s.all() {
		for _, e := range r.n.Message.Events {
			out[e.ObjectType+"/"+e.ObjectID+"/"+e.EventType]++
		}
	}
	return out
}

// pipeline is a running stream.
type pipeline struct {
	stream *service.Stream
	done   chan error
	logs   *testutil.Buffer
}

// newBuilder returns a stream builder that logs everything into logs.
func newBuilder(logs *testutil.Buffer) *service.StreamBuilder {
	b := service.NewStreamBuilder()
	b.SetLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug - 4})))
	return b
}

// start builds b and runs the stream until the test ends.
func start(t *testing.T, b *service.StreamBuilder, logs *testutil.Buffer) *pipeline {
	t.Helper()
	stream, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline{stream: stream, done: make(chan error, 1), logs: logs}
	go func() { p.done <- stream.Run(context.Background()) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// run builds and starts a stream from conf (input and resources) that
// delivers into s.
func run(t *testing.T, conf string, s *sink) *pipeline {
	t.Helper()
	logs := &testutil.Buffer{}
	b := newBuilder(logs)
	addSections(t, b, conf)
	if err := b.AddConsumerFunc(s.consume); err != nil {
		t.Fatal(err)
	}
	return start(t, b, logs)
}

// runYAML builds and starts a stream from a whole config, output included,
// reading environment variables from env (nil: none).
func runYAML(t *testing.T, conf string, env func(string) (string, bool)) *pipeline {
	t.Helper()
	logs := &testutil.Buffer{}
	b := newBuilder(logs)
	if env != nil {
		b.SetEnvVarLookupFunc(env)
	}
	if err := b.SetYAML(conf); err != nil {
		t.Fatalf("config: %v\n%s", err, conf)
	}
	return start(t, b, logs)
}

// addSections adds an input and resources config to b. SetYAML would also
// add its default stdout output beside the consumer.
func addSections(t *testing.T, b *service.StreamBuilder, conf string) {
	t.Helper()
	var sections map[string]any
	if err := yaml.Unmarshal([]byte(conf), &sections); err != nil {
		t.Fatalf("config: %v\n%s", err, conf)
	}
	for name, v := range sections {
		raw, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case "input":
			err = b.AddInputYAML(string(raw))
		case "cache_resources", "rate_limit_resources":
			raw, _ = yaml.Marshal(map[string]any{name: v})
			err = b.AddResourcesYAML(string(raw))
		default:
			t.Fatalf("config section %q is not supported by this harness", name)
		}
		if err != nil {
			t.Fatalf("config %s: %v\n%s", name, err, raw)
		}
	}
}

// stop shuts the stream down gracefully; safe to call twice.
func (p *pipeline) stop(t *testing.T) {
	t.Helper()
	p.stopWithin(t, 10*time.Second)
}

// stopWithin stops the stream, forcing it after d: a short d models a crash,
// with messages still unacknowledged.
func (p *pipeline) stopWithin(t *testing.T, d time.Duration) {
	t.Helper()
	if p.stream == nil {
		return
	}
	_ = p.stream.StopWithin(d)
	<-p.done
	p.stream = nil
}

// eventually waits for cond, checking often; it fails the test with what()
// if cond does not hold within waitLimit.
func eventually(t *testing.T, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cycles returns a condition that holds once the simulator has served n
// more requests for path than it had when cycles was called: proof that
// polling went on.
func cycles(sim *revelsim.Server, path string, n int) func() bool {
	count := func() int {
		c := 0
		for _, r := range sim.Requests() {
			if r.Path == path {
				c++
			}
		}
		return c
	}
	start := count()
	return func() bool { return count() >= start+n }
}

// pollerConf renders an input for resources against base, with fast
// intervals and backoff so tests run quickly.
func pollerConf(base, cacheDir, extra, resources string) string {
	cache := ""
	checkpoint := ""
	if cacheDir != "" {
		checkpoint = "    checkpoint_cache: state\n"
		cache = fmt.Sprintf("cache_resources:\n  - label: state\n    atomic_file:\n      directory: %s\n", cacheDir)
	}
	return fmt.Sprintf(`
input:
  revel_poller:
    base_url: %s
    api_key: %s
    api_secret: %s
    refresh_interval: 20ms
    start_from: earliest
    page_size: 100
    retry_backoff:
      initial_interval: 5ms
      max_interval: 50ms
%s%s    resources:
%s
%s`, base, apiKey, apiSecret, checkpoint, extra, indent(resources, "      "), cache)
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// resource renders one resources entry polling a Revel path by
// updated_date in the simulator's zone.
func resource(name, path, extra string) string {
	return fmt.Sprintf(`%s:
  url: %s?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
  id_field: id
  dates_configuration:
    updated_date_timezone: America/Los_Angeles
    created_date_timezone: America/Los_Angeles
%s`, name, path, indent(extra, "  "))
}
