package main

import (
	"io"
	"os"
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
	r, err := scale(tenants, 200*time.Millisecond, time.Second, t.TempDir(), io.Discard)
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
	r, err := runFleetBench(tenants, 2, 4, 300*time.Millisecond, time.Second, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Goroutines == 0 || r.RSSMB == 0 || r.RequestsPerPoll <= 0 {
		t.Errorf("fleet reported %+v", r)
	}
	if r.Handover <= 0 || r.PolledTwice != 0 || r.AfterPoll <= 0 {
		t.Errorf("after the handover: %+v", r)
	}
	printFleet(io.Discard, []fleetResult{r})
}
