package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"
)

const (
	// summaryEvery is how often the demo prints its counts.
	summaryEvery = 10 * time.Second
	// stopWithin bounds the wait on Ctrl-C for events being delivered.
	stopWithin = 3 * time.Second
)

// historyQuiet is how long the demo waits for more history, once some has
// arrived, before printing it all in time order.
const historyQuiet = 500 * time.Millisecond

func init() {
	commands = append(commands, &cli.Command{
		Name:  "demo",
		Usage: "Watch revel-connect turn a simulated Revel tenant's changes into events, no account needed",
		Description: `Starts the Revel simulator on 127.0.0.1 with a few days of restaurant history
and a generator that keeps changing it, then runs a real revel_poller pipeline
against it and prints one line per event: the history first, then live
changes. Ctrl-C stops it.

  revel-connect demo                                  # print events
  revel-connect demo --output http://127.0.0.1:9000/  # also POST them there
  revel-connect demo --config > revel.yaml            # the pipeline, to copy`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "interval", Value: "2s", Usage: "how often each resource is polled (refresh_interval): a duration such as 500ms, or seconds"},
			&cli.StringFlag{Name: "zone", Value: defaultZone, Usage: "the tenant's time zone, as revel_poller takes it (America/Los_Angeles, PST, -08:00); the pipeline reads dates in it"},
			&cli.Float64Flag{Name: "rate", Value: 1, Usage: "changes per second the simulated tenant makes; 0 for history only"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the tenant's history and changes"},
			&cli.StringFlag{Name: "state-dir", Usage: "keep the checkpoints here (default: a temporary directory, removed on exit)"},
			&cli.StringFlag{Name: "output", Usage: "POST each notification to this callback URL as well"},
			&cli.BoolFlag{Name: "config", Usage: "print the pipeline YAML and exit"},
			&cli.DurationFlag{Name: "duration", Usage: "stop after this long; 0 runs until Ctrl-C"},
		},
		Action: runDemo,
	})
}

// demoOptions are the demo's checked flags.
type demoOptions struct {
	pipeline pipelineOptions
	zone     *time.Location
	rate     float64
	seed     uint64
	duration time.Duration
	stateDir string // as given; empty = a temporary directory
}

func parseDemoFlags(c *cli.Context) (demoOptions, error) {
	zone, err := validZone(c.String("zone"))
	if err != nil {
		return demoOptions{}, err
	}
	o := demoOptions{zone: zone, rate: c.Float64("rate"), seed: c.Uint64("seed"), duration: c.Duration("duration")}
	if err := checkRate(o.rate); err != nil {
		return o, err
	}
	interval, err := parseInterval(c.String("interval"))
	if err != nil {
		return o, err
	}
	output := c.String("output")
	if output != "" {
		if err := validCallback(output); err != nil {
			return o, err
		}
	}
	stateDir := c.String("state-dir")
	if strings.ContainsAny(stateDir, "{}$") {
		return o, fmt.Errorf("state-dir %q: pick a path without $, { or }", stateDir)
	}
	o.stateDir = stateDir
	o.pipeline = pipelineOptions{zone: zone.String(), interval: interval, baseURL: "http://" + simulatorAddr,
		apiKey: simulatorKey, apiSecret: simulatorSecret, stateDir: stateDir, output: output,
		runCommands: []string{"revel-connect simulator &   # a simulated tenant on " + simulatorAddr, "revel-connect run revel.yaml"}}
	if stateDir == "" {
		o.pipeline.stateDir = "./revel-connect-state"
	}
	return o, nil
}

func runDemo(c *cli.Context) error {
	o, err := parseDemoFlags(c)
	if err != nil {
		return err
	}
	parts, err := o.pipeline.parts()
	if err != nil {
		return err
	}
	if c.Bool("config") {
		_, err := io.WriteString(c.App.Writer, parts.yaml())
		return err
	}

	stateDir := o.stateDir
	if stateDir == "" {
		if stateDir, err = os.MkdirTemp("", "revel-connect-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(stateDir)
	}
	// The simulator gets throwaway credentials, handed to the pipeline
	// through its environment references and never printed.
	key, secret := "demo-"+randomHex(4), randomHex(16)
	t, err := startTenant(tenantOptions{zone: o.zone, seed: o.seed, rate: o.rate, apiKey: key, apiSecret: secret})
	if err != nil {
		return err
	}
	defer t.stop()
	env := map[string]string{"REVEL_BASE_URL": t.url, "REVEL_API_KEY": key, "REVEL_API_SECRET": secret, "REVEL_STATE_DIR": stateDir}

	w := c.App.Writer
	fmt.Fprintf(w, "revel-connect demo: a simulated Revel tenant at %s (%s, %g changes/s).\n", t.url, o.zone, o.rate)
	fmt.Fprintf(w, "Polling employees, timesheets, orders and payments every %s, all history first, then live changes.\n", o.pipeline.interval)
	if o.pipeline.output != "" {
		fmt.Fprintf(w, "POSTing each notification to %s as well.\n", o.pipeline.output)
	}
	fmt.Fprintf(w, "`revel-connect demo --config` prints the pipeline. Ctrl-C stops.\n\n")

	ctx, stop := stopOnSignal(c.Context, o.duration)
	defer stop()
	printer := newEventPrinter(w, o.zone)
	printer.holdHistory(t.seeded, historyQuiet)
	printer.header()
	if o.pipeline.output == "" {
		parts.output = "" // the printer takes the place of stdout
	}
	err = runPipeline(ctx, parts, env, printer, c.App.ErrWriter)
	printer.summary()
	return err
}

// runPipeline runs p until ctx is done, resolving its environment
// references from env first. Events go to printer and, if p has one, to
// p's output as well.
func runPipeline(ctx context.Context, p pipelineParts, env map[string]string, printer *eventPrinter, logs io.Writer) error {
	b := service.NewStreamBuilder()
	var stopping atomic.Bool
	b.SetLogger(slog.New(newLogfmtHandler(logs, slog.LevelWarn, &stopping)))
	b.SetEnvVarLookupFunc(func(name string) (string, bool) {
		if v, ok := env[name]; ok {
			return v, true
		}
		return os.LookupEnv(name)
	})
	if err := b.AddInputYAML(p.input); err != nil {
		return err
	}
	if err := b.AddResourcesYAML(p.resources); err != nil {
		return err
	}
	if p.output != "" {
		if err := b.AddOutputYAML(p.output); err != nil {
			return err
		}
		// The printer comes after the callback and hears only what the
		// callback accepted.
		b.SetOutputBrokerPattern(service.OutputBrokerPatternFanOutSequential)
	}
	if err := b.AddConsumerFunc(printer.consume); err != nil {
		return err
	}
	stream, err := b.Build()
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- stream.Run(context.Background()) }()
	summaries, stopSummaries := context.WithCancel(ctx)
	summarized := make(chan struct{})
	go func() {
		printer.summarize(summaries, summaryEvery)
		close(summarized)
	}()
	defer func() { // the caller's final summary must come last
		stopSummaries()
		<-summarized
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	stopping.Store(true)
	if err := stream.StopWithin(stopWithin); err != nil {
		// Only a callback that never accepted them holds events this long;
		// the stream is abandoned with them, as the process ends.
		fmt.Fprintf(logs, "revel-connect demo: stopped with events the callback had not accepted; they were not printed\n")
		return nil
	}
	<-done
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
