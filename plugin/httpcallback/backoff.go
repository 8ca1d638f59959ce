package httpcallback

import (
	"time"
)

// backoff is the wait before retry attempt n (1 for the first retry) when
// the callback named no time: first doubling from first up to most.
func backoff(n int, first, most time.Duration) time.Duration {
	d := first
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	return min(d, most)
}
