package httpcallback

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"6", 6 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"Sun, 29 Nov 2026 18:00:30 GMT", 30 * time.Second, true},
		{"Sunday, 29-Nov-26 18:01:00 GMT", time.Minute, true}, // RFC 850, which http.ParseTime accepts
		{"Sun, 29 Nov 2026 17:59:00 GMT", 0, true},            // already past
		{"99999999999999999999", 0, false},                    // overflows uint64
		{"9999999999999999", maxRetryAfter, true},
	} {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Retry-After", tc.header)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q: got %v, %v; want %v, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {7, 60 * time.Second}, {1000, 60 * time.Second},
	} {
		if got := backoff(tc.n, time.Second, time.Minute); got != tc.want {
			t.Errorf("backoff(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}
