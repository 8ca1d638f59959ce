package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the harness's child process, as
// the revel-bench binary does.
func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(runChild(spec))
	}
	os.Exit(m.Run())
}

// TestThroughputDeliversEverything runs every pipeline at a small N. It
// checks only that each delivered every record exactly once: timings on a
// shared CI machine mean nothing.
func TestThroughputDeliversEverything(t *testing.T) {
	const n = 2000
	ms, err := throughput([]int{n}, allModes, t.TempDir(), true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != len(allModes) {
		t.Fatalf("%d measurements, want one per mode", len(ms))
	}
	for _, m := range ms {
		if m.Events != n || m.Distinct != n {
			t.Errorf("%s delivered %d events for %d records, want %d of each", m.Mode, m.Events, m.Distinct, n)
		}
	}
	printTable(io.Discard, ms)
}

// TestScaleRuns runs streams mode with a few tenants for a moment: every
// seeded employee and every change made while it ran must be delivered.
func TestScaleRuns(t *testing.T) {
	const tenants = 3
	r, err := scale(tenants, 2, 200*time.Millisecond, time.Second, t.TempDir(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Changes == 0 || r.Events < r.Changes+10*tenants {
		t.Errorf("%d events delivered for %d changes and %d seeded employees", r.Events, r.Changes, 10*tenants)
	}
	if r.RequestsPerPoll <= 0 || r.Goroutines == 0 || r.RSSMB == 0 {
		t.Errorf("scale reported %+v", r)
	}
	printScale(io.Discard, []scaleResult{r})
}

// TestFleetRuns runs a fleet of two replicas with a few tenants, then
// stops one: every tenant ends on the other, polled once per interval.
func TestFleetRuns(t *testing.T) {
	const tenants = 4
	r, err := runFleetBench(fleetRun{Tenants: tenants, Hosts: 3, Replicas: 2, Partitions: 4, Interval: 300 * time.Millisecond, Window: time.Second}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Goroutines == 0 || r.RSSMB == 0 || r.RequestsPerPoll <= 0 || r.Sockets == 0 {
		t.Errorf("fleet reported %+v", r)
	}
	if r.Handover <= 0 || r.PolledTwice != 0 || r.AfterPoll <= 0 || r.Stop <= 0 {
		t.Errorf("after the handover: %+v", r)
	}
	printFleet(io.Discard, []fleetResult{r})
}

// TestTenantsShareListenersButNotRequests serves three tenants on two
// listeners: a request under tenant 2's base_url reaches tenant 2 only,
// with its own data and credentials, and is counted in its log alone.
func TestTenantsShareListenersButNotRequests(t *testing.T) {
	farm, err := startTenants(3, 2, io.Discard)
	defer farm.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(farm.bases[2], "/t/2") || strings.TrimSuffix(farm.bases[2], "/t/2") != strings.TrimSuffix(farm.bases[0], "/t/0") {
		t.Fatalf("tenants 0 and 2 should share a listener: %v", farm.bases)
	}
	get := func(base, creds string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/resources/Employee/", nil)
		req.Header.Set("API-AUTHENTICATION", creds)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(farm.bases[2], "key-2:secret-2"); code != http.StatusOK {
		t.Fatalf("tenant 2 answered %d", code)
	}
	if code := get(farm.bases[0], "key-2:secret-2"); code != http.StatusUnauthorized {
		t.Errorf("tenant 0 with tenant 2's credentials answered %d, want 401", code)
	}
	for i, want := range []int{1, 0, 1} {
		reqs := farm.sims[i].Requests()
		if len(reqs) != want {
			t.Errorf("tenant %d logged %d requests, want %d", i, len(reqs), want)
		}
		for _, r := range reqs {
			if r.Path != "/resources/Employee/" {
				t.Errorf("tenant %d logged %s", i, r.Path)
			}
		}
	}
	if got := farm.sims[2].Requests(); len(got) == 1 && got[0].Status != http.StatusOK {
		t.Errorf("tenant 2 logged status %d", got[0].Status)
	}
	if n := farm.sims[1].Count("Employee"); n != 10 {
		t.Errorf("tenant 1 holds %d employees, want the 10 seeded", n)
	}
}
