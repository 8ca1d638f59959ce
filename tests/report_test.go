package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/revel-connect/revel-connect/revelsim"
)

// linesWith returns the log lines containing s.
func linesWith(logs, s string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// Each poll says what it found: INFO when it found changes, DEBUG when not.
func TestPollsAreLogged(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 3; i++ {
		sim.Insert("Employee", map[string]any{"first_name": fmt.Sprint("E", i)})
	}
	s := &sink{}
	p := run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", "")), s)
	found := "3 changes (3 created) in 1 page; cursor 20"
	eventually(t, func() string { return "no line saying the poll found 3 changes:\n" + p.logs.String() }, func() bool {
		return len(linesWith(p.logs.String(), found)) > 0
	})
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	logs := p.logs.String()
	if l := linesWith(logs, found); len(l) != 1 || !strings.Contains(l[0], "level=INFO") || !strings.Contains(l[0], "resource=employees") {
		t.Errorf("lines for the poll that found changes: %q", l)
	}
	quiet := linesWith(logs, "no changes in 1 page")
	if len(quiet) < 3 {
		t.Errorf("%d quiet polls logged, want one per poll:\n%s", len(quiet), logs)
	}
	for _, l := range quiet {
		if !strings.Contains(l, "level=DEBUG") {
			t.Errorf("a quiet poll after one with changes is logged above DEBUG: %s", l)
		}
	}
}

// Rejected credentials are reported once, not once per attempt.
func TestRepeatedFailuresAreRateLimited(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	conf := strings.Replace(pollerConf(base, "", "", resource("employees", "/resources/Employee/", "")), "api_secret: "+apiSecret, "api_secret: wrong", 1)
	p := run(t, conf, &sink{})
	eventually(t, func() string { return "not retried 10 times" }, cycles(sim, "/resources/Employee/", 10))
	if l := linesWith(p.logs.String(), "Revel rejected the credentials"); len(l) != 1 {
		t.Errorf("%d lines about the credentials over 10 attempts, want 1:\n%s", len(l), strings.Join(l, "\n"))
	}
}
