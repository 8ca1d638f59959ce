package poller

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

const (
	// heartbeat is the longest a resource goes without an INFO line: polls
	// that find nothing log at DEBUG, except the first and one per heartbeat.
	heartbeat = time.Hour
	// repeatWindow is how often an identical failure is logged again while
	// it persists; the repeats in between are counted, not logged.
	repeatWindow = time.Minute
)

// pollReport says what each poll of a resource did: one line per cycle, and
// its failures and retries with identical ones rate-limited. The zero value
// is ready. The resource's goroutine uses all but retried, which the pager's
// read-ahead goroutine uses too.
type pollReport struct {
	pages   int
	changes [3]int64 // created, updated, deleted

	cycles   int       // cycles reported
	lastInfo time.Time // when the last cycle was logged at INFO

	failures int // consecutive failed cycles
	failed   repeatLimiter
	retried  repeatLimiter
}

// repeatLimiter lets a message through once per repeatWindow while it
// repeats, counting the repeats in between.
type repeatLimiter struct {
	mu         sync.Mutex
	last       string
	at         time.Time
	suppressed int
}

// allow reports whether what is logged now, and how many identical ones
// went unlogged before it.
func (l *repeatLimiter) allow(what string, now time.Time) (ok bool, repeats int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if what == l.last && now.Sub(l.at) < repeatWindow {
		l.suppressed++
		return false, 0
	}
	if what == l.last {
		repeats = l.suppressed
	}
	l.last, l.at, l.suppressed = what, now, 0
	return true, repeats
}

func (l *repeatLimiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last, l.suppressed = "", 0
}

// repeated is the note a logged line gets when identical ones were not.
func repeated(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (and %d more times since last logged)", n)
}

// page counts a page read.
func (r *pollReport) page() { r.pages++ }

// counted adds a delivery's events, by type (created, updated, deleted).
func (r *pollReport) counted(c [3]int64) {
	for i := range c {
		r.changes[i] += c[i]
	}
}

// cycleLine is the line for a finished cycle and whether it is INFO: the
// first cycle, one that found changes, and a heartbeat are; a quiet cycle is
// DEBUG.
func cycleLine(pages int, changes [3]int64, cursor time.Time, next time.Duration, first bool, sinceInfo time.Duration) (info bool, msg string) {
	total := changes[0] + changes[1] + changes[2]
	var b strings.Builder
	if total == 0 {
		b.WriteString("no changes")
	} else {
		fmt.Fprintf(&b, "%d changes (", total)
		sep := ""
		for i, name := range [...]string{"created", "updated", "deleted"} {
			if changes[i] > 0 {
				fmt.Fprintf(&b, "%s%d %s", sep, changes[i], name)
				sep = ", "
			}
		}
		b.WriteString(")")
	}
	plural := "s"
	if pages == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, " in %d page%s; cursor ", pages, plural)
	if cursor.IsZero() {
		b.WriteString("not set yet")
	} else {
		b.WriteString(cursor.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(&b, "; next poll in %s", next.Round(time.Millisecond))
	return first || total > 0 || sinceInfo >= heartbeat, b.String()
}

// cycleDone logs the cycle just finished and starts counting the next.
func (r *pollReport) cycleDone(log *service.Logger, cursor time.Time, next time.Duration, now time.Time) {
	if r.failures > 0 {
		log.Infof("polling again after %d failed attempts", r.failures)
	}
	r.failures = 0
	r.failed.reset()
	r.retried.reset()
	info, msg := cycleLine(r.pages, r.changes, cursor, next, r.cycles == 0, now.Sub(r.lastInfo))
	if info {
		r.lastInfo = now
		log.Info(msg)
	} else {
		log.Debug(msg)
	}
	r.cycles++
	r.pages, r.changes = 0, [3]int64{}
}

// cycleFailed logs a failed cycle: msg is the failure, retry what comes
// next. The same msg again within repeatWindow is only counted.
func (r *pollReport) cycleFailed(log *service.Logger, msg, retry string, now time.Time) {
	r.failures++
	r.pages, r.changes = 0, [3]int64{}
	if ok, n := r.failed.allow(msg, now); ok {
		log.Errorf("%s. %s%s", msg, retry, repeated(n))
	}
}

// retry logs a request being retried; the same error again within
// repeatWindow is only counted.
func (r *pollReport) retry(log *service.Logger, err error, attempt int, wait time.Duration, now time.Time) {
	if ok, n := r.retried.allow(err.Error(), now); ok {
		log.Warnf("%v; attempt %d failed, retrying in %s%s", err, attempt, wait.Round(time.Millisecond), repeated(n))
	}
}
