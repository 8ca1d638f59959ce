package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/revelsim"
)

// scaleRoot is the streams-mode root config: the HTTP server (for the
// streams REST API, /metrics and the pprof endpoints the parent reads) on
// loopback.
const scaleRoot = `
http:
  address: %s
  debug_endpoints: true
logger:
  level: warn
`

// scaleResources is the checkpoint cache every stream shares.
const scaleResources = `
cache_resources:
  - label: checkpoints
    atomic_file:
      directory: %s
`

// scaleStream is one tenant's stream; it polls two resources.
const scaleStream = `
input:
  revel_poller:
    base_url: %[1]s
    api_key: key-%[2]d
    api_secret: secret-%[2]d
    refresh_interval: %[3]s
    start_from: earliest
    checkpoint_cache: checkpoints
    checkpoint_key: tenants/%[2]d
    instance:
      name: tenant-%[2]d
    resources:
      employees:
        url: /resources/Employee/?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
        id_field: id
        dates_configuration:
          updated_date_timezone: America/Los_Angeles
          created_date_timezone: America/Los_Angeles
      timesheets:
        url: /resources/TimeSheetEntry/?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
        id_field: id
        dates_configuration:
          updated_date_timezone: America/Los_Angeles
          created_date_timezone: America/Los_Angeles
output:
  drop: {}
`

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every mainstream Linux.
const clockTicks = 100

func scaleCmd(args []string) error {
	fs := flag.NewFlagSet("scale", flag.ExitOnError)
	counts := fs.String("tenants", "100,500", "comma-separated tenant counts; each tenant is one stream polling 2 resources")
	interval := fs.Duration("interval", 10*time.Second, "every resource's refresh_interval")
	window := fs.Duration("window", time.Minute, "how long CPU and requests are measured, once every resource has polled")
	profile := fs.String("profile", "", "save the child's heap and goroutine profiles, at the end of each run, into this directory")
	hosts := fs.Int("hosts", defaultHosts, "loopback listeners the tenants are spread over (at most one a tenant)")
	fs.Parse(args) //nolint:errcheck // ExitOnError
	var results []scaleResult
	for _, s := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-tenants: %q is not a positive number", s)
		}
		res, err := scale(n, *hosts, *interval, *window, *profile, os.Stderr)
		if err != nil {
			return err
		}
		results = append(results, res)
	}
	printScale(os.Stdout, results)
	return nil
}

// scaleResult is one streams-mode process serving many tenants.
type scaleResult struct {
	Tenants int
	// Startup is the time from launch until every resource had polled.
	Startup time.Duration
	// CPU is the share of one core used over the window.
	CPU              float64
	RSSMB, PeakRSSMB float64
	Goroutines       int
	RequestsPerPoll  float64 // per resource per interval, over the window
	Changes, Events  int     // records changed during the window; events delivered over the whole run
}

// scale runs tenants simulated tenants in one `streams` child for window
// after every resource has polled once. Each interval one employee of every
// tenant changes, so polls are mostly idle but not all.
func scale(tenants, hosts int, interval, window time.Duration, profileDir string, progress io.Writer) (scaleResult, error) {
	res := scaleResult{Tenants: tenants}
	dir, err := os.MkdirTemp("", "revel-bench-scale-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	streams, state := filepath.Join(dir, "streams"), filepath.Join(dir, "state")
	for _, d := range []string{streams, state} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return res, err
		}
	}
	farm, err := startTenants(tenants, hosts, progress)
	defer farm.Close()
	if err != nil {
		return res, err
	}
	sims := farm.sims
	for i, base := range farm.bases {
		conf := fmt.Sprintf(scaleStream, base, i, interval)
		if err := os.WriteFile(filepath.Join(streams, fmt.Sprintf("tenant-%04d.yaml", i)), []byte(conf), 0o644); err != nil {
			return res, err
		}
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return res, err
	}
	root, resources := filepath.Join(dir, "root.yaml"), filepath.Join(dir, "resources.yaml")
	if err := os.WriteFile(root, fmt.Appendf(nil, scaleRoot, addr), 0o644); err != nil {
		return res, err
	}
	if err := os.WriteFile(resources, fmt.Appendf(nil, scaleResources, state), 0o644); err != nil {
		return res, err
	}

	started := time.Now()
	child, err := startStreams(root, resources, streams)
	if err != nil {
		return res, err
	}
	exited := make(chan struct{})
	go func() {
		child.Wait() //nolint:errcheck // a stopped child's status says nothing
		close(exited)
	}()
	defer func() {
		child.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited
		<-exited
	}()
	if err := waitPolled(sims, exited, startupLimit(tenants), progress); err != nil {
		return res, err
	}
	res.Startup = time.Since(started)
	fmt.Fprintf(progress, "%d tenants: every resource polled %s after launch\n", tenants, res.Startup.Round(time.Millisecond))

	if res.CPU, res.RequestsPerPoll, err = driveWindow(child.Process.Pid, sims, tenants, interval, window, &res.Changes); err != nil {
		return res, err
	}
	if res.RSSMB, res.PeakRSSMB, err = memory(child.Process.Pid); err != nil {
		return res, err
	}
	if res.Goroutines, err = goroutines(addr); err != nil {
		return res, err
	}
	if res.Events, err = eventsDelivered(addr); err != nil {
		return res, err
	}
	if profileDir != "" {
		for _, p := range []string{"heap", "goroutine"} {
			if err := saveProfile(addr, p, filepath.Join(profileDir, fmt.Sprintf("scale-%d.%s.pprof", tenants, p))); err != nil {
				return res, err
			}
		}
	}
	fmt.Fprintf(progress, "%d tenants: %.1f%% of a core, RSS %.0f MB, %d goroutines, %.2f requests per resource per interval\n",
		tenants, 100*res.CPU, res.RSSMB, res.Goroutines, res.RequestsPerPoll)
	return res, nil
}

