package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// backfillConf polls every Employee from earliest, 100 a page, reading a
// backlog in four id ranges side by side. poll_delay is 0s: with the
// default minute of overlap a caught-up poll reads again every row made in
// the test's last minute, a backlog of its own.
func backfillConf(base, dir, extra string) string {
	return pollerConf(base, dir, "    backfill_concurrency: 4\n    poll_delay: 0s\n"+extra, resource("employees", "/resources/Employee/", ""))
}

// rangesRead returns the distinct id__lte bounds the poller asked for: one
// per id range but the last, which has none.
func rangesRead(sim *revelsim.Server) map[string]bool {
	out := map[string]bool{}
	for _, r := range sim.Requests() {
		if v := r.Query.Get("id__lte"); v != "" {
			out[v] = true
		}
	}
	return out
}

func TestBackfillReadsIdRangesSideBySide(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 2000; i++ {
		sim.Insert("Employee", nil)
	}
	sim.SetLatency(revelsim.Latency{PerRequest: 5 * time.Millisecond})
	out := &sink{}
	run(t, backfillConf(base, t.TempDir(), ""), out)
	want := map[string]bool{}
	for id := int64(1); id <= 2000; id++ {
		r, _ := sim.Get("Employee", id)
		want[fmt.Sprintf("%d@%s", id, r["updated_date"])] = true
	}
	eventually(t, func() string { return fmt.Sprintf("%d of 2000 delivered", out.count()) }, func() bool { return out.count() >= 2000 })
	if n := len(rangesRead(sim)); n != 3 {
		t.Fatalf("the backlog was read in %d bounded id ranges, want 3 (and one open)", n)
	}
	// Caught up, each poll is one request again, unbounded.
	sim.ResetRequests()
	eventually(t, func() string { return "polls" }, cycles(sim, "/resources/Employee/", 5))
	for _, r := range sim.Requests() {
		if r.Query.Has("id__gt") || r.Query.Has("id__lte") {
			t.Fatalf("a caught-up poll read more than one page: %v", r.Query)
		}
	}
	exactlyOnce(t, out.versions("employees"), want)
}

// Rows edited while their range, or another, is being read: each object's
// changes arrive in the order they were made, and each change once.
func TestBackfillKeepsEachObjectsChangesInOrder(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 1000; i++ {
		sim.Insert("Employee", nil)
	}
	var edits atomic.Int64
	sim.OnRequest(func(r *http.Request) {
		if !r.URL.Query().Has("id__gt") || edits.Add(1) > 40 {
			return
		}
		// Rows in every range, read and unread, move to the end of time.
		n := edits.Load()
		for _, id := range []int64{n*23%1000 + 1, n*71%1000 + 1} {
			_ = sim.Update("Employee", id, map[string]any{"first_name": fmt.Sprint("edit ", n)})
		}
	})
	out := &sink{}
	run(t, pollerConf(base, t.TempDir(), "    backfill_concurrency: 4\n", resource("employees", "/resources/Employee/", "page_size: 20")), out)
	eventually(t, func() string { return "edits made" }, func() bool { return edits.Load() > 40 })
	live := func() map[string]bool {
		want := map[string]bool{}
		for id := int64(1); id <= 1000; id++ {
			r, _ := sim.Get("Employee", id)
			want[fmt.Sprintf("%d@%s", id, r["updated_date"])] = true
		}
		return want
	}
	eventually(t, func() string { return missingOf(out, live()) }, func() bool { return missingOf(out, live()) == "" })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))

	last := map[string]string{}
	for _, r := range out.all() {
		var records []struct {
			ID      json.Number `json:"id"`
			Updated string      `json:"updated_date"`
		}
		if err := json.Unmarshal(r.n.Message.Raw["employees"], &records); err != nil {
			t.Fatal(err)
		}
		for _, rec := range records {
			id := rec.ID.String()
			if prev, ok := last[id]; ok && rec.Updated <= prev {
				t.Fatalf("object %s: change dated %s delivered after %s", id, rec.Updated, prev)
			}
			last[id] = rec.Updated
		}
	}
	got := out.versions("employees")
	for v, n := range got {
		if n > 1 {
			t.Fatalf("change %s delivered %d times", v, n)
		}
	}
}

