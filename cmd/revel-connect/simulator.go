package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/revel-connect/revel-connect/revelsim"
)

// Simulator defaults; `demo --config` points at them.
const (
	simulatorAddr   = "127.0.0.1:8081"
	simulatorKey    = "demo"
	simulatorSecret = "demo"
	defaultZone     = "America/Los_Angeles"
)

func init() {
	commands = append(commands, &cli.Command{
		Name:  "simulator",
		Usage: "Serve a simulated Revel tenant, with live changes and optional faults, to point pipelines at",
		Description: `Serves the Revel API simulator the demo and the test suite use: a tenant with
three establishments, employees, timesheets, orders and payments, dated as
naive local time in --zone, and a generator that creates, edits and deletes
records --rate times a second. It speaks Revel's Tastypie dialect (limit and
offset paging, Django filters on naive dates, fields=, order_by, meta.time_zone)
and can misbehave on request: 5xx, 429 with Retry-After, slow pages, and
the paging misbehaviours of --profile:

` + profileList() + `
  revel-connect simulator --addr 127.0.0.1:8081 --error-rate 0.05 --throttle-rate 0.05
  revel-connect simulator --profile ignores-order-by

It prints a pipeline to run against it. Stop it with Ctrl-C.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: simulatorAddr, Usage: "listen address; keep it on loopback unless you mean to share it"},
			&cli.StringFlag{Name: "api-key", Value: simulatorKey, Usage: "API key clients must send"},
			&cli.StringFlag{Name: "api-secret", Value: simulatorSecret, Usage: "API secret clients must send; never printed unless it is the default"},
			&cli.StringFlag{Name: "zone", Value: defaultZone, Usage: "the tenant's time zone, as revel_poller takes it (America/Los_Angeles, PST, -08:00): dates are naive local text in it"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the tenant's history, its changes and its faults"},
			&cli.Float64Flag{Name: "rate", Value: 1, Usage: "changes per second the generator makes; 0 for a still tenant"},
			&cli.Float64Flag{Name: "error-rate", Usage: "share of list requests answered 500, 502 or 503 (0 to 1)"},
			&cli.Float64Flag{Name: "throttle-rate", Usage: "share of list requests answered 429 (0 to 1)"},
			&cli.DurationFlag{Name: "retry-after", Value: time.Second, Usage: "Retry-After on 429s, in whole seconds; 0 sends none"},
			&cli.Float64Flag{Name: "slow-rate", Usage: "share of list requests delayed by --slow-delay (0 to 1)"},
			&cli.DurationFlag{Name: "slow-delay", Value: 2 * time.Second, Usage: "delay of slow requests"},
			&cli.DurationFlag{Name: "latency", Usage: "time every list response takes, as a real tenant's do (Revel: about 500ms a page)"},
			&cli.DurationFlag{Name: "latency-jitter", Usage: "plus a random share of this, per response"},
			&cli.DurationFlag{Name: "latency-per-row", Usage: "plus this for each row of the page (large pages are slow)"},
			&cli.StringFlag{Name: "profile", Usage: "a paging misbehaviour to serve (see above); none by default"},
			&cli.DurationFlag{Name: "late-commit", Usage: "make each insert and edit visible this long after it is stamped, as a transaction committing late (commits-late uses 2s); 0 commits at once"},
			&cli.BoolFlag{Name: "log-requests", Usage: "log each request to stderr (secrets redacted)"},
			&cli.BoolFlag{Name: "log-changes", Usage: "log each change the generator makes to stderr, to compare with the events a pipeline emits"},
		},
		Action: runSimulator,
	})
}

func runSimulator(c *cli.Context) error {
	zone, err := validZone(c.String("zone"))
	if err != nil {
		return err
	}
	faults := revelsim.FaultRates{
		ServerError:     c.Float64("error-rate"),
		TooManyRequests: c.Float64("throttle-rate"),
		RetryAfter:      c.Duration("retry-after"),
		Slow:            c.Float64("slow-rate"),
		SlowDelay:       c.Duration("slow-delay"),
		Seed:            int64(c.Uint64("seed")),
	}
	for name, v := range map[string]float64{"error-rate": faults.ServerError, "throttle-rate": faults.TooManyRequests, "slow-rate": faults.Slow} {
		if v < 0 || v > 1 {
			return fmt.Errorf("%s %g: give a share between 0 and 1", name, v)
		}
	}
	if faults.ServerError == 0 && faults.TooManyRequests == 0 && faults.Slow == 0 {
		faults = revelsim.FaultRates{}
	}
	key, secret := c.String("api-key"), c.String("api-secret")
	if key == "" || secret == "" || strings.Contains(key, ":") {
		return errors.New("api-key and api-secret must both be set, and the key cannot contain a colon (Revel sends key:secret)")
	}
	var quirks revelsim.Quirks
	if name := c.String("profile"); name != "" {
		if quirks, err = revelsim.LookupProfile(name); err != nil {
			return fmt.Errorf("--profile: %w", err)
		}
	}
	if late := c.Duration("late-commit"); late < 0 {
		return errors.New("late-commit cannot be negative")
	} else if late > 0 {
		quirks.LateCommit.Delay = late
	}
	logger := log.New(c.App.ErrWriter, "", log.LstdFlags)
	o := tenantOptions{addr: c.String("addr"), zone: zone, seed: c.Uint64("seed"), rate: c.Float64("rate"),
		apiKey: key, apiSecret: secret, faults: faults, quirks: quirks,
		latency: revelsim.Latency{PerRequest: c.Duration("latency"), Jitter: c.Duration("latency-jitter"), PerRow: c.Duration("latency-per-row")}}
	if o.latency.PerRequest < 0 || o.latency.Jitter < 0 || o.latency.PerRow < 0 {
		return errors.New("latency, latency-jitter and latency-per-row cannot be negative")
	}
	if c.Bool("log-requests") {
		o.logf = logger.Printf
	}
	if c.Bool("log-changes") {
		o.onChange = func(ch revelsim.Change) { logger.Printf("change: %v", ch) }
	}
	t, err := startTenant(o)
	if err != nil {
		return err
	}
	defer t.stop()

	if err := printSimulatorBanner(c.App.Writer, t.url, zone.String(), c.Float64("rate"), key, secret, faults, c.String("profile")); err != nil {
		return err
	}
	ctx, stop := stopOnSignal(c.Context, 0)
	defer stop()
	<-ctx.Done()
	fmt.Fprintln(c.App.Writer, "simulator stopped")
	return nil
}

// profileList renders revelsim's profiles for the command's help.
func profileList() string {
	var b strings.Builder
	for _, p := range revelsim.Profiles {
		fmt.Fprintf(&b, "  %-24s %s\n", p.Name, p.Description)
	}
	return b.String()
}

// printSimulatorBanner tells the user where the tenant is and how to poll
// it. The secret appears only when it is the public default.
func printSimulatorBanner(w io.Writer, url, zone string, rate float64, key, secret string, faults revelsim.FaultRates, profile string) error {
	secretDefault, auth, export := "", key+":$REVEL_API_SECRET", "REVEL_API_SECRET=<your --api-secret> "
	if secret == simulatorSecret {
		secretDefault, auth, export = simulatorSecret, key+":"+simulatorSecret, ""
	}
	parts, err := pipelineOptions{zone: zone, interval: 5 * time.Second, baseURL: url, apiKey: key, apiSecret: secretDefault,
		stateDir: "./revel-connect-state", runCommands: []string{export + "revel-connect run revel.yaml"}}.parts()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Revel simulator: a tenant at %s (%s, %g changes/s).\n", url, zone, rate)
	if secretDefault != "" {
		fmt.Fprintf(w, "Credentials: API key %q, API secret %q (the defaults).\n", key, secret)
	} else {
		fmt.Fprintf(w, "Credentials: API key %q and the API secret you passed (not shown).\n", key)
	}
	if f := describeFaults(faults); f != "" {
		fmt.Fprintf(w, "Faults: %s.\n", f)
	}
	for _, p := range revelsim.Profiles {
		if p.Name == profile {
			fmt.Fprintf(w, "Profile %s: it %s.\n", p.Name, p.Description)
		}
	}
	fmt.Fprintf(w, "\nTry:\n  curl -H \"API-AUTHENTICATION: %s\" '%s/resources/Order/?limit=2&order_by=-updated_date'\n", auth, url)
	fmt.Fprintf(w, "\nA pipeline polling it (save as revel.yaml, then: %srevel-connect run revel.yaml):\n\n%s\nCtrl-C stops the simulator.\n", export, parts.yaml())
	return nil
}

// describeFaults lists the faults that are switched on.
func describeFaults(f revelsim.FaultRates) string {
	var parts []string
	if f.ServerError > 0 {
		parts = append(parts, fmt.Sprintf("%g%% of list requests fail with 5xx", f.ServerError*100))
	}
	if f.TooManyRequests > 0 {
		retry := "no Retry-After"
		if f.RetryAfter > 0 {
			retry = "Retry-After " + f.RetryAfter.String()
		}
		parts = append(parts, fmt.Sprintf("%g%% are throttled with 429 (%s)", f.TooManyRequests*100, retry))
	}
	if f.Slow > 0 {
		parts = append(parts, fmt.Sprintf("%g%% are delayed by %s", f.Slow*100, f.SlowDelay))
	}
	return strings.Join(parts, ", ")
}
