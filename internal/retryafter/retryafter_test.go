package retryafter

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"6", 6 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"1.5", 0, false}, // delay-seconds is a whole number
		{"soon", 0, false},
		{"Sun, 29 Nov 2026 18:00:30 GMT", 30 * time.Second, true},
		{"Sunday, 29-Nov-26 18:01:00 GMT", time.Minute, true}, // RFC 850, which http.ParseTime accepts
		{"Sun, 29 Nov 2026 17:59:00 GMT", 0, true},            // already past
		{"99999999999999999999", 0, false},                    // overflows uint64
		{"9999999999999999", Max, true},
	} {
		got, ok := Parse(tc.value, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}
