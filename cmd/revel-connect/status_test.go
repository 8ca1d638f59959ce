package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/revelsim"
	"github.com/revel-connect/revel-connect/revelsim/revelsimtest"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// status runs `status` with args and returns its standard output.
func status(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"status"}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("status %v: %v\n%s%s", args, err, out, stderr.String())
	}
	return out
}

// statusJSON runs `status --format json` with args and decodes its rows.
func statusJSON(t *testing.T, args ...string) []resourceStatus {
	t.Helper()
	out := status(t, append([]string{"--format", "json"}, args...)...)
	var rows []resourceStatus
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("status %v: %v\n%s", args, err, out)
	}
	return rows
}

// waitStatus runs status until cond holds for its rows.
func waitStatus(t *testing.T, what string, cond func([]resourceStatus) bool, args ...string) []resourceStatus {
	t.Helper()
	var rows []resourceStatus
	for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); {
		if rows = statusJSON(t, args...); cond(rows) {
			return rows
		}
	}
	t.Fatalf("no %s within %s; last status: %s", what, waitLimit, must(json.MarshalIndent(rows, "", " ")))
	return nil
}

func must(b []byte, _ error) []byte { return b }

func row(rows []resourceStatus, resource string) *resourceStatus {
	for i := range rows {
		if rows[i].Resource == resource {
			return &rows[i]
		}
	}
	return nil
}

