package main

import (
	"testing"
	"time"
)

func TestVerdict(t *testing.T) {
	secs := func(s float64) *float64 { return &s }
	failing := &errorCounts{Responses5xx: 3}
	for _, tc := range []struct {
		lag    *float64
		from   string
		stored string
		errs   *errorCounts
		want   string
	}{
		{nil, "", "none yet", nil, "not started"},
		{nil, "", "stored", nil, "unknown"},
		{secs(31), "metrics", "stored", nil, "ok"},          // within two 15s intervals and the gauge's second
		{secs(32), "metrics", "stored", nil, "behind"},      // past them
		{secs(32), "metrics", "stored", failing, "failing"}, // and Revel is failing
		{secs(32), "metrics", "stored", &errorCounts{Unacked: 5}, "behind"},
		{secs(85), "checkpoint", "stored", nil, "ok"}, // an idle checkpoint is rewritten once a minute
		{secs(95), "checkpoint", "stored", nil, "behind"},
	} {
		if got := verdict(tc.lag, tc.from, 15*time.Second, tc.stored, tc.errs); got != tc.want {
			t.Errorf("verdict(%v, %s, %s, %+v) = %s, want %s", deref(tc.lag), tc.from, tc.stored, tc.errs, got, tc.want)
		}
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
