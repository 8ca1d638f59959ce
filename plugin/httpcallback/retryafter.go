package httpcallback

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryAfter reads a Retry-After header (RFC 9110 §10.2.3): either
// delay-seconds, a non-negative integer, or an HTTP-date. It returns how
// long to wait from now, and false when the header is absent or unreadable.
// A date in the past is a wait of zero.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 63); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := at.Sub(now); d > 0 {
		// An HTTP-date has whole seconds; the wait ends when the date is
		// reached on the server's clock as on ours.
		return d, true
	}
	return 0, true
}

// maxRetryAfter bounds a delay so that adding it to a time cannot
// overflow; about 292 years, which no callback means.
const maxRetryAfter = time.Duration(1<<62 - 1)

// backoff is the wait before retry attempt n (1 for the first retry) when
// the callback named no time: first doubling from first up to most.
func backoff(n int, first, most time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}