// startStreams launches this executable as `streams -o root -r resources
// dir`.
func startStreams(root, resources, dir string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	spec, err := json.Marshal(job{Mode: "streams", Root: root, Resources: resources, Dir: dir})
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd, cmd.Start()
}

// runStreams is the scale child: Benthos streams mode, as `revel-connect
// streams -o root -r resources dir` runs it, with the same components.
func runStreams(j job) int {
	code, err := service.RunCLIToCode(context.Background(),
		service.CLIOptSetArgs("revel-bench", "streams", "-o", j.Root, "-r", j.Resources, j.Dir))
	if err != nil {
		fmt.Fprintln(os.Stderr, "revel-bench streams:", err)
	}
	return code
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// driveWindow changes one Employee of every tenant each interval for window
// and measures process pid meanwhile: its share of a core, and the requests
// per resource (two a tenant) per interval. changes counts the changes made.
func driveWindow(pid int, sims []*revelsim.Server, tenants int, interval, window time.Duration, changes *int) (cpu, requestsPerPoll float64, err error) {
	before := requestCounts(sims)
	cpu0, err := cpuTime(pid)
	if err != nil {
		return 0, 0, err
	}
	t0 := time.Now()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for end := t0.Add(window); time.Now().Before(end); {
		select {
		case <-tick.C:
		case <-time.After(time.Until(end)):
			continue
		}
		for i, sim := range sims {
			// Employee 1..10 exist in every seeded tenant.
			if err := sim.Update("Employee", int64(1+*changes/tenants%10), map[string]any{"phone_number": "555-" + strconv.Itoa(i)}); err != nil {
				return 0, 0, err
			}
			*changes++
		}
	}
	elapsed := time.Since(t0)
	cpu1, err := cpuTime(pid)
	if err != nil {
		return 0, 0, err
	}
	perPoll := float64(requestCounts(sims)-before) / float64(2*tenants) / (elapsed.Seconds() / interval.Seconds())
	return (cpu1 - cpu0).Seconds() / elapsed.Seconds(), perPoll, nil
}

// cpuTime is a process's user plus system time, all threads, from
// /proc/<pid>/stat.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the parenthesised command name; utime and stime are
	// the 14th and 15th of the line.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// memory is a process's resident set now and at its peak (VmRSS, VmHWM).
func memory(pid int) (rss, peak float64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch k {
		case "VmRSS":
			rss = kb / 1024
		case "VmHWM":
			peak = kb / 1024
		}
	}
	return rss, peak, sc.Err()
}

func get(addr, path string) (string, error) {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return string(b), err
}

// goroutines reads the count from the goroutine profile's first line.
func goroutines(addr string) (int, error) {
	text, err := get(addr, "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(text, "\n")
	return strconv.Atoi(strings.TrimPrefix(line, "goroutine profile: total "))
}

// eventsDelivered sums revel_poller_events_total over every stream.
func eventsDelivered(addr string) (int, error) {
	text, err := get(addr, "/metrics")
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "revel_poller_events_total{") {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			total += v
		}
	}
	return int(total), nil
}

func saveProfile(addr, name, path string) error {
	text, err := get(addr, "/debug/pprof/"+name)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

func printScale(w io.Writer, rs []scaleResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tenants\tresources\tstartup s\tCPU % of a core\tRSS MB\tpeak RSS MB\tgoroutines\trequests/resource/interval\tevents\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%d\t%.1f\t%.1f\t%.0f\t%.0f\t%d\t%.2f\t%d\t\n",
			r.Tenants, 2*r.Tenants, r.Startup.Seconds(), 100*r.CPU, r.RSSMB, r.PeakRSSMB, r.Goroutines, r.RequestsPerPoll, r.Events)
	}
	tw.Flush()
}