// TestStatusOfARealRun runs a pipeline with the binary against a slow
// simulator and reads its state with `status`: first a cycle part way
// through (the pending window), then every resource caught up, with the
// live lag from the pipeline's /metrics, as a table too.
func TestStatusOfARealRun(t *testing.T) {
	sim := revelsimtest.Start(t, revelsim.Options{APIKey: "k", APISecret: "s"})
	for i := range 40 {
		sim.Insert("Employee", map[string]any{"first_name": fmt.Sprint("E", i)})
	}
	sim.Insert("Order", map[string]any{"closed": false})
	// Every list request takes 150ms, so a cycle of employees, 8 pages of
	// 5, lasts over a second and is checkpointed page by page. (They share
	// one updated time, so every cycle reads them all again.)
	sim.SetFaultRates(revelsim.FaultRates{Slow: 1, SlowDelay: 150 * time.Millisecond})

	dir := t.TempDir()
	addr := freeAddr(t)
	conf := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`
http:
  address: %s
input:
  revel_poller:
    base_url: %s
    api_key: k
    api_secret: ${STATUS_TEST_SECRET}
    refresh_interval: 200ms
    start_from: earliest
    poll_delay: 0s
    checkpoint_cache: state
    checkpoint_key: acme
    retry_backoff:
      initial_interval: 10ms
      max_interval: 50ms
    resources:
      employees:
        url: /resources/Employee/?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss}}
        id_field: id
        page_size: 5
        paging: offset
        dates_configuration:
          updated_date_timezone: America/Los_Angeles
          created_date_timezone: America/Los_Angeles
      orders:
        url: /resources/Order/?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss}}
        id_field: id
        dates_configuration:
          updated_date_timezone: America/Los_Angeles
          created_date_timezone: America/Los_Angeles
cache_resources:
  - label: state
    atomic_file:
      directory: %s
output:
  drop: {}
`, addr, sim.URL(), filepath.Join(dir, "state"))), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STATUS_TEST_SECRET", "s") // the run's; status reads the config without it
	run := start(t, "run", conf)
	os.Unsetenv("STATUS_TEST_SECRET")

	rows := waitStatus(t, "employees part way through a cycle", func(rows []resourceStatus) bool {
		e := row(rows, "employees")
		return e != nil && e.Pending != nil && e.Pending.Offset > 0
	}, conf)
	e := row(rows, "employees")
	if e.Tenant != "acme" || e.Key != checkpoint.ResourceKey("acme", "employees") || e.Pending.Paging != "offset" || e.Paging != "offset" || e.Cursor == nil {
		t.Errorf("mid-cycle employees: %+v, pending %+v", e, e.Pending)
	}

	sim.SetFaultRates(revelsim.FaultRates{}) // fast again: cycles end well within the interval
	metrics := "http://" + addr + "/metrics"
	rows = waitStatus(t, "every resource caught up, by the metrics", func(rows []resourceStatus) bool {
		for _, r := range rows {
			if r.State != "ok" || r.Pending != nil || r.LagFrom != "metrics" {
				return false
			}
		}
		return len(rows) == 2
	}, "--metrics", metrics, conf)
	if t.Failed() {
		t.Logf("run's log:\n%s", run.stderr)
	}
	for _, r := range rows {
		if r.Cursor == nil || r.LastPoll == nil || r.Errors == nil || r.Errors.any() || *r.LagSeconds > 5 {
			t.Errorf("caught-up %s: %+v, errors %+v", r.Resource, r, r.Errors)
		}
		if time.Since(*r.LastPoll) > time.Minute {
			t.Errorf("%s: last poll %s", r.Resource, r.LastPoll)
		}
	}

	out := status(t, "--metrics", metrics, conf)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if !strings.HasPrefix(lines[0], "TENANT") || len(lines) < 3 || !strings.Contains(string(out), "acme") ||
		!strings.Contains(lines[1], "employees") || !strings.Contains(lines[1], " ok ") {
		t.Errorf("table:\n%s", out)
	}

	// Streams mode: the stream file has no cache_resources; -r gives them.
	raw, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	stream, resources := filepath.Join(dir, "acme.yaml"), filepath.Join(dir, "resources.yaml")
	parts := strings.SplitN(string(raw), "cache_resources:", 2)
	cache, output, _ := strings.Cut(parts[1], "output:")
	if err := os.WriteFile(stream, []byte(parts[0]+"output:"+output), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(resources, []byte("cache_resources:"+cache), 0o600); err != nil {
		t.Fatal(err)
	}
	streamed := statusJSON(t, "-r", resources, stream)
	if e := row(streamed, "employees"); len(streamed) != 2 || e == nil || e.Checkpoint != "stored" || e.Cursor == nil || e.Config != "acme.yaml" {
		t.Errorf("streams mode: %s", must(json.MarshalIndent(streamed, "", " ")))
	}

	// Revel fails every request: the request is retried, the lag grows,
	// and status says so, with when the last error was.
	sim.SetFaultRates(revelsim.FaultRates{ServerError: 1})
	rows = waitStatus(t, "failing resources", func(rows []resourceStatus) bool {
		e := row(rows, "employees")
		return e != nil && e.State == "failing"
	}, "--metrics", metrics, conf)
	e = row(rows, "employees")
	if e.Errors.Retries < 1 || e.Errors.Responses5xx < 1 || e.Errors.LastError == nil || time.Since(*e.Errors.LastError) > time.Minute {
		t.Errorf("failing employees: %+v", e.Errors)
	}
	out = status(t, "--metrics", metrics, conf)
	if !strings.Contains(string(out), "failing") || !strings.Contains(string(out), "last error ") {
		t.Errorf("table of a failing run:\n%s", out)
	}
	run.stop(t, os.Interrupt)
}

func TestStatusErrors(t *testing.T) {
	dir := t.TempDir()
	noPoller := filepath.Join(dir, "plain.yaml")
	os.WriteFile(noPoller, []byte("input:\n  generate:\n    mapping: root = {}\noutput:\n  drop: {}\n"), 0o600)
	noCache := filepath.Join(dir, "nocache.yaml")
	os.WriteFile(noCache, []byte(`input:
  revel_poller:
    base_url: http://127.0.0.1:1
    api_key: k
    api_secret: s
    checkpoint_cache: missing
    resources:
      employees:
        url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}}
        id_field: id
        dates_configuration:
          updated_date_timezone: PST
          created_date_timezone: PST
`), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"status"}, "status needs the config file"},
		{[]string{"status", "--format", "xml", noPoller}, `format "xml": give table or json`},
		{[]string{"status", noPoller}, "no revel_poller input"},
		{[]string{"status", noCache}, `no cache resource named "missing"; streams mode keeps it in a resources file: pass it with -r`},
		{[]string{"status", "--metrics", "http://" + freeAddr(t) + "/metrics", "--format", "json", noCache}, "no cache resource"},
	} {
		out, err := cmdOutput(t, tc.args...)
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%v: %v\n%s\nwant %q", tc.args, err, out, tc.want)
		}
	}
}
