package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/revel-connect/revel-connect/internal/fleet"
)

// fleetStream is one tenant's stream in the tenants topic: scaleStream
// with its checkpoints in the fleet's state cache.
var fleetStream = strings.Replace(strings.Replace(scaleStream, "checkpoint_cache: checkpoints", "checkpoint_cache: state", 1),
	"checkpoint_key: tenants/%[2]d", "checkpoint_key: t%[2]d", 1)

func fleetCmd(args []string) error {
	fs := flag.NewFlagSet("fleet", flag.ExitOnError)
	counts := fs.String("tenants", "500", "comma-separated tenant counts; each tenant is one stream polling 2 resources")
	interval := fs.Duration("interval", time.Minute, "every resource's refresh_interval")
	window := fs.Duration("window", time.Minute, "how long CPU and requests are measured, once every resource has polled")
	replicas := fs.Int("replicas", 1, "replicas sharing the tenants; with more than one, the last is stopped after the window and the handover timed")
	partitions := fs.Int("partitions", 12, "partitions of the tenants and state topics")
	profile := fs.String("profile", "", "save the first replica's heap and goroutine profiles, after the window, into this directory")
	hosts := fs.Int("hosts", defaultHosts, "loopback listeners the tenants are spread over (at most one a tenant)")
	fs.Parse(args) //nolint:errcheck // ExitOnError
	var results []fleetResult
	for _, s := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-tenants: %q is not a positive number", s)
		}
		res, err := runFleetBench(fleetRun{Tenants: n, Hosts: *hosts, Replicas: *replicas, Partitions: int32(*partitions),
			Interval: *interval, Window: *window, ProfileDir: *profile}, os.Stderr)
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	printFleet(os.Stdout, results)
	fmt.Println(runtimeNote())
	return nil
}

// fleetRun is what one fleet run measures.
type fleetRun struct {
	Tenants, Hosts, Replicas int
	Partitions               int32
	Interval, Window         time.Duration
	ProfileDir               string
}

// fleetResult is one fleet run: the first replica's costs over the window
// and, with several replicas, the handover of the last one's tenants.
type fleetResult struct {
	scaleResult
	Replicas, Hosts int
	// Put is how long writing every tenant record took; Sockets the
	// first replica's open sockets after the window.
	Put     time.Duration
	Sockets int
	// Handover is the time from SIGTERM of the last replica until the
	// others ran every tenant; AfterPoll the requests per resource per
	// interval after it (2 would mean tenants polled twice).
	Handover  time.Duration
	AfterPoll float64
	// PolledTwice counts tenants answering more requests after the
	// handover than one poller makes.
	PolledTwice int
	// Stop is the time from SIGTERM of the first replica, at the end,
	// until it exited: releasing every tenant it ran. Zero when it was
	// killed after stopLimit.
	Stop time.Duration
}

// fleetReplica is a replica child and its HTTP address.
type fleetReplica struct {
	cmd    *exec.Cmd
	addr   string
	exited chan struct{}
}