func missingOf(out *sink, want map[string]bool) string {
	got := out.versions("employees")
	var m []string
	for v := range want {
		if got[v] == 0 {
			m = append(m, v)
		}
	}
	if len(m) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d changes missing, e.g. %v", len(m), len(want), m[:min(5, len(m))])
}

// A crash part way through a split backfill resumes every range where its
// acknowledged pages left it: nothing acknowledged is delivered again.
func TestCrashMidBackfillResumesEveryRange(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 1000; i++ {
		sim.Insert("Employee", nil)
	}
	dir := t.TempDir()
	conf := backfillConf(base, dir, "    max_unacked_pages: 2\n")

	crashMidBacklog(t, sim, conf, "checkpoint of a split cycle", func() bool {
		return strings.Contains(checkpointText(dir), `"slices"`)
	})
}

// checkpointText is the employees checkpoint in dir, however its key is
// spelled on disk.
func checkpointText(dir string) string {
	var text string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error { //nolint:errcheck // best effort
		if err == nil && !d.IsDir() && strings.HasSuffix(path, "employees") {
			if b, err := os.ReadFile(path); err == nil {
				text = string(b)
			}
		}
		return nil
	})
	return text
}

// A Retry-After that one range receives holds back every range: no
// request reaches Revel before the time it gave.
func TestBackfillRangesObeyOneRetryAfter(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 2000; i++ {
		sim.Insert("Employee", nil)
	}
	sim.SetLatency(revelsim.Latency{PerRequest: 5 * time.Millisecond})
	var mu sync.Mutex
	var arrivals []time.Time
	var throttledAt time.Time
	sim.OnRequest(func(*http.Request) {
		mu.Lock()
		arrivals = append(arrivals, time.Now())
		mu.Unlock()
	})
	sim.InjectFault(revelsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Match: func(r *http.Request) bool {
		if !r.URL.Query().Has("id__lte") {
			return false
		}
		mu.Lock()
		throttledAt = time.Now()
		mu.Unlock()
		return true
	}})
	out := &sink{}
	run(t, backfillConf(base, t.TempDir(), ""), out)
	eventually(t, func() string { return fmt.Sprintf("%d of 2000 delivered", out.count()) }, func() bool { return out.count() >= 2000 })
	mu.Lock()
	defer mu.Unlock()
	if throttledAt.IsZero() {
		t.Fatal("no range was throttled")
	}
	// Requests already on their way when the 429 went out may land just
	// after it; none may start within the second it asked for.
	for _, a := range arrivals {
		if d := a.Sub(throttledAt); d > 100*time.Millisecond && d < 900*time.Millisecond {
			t.Fatalf("a request reached Revel %s after a Retry-After of 1s", d)
		}
	}
}

// A resource that will not sort by id descending cannot be split; its
// backlog is read one page at a time, and said so.
func TestBackfillWithoutALastIDReadsOnePageAtATime(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 1000; i++ {
		sim.Insert("Employee", nil)
	}
	sim.InjectFault(revelsim.Fault{Status: http.StatusBadRequest, Times: 100,
		Match: func(r *http.Request) bool { return r.URL.Query().Get("order_by") == "-id" }})
	out := &sink{}
	p := run(t, backfillConf(base, t.TempDir(), ""), out)
	want := map[string]bool{}
	for id := int64(1); id <= 1000; id++ {
		r, _ := sim.Get("Employee", id)
		want[fmt.Sprintf("%d@%s", id, r["updated_date"])] = true
	}
	eventually(t, func() string { return missingOf(out, want) }, func() bool { return missingOf(out, want) == "" })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 3))
	exactlyOnce(t, out.versions("employees"), want)
	if n := len(rangesRead(sim)); n != 0 {
		t.Fatalf("read %d id ranges without knowing the last id", n)
	}
	if !strings.Contains(p.logs.String(), "could not ask for the last id") {
		t.Fatalf("the failed probe was not logged:\n%s", p.logs.String())
	}
}
