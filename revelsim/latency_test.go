package revelsim

import (
	"testing"
	"time"
)

func TestLatencyWait(t *testing.T) {
	cases := []struct {
		name     string
		l        Latency
		rows     int
		min, max time.Duration
	}{
		{"none", Latency{}, 1000, 0, 0},
		{"per request", Latency{PerRequest: 200 * time.Millisecond}, 10, 200 * time.Millisecond, 200 * time.Millisecond},
		{"per row", Latency{PerRequest: 100 * time.Millisecond, PerRow: time.Millisecond}, 1000, 1100 * time.Millisecond, 1100 * time.Millisecond},
		{"jitter", Latency{PerRequest: 100 * time.Millisecond, Jitter: 50 * time.Millisecond}, 0, 100 * time.Millisecond, 150 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 100 {
				if got := c.l.wait(c.rows); got < c.min || got > c.max {
					t.Fatalf("wait(%d) = %s, want within [%s, %s]", c.rows, got, c.min, c.max)
				}
			}
		})
	}
}
