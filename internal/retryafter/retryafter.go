// Package retryafter reads the Retry-After header, which Revel's API (a 429
// or 503) and a callback may send, as RFC 9110 §10.2.3 defines it.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Max bounds a delay so that adding it to a time cannot overflow; about
// 292 years, which no server means.
const Max = time.Duration(1<<62 - 1)

// Parse reads a Retry-After value: delay-seconds, a non-negative integer,
// or an HTTP-date. It returns how long to wait from now, and false when v is
// empty or unreadable (a fraction, a negative number, text). A date in the
// past is a wait of zero; a delay beyond Max is Max.
func Parse(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 63); err == nil {
		if secs > uint64(Max/time.Second) {
			return Max, true
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
