package main

import (
	"strings"
	"testing"
)

// A running tenant without a finished poll says so, rather than showing
// no lag as if it had none; the shared stream, or (own), is shown.
func TestPrintFleetStatus(t *testing.T) {
	var b strings.Builder
	err := printFleetStatus(&b, []fleetTenantStatus{
		{Tenant: "a", Status: "running", Stream: "p0-abc", Lag: map[string]float64{"employees": 3}},
		{Tenant: "b", Status: "running", Lag: map[string]float64{}},
		{Tenant: "c", Status: "refused", Problem: "bad", Lag: map[string]float64{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for i, want := range []string{"p0-abc  running  employees=3s", "(own)   running  no poll finished yet", "(own)   refused  -"} {
		if !strings.Contains(lines[i+1], want) {
			t.Errorf("line %d = %q, want it to contain %q", i+1, lines[i+1], want)
		}
	}
}
