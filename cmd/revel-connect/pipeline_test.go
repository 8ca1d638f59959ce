package main

import (
	"strings"
	"testing"
	"time"
)

// The poller misreads every date unless the URL macros and the date
// fields use the tenant's zone, so all of them follow --zone.
func TestPipelineUsesOneZone(t *testing.T) {
	p, err := pipelineOptions{zone: "Europe/Berlin", interval: time.Second, baseURL: "http://127.0.0.1:8081", stateDir: "/state"}.parts()
	if err != nil {
		t.Fatal(err)
	}
	yaml := p.yaml()
	if n := strings.Count(yaml, "Europe/Berlin"); n != 3*len(demoResources) {
		t.Errorf("zone appears %d times, want %d (macro and two date fields per resource):\n%s", n, 3*len(demoResources), yaml)
	}
	if strings.Contains(yaml, defaultZone) {
		t.Errorf("default zone left in:\n%s", yaml)
	}
	for _, want := range []string{"api_secret: ${REVEL_API_SECRET}\n", "directory: ${REVEL_STATE_DIR:/state}\n", "refresh_interval: 1s\n"} {
		if !strings.Contains(yaml, want) {
			t.Errorf("no %q in:\n%s", want, yaml)
		}
	}
}

func TestParseInterval(t *testing.T) {
	for in, want := range map[string]time.Duration{"2": 2 * time.Second, "0.5": 500 * time.Millisecond, "2s": 2 * time.Second, "150ms": 150 * time.Millisecond, "1m": time.Minute} {
		if got, err := parseInterval(in); err != nil || got != want {
			t.Errorf("parseInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "0s", "soon", "2 s"} {
		if got, err := parseInterval(in); err == nil {
			t.Errorf("parseInterval(%q) = %v, want an error", in, got)
		}
	}
}
