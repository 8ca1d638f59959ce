package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/poller"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:      "status",
		Usage:     "Show where each revel_poller resource is and whether it is stuck: cursor, lag, last poll, failures, paging",
		ArgsUsage: "CONFIG...",
		Description: `Reads the checkpoints of every revel_poller input in the CONFIG files from
their checkpoint_cache (the config's cache_resources, or the -r resources
files of streams mode), and, with --metrics, the live lag and error counts
from a running revel-connect's /metrics. Run it with the environment the
pipeline runs with: the config is read as ` + "`run`" + ` reads it.

  revel-connect status config/callback.yaml
  revel-connect status --metrics http://127.0.0.1:4195/metrics pipeline.yaml
  revel-connect status --format json -r resources.yaml streams/*.yaml
  revel-connect status --fleet http://10.0.0.5:4195,http://10.0.0.6:4195

With --fleet, it asks each replica of a fleet (docs/fleet.md) which tenants
it owns, whether each runs or was refused (and why), and each tenant's lag
per resource, instead of reading configs.

A resource is "behind" when its lag (now minus the start of the last cycle
whose every change was delivered) exceeds two refresh intervals (plus a
second from /metrics, whose gauge counts whole seconds, or a minute from the
checkpoint, which an idle resource rewrites once a minute), and "failing"
when requests to Revel have also failed (ERRORS counts failed polls, 4xx,
5xx, retries and checkpoint write failures since the process started, with
the time of the last error; the logs have its message). "pending" is an
unfinished cycle: where it queries from, and how far its paging got.`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "resources", Aliases: []string{"r"}, Usage: "resources files (cache_resources) for configs that define none, as in streams mode"},
			&cli.StringFlag{Name: "metrics", Usage: "the /metrics URL of the running revel-connect, for live lag and errors"},
			&cli.StringFlag{Name: "format", Value: "table", Usage: "table or json"},
			&cli.StringSliceFlag{Name: "fleet", Usage: "base URLs of a fleet's replicas (http://HOST:4195,...): show who owns which tenant, its status and lag"},
			&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "how long reading the checkpoints and /metrics may take"},
		},
		Action: runStatus,
	})
}