func runFleetBench(run fleetRun, progress io.Writer) (fleetResult, error) {
	tenants, interval := run.Tenants, run.Interval
	res := fleetResult{scaleResult: scaleResult{Tenants: tenants}, Replicas: run.Replicas, Hosts: max(1, min(run.Hosts, tenants))}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		return res, err
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	admin, err := fleet.NewTenants(context.Background(), service.GlobalEnvironment(), []kgo.Opt{kgo.SeedBrokers(brokers...)},
		fleet.DefaultTenantsTopic, fleet.DefaultStateTopic, run.Partitions)
	if err != nil {
		return res, err
	}
	defer admin.Close()
	farm, err := startTenants(tenants, run.Hosts, progress)
	defer farm.Close()
	if err != nil {
		return res, err
	}
	sims := farm.sims
	put := time.Now()
	if err := putTenants(admin, farm.bases, interval, progress); err != nil {
		return res, err
	}
	res.Put = time.Since(put)
	fmt.Fprintf(progress, "%d tenant records written in %s\n", tenants, res.Put.Round(time.Millisecond))

	started := time.Now()
	var reps []*fleetReplica
	defer func() {
		for _, r := range reps {
			r.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited
		}
		for _, r := range reps {
			select {
			case <-r.exited:
			case <-time.After(stopLimit(tenants)):
				r.cmd.Process.Kill() //nolint:errcheck // it may have exited
				<-r.exited
			}
		}
	}()
	for i := range run.Replicas {
		r, err := startFleetReplica(brokers)
		if err != nil {
			return res, err
		}
		reps = append(reps, r)
		fmt.Fprintf(progress, "replica %d (pid %d) serves /fleet, /metrics and /debug/pprof on %s\n", i+1, r.cmd.Process.Pid, r.addr)
	}
	if err := waitPolled(sims, reps[0].exited, startupLimit(tenants), progress); err != nil {
		return res, err
	}
	res.Startup = time.Since(started)
	fmt.Fprintf(progress, "%d tenants on %d replicas: every resource polled %s after launch\n", tenants, run.Replicas, res.Startup.Round(time.Millisecond))

	first := reps[0]
	if res.CPU, res.RequestsPerPoll, err = driveWindow(first.cmd.Process.Pid, sims, tenants, interval, run.Window, &res.Changes); err != nil {
		return res, err
	}
	if res.RSSMB, res.PeakRSSMB, err = memory(first.cmd.Process.Pid); err != nil {
		return res, err
	}
	if res.Sockets, err = sockets(first.cmd.Process.Pid); err != nil {
		return res, err
	}
	metrics, err := get(first.addr, "/metrics")
	if err != nil {
		return res, err
	}
	res.Goroutines = int(metricSum(metrics, "go_goroutines"))
	if run.ProfileDir != "" {
		for _, p := range []string{"heap", "goroutine"} {
			if err := saveProfile(first.addr, p, filepath.Join(run.ProfileDir, fmt.Sprintf("fleet-%d.%s.pprof", tenants, p))); err != nil {
				return res, err
			}
		}
	}
	res.Events = int(metricSum(metrics, "revel_poller_events_total{"))
	fmt.Fprintf(progress, "%d tenants: replica 1 used %.1f%% of a core, RSS %.0f MB (peak %.0f), %d goroutines, %d sockets, %.2f requests per resource per interval\n",
		tenants, 100*res.CPU, res.RSSMB, res.PeakRSSMB, res.Goroutines, res.Sockets, res.RequestsPerPoll)

	if run.Replicas > 1 {
		last := reps[len(reps)-1]
		stopAt := time.Now()
		last.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // checked by waiting
		<-last.exited
		reps = reps[:len(reps)-1]
		for !everyTenantRunning(reps, tenants) {
			if time.Since(stopAt) > 5*time.Minute {
				return res, fmt.Errorf("the handover did not complete within 5 minutes")
			}
			time.Sleep(100 * time.Millisecond)
		}
		res.Handover = time.Since(stopAt)
		// Over three intervals a tenant polled by one replica answers at
		// most (3+1) requests per resource; polled by two, about twice 3.
		const intervals = 3
		before := make([]int, len(sims))
		for i, sim := range sims {
			before[i] = len(sim.Requests())
		}
		t1 := time.Now()
		time.Sleep(intervals * interval)
		total := 0
		for i, sim := range sims {
			n := len(sim.Requests()) - before[i]
			total += n
			if n > 2*(intervals+1) {
				res.PolledTwice++
			}
		}
		res.AfterPoll = float64(total) / float64(2*tenants) / (time.Since(t1).Seconds() / interval.Seconds())
		fmt.Fprintf(progress, "%d tenants: handover of the stopped replica's tenants took %s; then %.2f requests per resource per interval, %d tenants polled by two replicas\n",
			tenants, res.Handover.Round(time.Millisecond), res.AfterPoll, res.PolledTwice)
	}

	stopAt := time.Now()
	first.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // checked by waiting
	select {
	case <-first.exited:
		res.Stop = time.Since(stopAt)
		fmt.Fprintf(progress, "%d tenants: replica 1 released its tenants and exited %s after SIGTERM\n", tenants, res.Stop.Round(time.Millisecond))
	case <-time.After(stopLimit(tenants)):
		fmt.Fprintf(progress, "%d tenants: replica 1 had not exited %s after SIGTERM; killed\n", tenants, stopLimit(tenants))
	}
	return res, nil
}

// stopLimit is how long a replica may take to release its tenants once
// told to stop.
func stopLimit(tenants int) time.Duration {
	return max(2*time.Minute, time.Duration(tenants)*100*time.Millisecond)
}

// putTenants writes tenant i's record, polling bases[i], as `tenants put`
// does (lint, then produce), a few at a time, reporting every 1,000.
func putTenants(admin *fleet.Tenants, bases []string, interval time.Duration, progress io.Writer) error {
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
	)
	next := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range next {
				err := admin.Put(context.Background(), "t"+strconv.Itoa(i), fmt.Sprintf(fleetStream, bases[i], i, interval))
				mu.Lock()
				if done++; err != nil && firstErr == nil {
					firstErr = fmt.Errorf("tenant t%d: %w", i, err)
				} else if done%1000 == 0 {
					fmt.Fprintf(progress, "%d of %d tenant records written\n", done, len(bases))
				}
				mu.Unlock()
			}
		})
	}
	for i := range bases {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return firstErr
}

func startFleetReplica(brokers []string) (*fleetReplica, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	spec, err := json.Marshal(job{Mode: "fleet", Root: addr, BaseURL: strings.Join(brokers, ",")})
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	r := &fleetReplica{cmd: exec.Command(exe), addr: addr, exited: make(chan struct{})}
	r.cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	r.cmd.Stdout, r.cmd.Stderr = os.Stderr, os.Stderr
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		r.cmd.Wait() //nolint:errcheck // a stopped child's status says nothing
		close(r.exited)
	}()
	return r, nil
}

// runFleetReplica is the fleet child: `revel-connect fleet` with Benthos'
// components, serving its endpoints on j.Root; j.BaseURL holds the brokers.
func runFleetReplica(j job) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	root, err := fleet.ParseRootConfig(fmt.Appendf(nil, "http:\n  address: %s\n  debug_endpoints: true\n", j.Root))
	if err == nil {
		err = fleet.Serve(ctx, fleet.Config{
			Brokers: strings.Split(j.BaseURL, ","), Group: "bench",
			SessionTimeout: 10 * time.Second, HeartbeatInterval: time.Second,
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		}, root)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "revel-bench fleet:", err)
		return 1
	}
	return 0
}

// everyTenantRunning reports whether the replicas' /fleet list every
// tenant as running, each on one replica.
func everyTenantRunning(reps []*fleetReplica, tenants int) bool {
	seen := map[string]bool{}
	for _, r := range reps {
		resp, err := http.Get("http://" + r.addr + "/fleet")
		if err != nil {
			return false
		}
		var st fleet.Status
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			return false
		}
		for _, t := range st.Tenants {
			if t.Status != "running" || seen[t.ID] {
				return false
			}
			seen[t.ID] = true
		}
	}
	return len(seen) == tenants
}

// metricSum adds the values of every sample line starting with prefix.
func metricSum(text, prefix string) float64 {
	total := 0.0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) && (strings.HasSuffix(prefix, "{") || strings.HasPrefix(line, prefix+" ")) {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			total += v
		}
	}
	return total
}

func printFleet(w io.Writer, rs []fleetResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tenants\thosts\treplicas\tput s\tstartup s\tCPU % of a core\tRSS MB\tpeak RSS MB\tKB/tenant\tgoroutines\tsockets\trequests/resource/interval\tevents\thandover s\tafter: requests/resource/interval\tpolled twice\tstop s\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.0f\t%.0f\t%.0f\t%d\t%d\t%.2f\t%d\t%.1f\t%.2f\t%d\t%.1f\t\n",
			r.Tenants, r.Hosts, r.Replicas, r.Put.Seconds(), r.Startup.Seconds(), 100*r.CPU, r.RSSMB, r.PeakRSSMB, 1024*r.RSSMB/float64(r.Tenants)*float64(r.Replicas),
			r.Goroutines, r.Sockets, r.RequestsPerPoll, r.Events, r.Handover.Seconds(), r.AfterPoll, r.PolledTwice, r.Stop.Seconds())
	}
	tw.Flush()
}