func runStatus(c *cli.Context) error {
	format := c.String("format")
	if format != "table" && format != "json" {
		return fmt.Errorf("format %q: give table or json", format)
	}
	if replicas := c.StringSlice("fleet"); len(replicas) > 0 {
		ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
		defer cancel()
		// The replicas that answered are shown even when others did not;
		// those are named in the error, and the exit status is 1.
		rows, err := fleetStatus(ctx, replicas)
		if format == "json" {
			enc := json.NewEncoder(c.App.Writer)
			enc.SetIndent("", "  ")
			return errors.Join(enc.Encode(rows), err)
		}
		return errors.Join(printFleetStatus(c.App.Writer, rows), err)
	}
	if c.NArg() == 0 {
		return errors.New("status needs the config file of the pipeline, e.g. revel-connect status config/callback.yaml")
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	var resources []string
	for _, f := range c.StringSlice("resources") {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		resources = append(resources, string(raw))
	}
	now := time.Now()
	var rows []resourceStatus
	for _, file := range c.Args().Slice() {
		inputs, err := readCheckpoints(ctx, file, resources, c.App.ErrWriter)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		for _, in := range inputs {
			rows = append(rows, in.rows(now)...)
		}
	}
	if url := c.String("metrics"); url != "" {
		series, err := scrape(ctx, url)
		if err != nil {
			return err
		}
		for i := range rows {
			rows[i].addMetrics(series, now)
		}
	}
	for i := range rows {
		rows[i].judge()
	}
	if format == "json" {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return printStatus(c.App.Writer, rows)
}

// inputCheckpoints is one revel_poller input's layout and stored states.
type inputCheckpoints struct {
	config string // the file
	label  string // the input's label
	layout *poller.Layout
	states map[string]*checkpoint.State // by resource name; nil = none stored
	errs   map[string]error             // by resource name: unreadable
}

// readCheckpoints loads file as `run` would, but with revel_poller inputs
// that read their checkpoints instead of polling, and returns what they
// read. Only the inputs and the resources are kept: nothing is sent.
func readCheckpoints(ctx context.Context, file string, resources []string, warn io.Writer) ([]*inputCheckpoints, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	conf, pollers, err := inputsOnly(raw)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var found []*inputCheckpoints
	var readErr error
	env := environment() // no components the CLI leaves out: the inputs section is run as written
	err = env.RegisterBatchInput("revel_poller", poller.Spec(), func(pc *service.ParsedConfig, res *service.Resources) (service.BatchInput, error) {
		layout, err := poller.ParseLayout(pc)
		if err != nil {
			return nil, err
		}
		in := &inputCheckpoints{config: file, label: res.Label(), layout: layout, states: map[string]*checkpoint.State{}, errs: map[string]error{}}
		if layout.Cache != "" {
			if !res.HasCache(layout.Cache) {
				return nil, fmt.Errorf("checkpoint_cache: no cache resource named %q; streams mode keeps it in a resources file: pass it with -r", layout.Cache)
			}
			store := checkpoint.NewCacheStore(res, layout.Cache)
			for _, r := range layout.Resources {
				st, err := checkpoint.LoadState(ctx, store, r.Key)
				if err != nil {
					in.errs[r.Name] = err
				}
				in.states[r.Name] = st
			}
		}
		mu.Lock()
		found = append(found, in)
		mu.Unlock()
		return idleInput{}, nil
	})
	if err != nil {
		return nil, err
	}
	b := env.NewStreamBuilder()
	b.SetLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	// Variables without a default that are unset, such as credentials an
	// operator's shell lacks (status needs none), read as a placeholder;
	// they are named, since a checkpoint_key made of one would be wrong.
	var missing []string
	for _, m := range envNoDefault.FindAllStringSubmatch(conf, -1) {
		if _, ok := os.LookupEnv(m[1]); !ok && !slices.Contains(missing, m[1]) {
			missing = append(missing, m[1])
		}
	}
	slices.Sort(missing)
	b.SetEnvVarLookupFunc(func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		if slices.Contains(missing, name) {
			return unsetPlaceholder, true
		}
		return "", false
	})
	if err := b.SetYAML(conf); err != nil {
		return nil, withMissing(err, missing)
	}
	for _, r := range resources {
		if err := b.AddResourcesYAML(r); err != nil {
			return nil, err
		}
	}
	stream, err := b.Build()
	if err != nil {
		return nil, withMissing(err, missing)
	}
	// The stream is run only to construct its inputs, which read the
	// checkpoints in their constructors; it stops at once.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- stream.Run(runCtx) }()
	started := make(chan struct{})
	go func() {
		for {
			mu.Lock()
			n := len(found)
			mu.Unlock()
			if n >= pollers || runCtx.Err() != nil {
				close(started)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	select {
	case err := <-done:
		readErr = err
	case <-started:
	}
	stop()
	_ = stream.StopWithin(time.Second)
	if len(missing) > 0 {
		fmt.Fprintf(warn, "status: %s not set; read as %q (export them if checkpoint_key or the cache uses them)\n", strings.Join(missing, ", "), unsetPlaceholder)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(found) == 0 {
		if readErr != nil && !errors.Is(readErr, context.Canceled) {
			return nil, withMissing(readErr, missing)
		}
		return nil, errors.New("no revel_poller input in it")
	}
	slices.SortFunc(found, func(a, b *inputCheckpoints) int { return strings.Compare(a.layout.Prefix, b.layout.Prefix) })
	return found, nil
}

func withMissing(err error, missing []string) error {
	if len(missing) == 0 {
		return err
	}
	return fmt.Errorf("%w (unset, read as %q: %s; export the variables the pipeline runs with)", err, unsetPlaceholder, strings.Join(missing, ", "))
}

// unsetPlaceholder stands for an unset variable without a default.
const unsetPlaceholder = "unset"

// envNoDefault matches ${NAME}, an environment reference without a default.
var envNoDefault = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// inputsOnly keeps the parts of a config that status needs, the input and
// the resources, sends the output nowhere, and counts the revel_poller
// inputs in it.
func inputsOnly(raw []byte) (string, int, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return "", 0, err
	}
	keep := map[string]any{"output": map[string]any{"drop": map[string]any{}}}
	pollers := 0
	for _, k := range []string{"input", "input_resources", "cache_resources", "rate_limit_resources"} {
		if v, ok := doc[k]; ok {
			keep[k] = v
			if k == "input" || k == "input_resources" {
				pollers += countKey(v, "revel_poller")
			}
		}
	}
	if pollers == 0 {
		return "", 0, errors.New("no revel_poller input in it")
	}
	out, err := yaml.Marshal(keep)
	return string(out), pollers, err
}

// countKey counts the maps in v, at any depth, that have key.
func countKey(v any, key string) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v[key]; ok {
			n++
		}
		for _, e := range v {
			n += countKey(e, key)
		}
	case []any:
		for _, e := range v {
			n += countKey(e, key)
		}
	}
	return n
}

// idleInput stands in for revel_poller: it reads nothing.
type idleInput struct{}

func (idleInput) Connect(context.Context) error { return nil }
func (idleInput) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	<-ctx.Done()
	return nil, nil, ctx.Err()
}
func (idleInput) Close(context.Context) error { return nil }

// rows turns in into one status per resource.
func (in *inputCheckpoints) rows(now time.Time) []resourceStatus {
	var out []resourceStatus
	for _, r := range in.layout.Resources {
		s := resourceStatus{
			Tenant: in.layout.Prefix, Input: in.label, Config: filepath.Base(in.config), BaseURL: in.layout.BaseURL,
			Resource: r.Name, Key: r.Key, Paging: r.Paging, Interval: r.Interval.String(), interval: r.Interval,
		}
		switch st, err := in.states[r.Name], in.errs[r.Name]; {
		case in.layout.Cache == "":
			s.Checkpoint = "in memory (checkpoint_cache unset): not readable"
		case err != nil:
			s.Checkpoint = "unreadable: " + err.Error()
		case st == nil:
			s.Checkpoint = "none yet"
		default:
			s.Checkpoint = "stored"
			s.fromState(st, now)
		}
		out = append(out, s)
	}
	return out
}
