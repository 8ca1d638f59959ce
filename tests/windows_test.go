package tests

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// Windows that cannot drop a row, record dates, and checkpoints in any
// cache (issue 10 §2–4).

// deliveredIDs lists the object ids of s's deliveries in delivery order.
func deliveredIDs(s *sink) []string {
	var ids []string
	for _, r := range s.all() {
		for _, e := range r.n.Message.Events {
			ids = append(ids, e.ObjectID)
		}
	}
	return ids
}

func TestStrictLowerBoundIsQueriedInclusively(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{Zone: time.UTC})
	const t0, t1 = "2026-06-01T12:00:00", "2026-06-01T12:00:01.500000"
	stamp := func(at string) map[string]any { return map[string]any{"created_date": at, "updated_date": at} }
	sim.Insert("Employee", stamp(t0))
	sim.Insert("Employee", stamp(t1))
	sim.SetLateCommit(revelsim.LateCommit{Requests: 2}) // row 3 is visible from the third request on
	sim.Insert("Employee", stamp(t1))
	sim.SetLateCommit(revelsim.LateCommit{})
	sim.Insert("Employee", stamp(t1))

	out := &sink{}
	// poll_delay 0s: only the inclusive bound can find row 3.
	p := run(t, pollerConf(base, "", "", `employees:
  url: /resources/Employee/?updated_date__gt=${{DateTimeZone:UTC:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
  id_field: id
  poll_delay: 0s
  dates_configuration:
    updated_date_timezone: UTC
    created_date_timezone: UTC`), out)
	eventually(t, func() string { return fmt.Sprint(deliveredIDs(out)) }, func() bool { return out.count() == 4 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))

	got := deliveredIDs(out)
	if first := slices.Sorted(slices.Values(got[:3])); fmt.Sprint(first, got[3:]) != "[1 2 4] [3]" {
		t.Fatalf("delivered %v, want 1, 2 and 4, then 3, each once", got)
	}
	for _, r := range sim.Requests() {
		if r.Path == "/resources/Employee/" && (r.Query.Has("updated_date__gt") || !r.Query.Has("updated_date__gte")) {
			t.Fatalf("queried %v, want updated_date__gte", r.Query)
		}
	}
	if !strings.Contains(p.logs.String(), "updated_date__gt is a strict lower bound") {
		t.Fatalf("the widened bound was not logged:\n%s", p.logs.String())
	}
}

func TestLateCommitIsFoundWithTheDefaultPollDelay(t *testing.T) {
	for _, tc := range []struct {
		name, pollDelay string
		want            []string
	}{
		{"default", "", []string{"2", "1"}},
		// Without an overlap the late row is lost: the bound is poll_delay.
		{"0s", "poll_delay: 0s", []string{"2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, base := startSim(t, revelsim.Options{})
			stamped := time.Now().Add(-10 * time.Second)
			// Row 1 is stamped 300 ms before row 2 but commits after the
			// first poll.
			sim.SetLateCommit(revelsim.LateCommit{Requests: 2})
			sim.Insert("Employee", map[string]any{"created_date": stamped, "updated_date": stamped})
			sim.SetLateCommit(revelsim.LateCommit{})
			later := stamped.Add(300 * time.Millisecond)
			sim.Insert("Employee", map[string]any{"created_date": later, "updated_date": later})

			out := &sink{}
			run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", tc.pollDelay)), out)
			eventually(t, func() string { return fmt.Sprint(deliveredIDs(out)) }, func() bool { return out.count() >= len(tc.want) })
			eventually(t, func() string { return "row 1 committed" }, func() bool { return sim.PendingCommits() == 0 })
			eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
			if got := deliveredIDs(out); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("delivered %v, want %v", got, tc.want)
			}
		})
	}
}

// The commits-late profile, with rows that commit at once in between:
// each late row is passed by the cursor before it is visible, and every
// one arrives once.
func TestCommitsLateProfileLosesNothingByDefault(t *testing.T) {
	quirks, err := revelsim.LookupProfile("commits-late")
	if err != nil {
		t.Fatal(err)
	}
	late := quirks.LateCommit
	late.Delay = 200 * time.Millisecond // the profile's 2s, shortened
	sim, base := startSim(t, revelsim.Options{Quirks: quirks})
	out := &sink{}
	run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", "")), out)
	want := map[string]int{}
	for i := 0; i < 5; i++ {
		sim.SetLateCommit(late)
		want[fmt.Sprintf("employees/%d/CREATED", sim.Insert("Employee", nil))] = 1
		sim.SetLateCommit(revelsim.LateCommit{})
		now := sim.Insert("Employee", nil)
		want[fmt.Sprintf("employees/%d/CREATED", now)] = 1
		eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.changes()[fmt.Sprintf("employees/%d/CREATED", now)] > 0 })
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() >= 10 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes = %v, want each of %v once", got, want)
	}
}

func TestFractionalSecondsReadByAPatternWithout(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	known := sim.Insert("Employee", map[string]any{"created_date": "2026-06-01T17:31:07.637840", "updated_date": "2026-06-01T17:31:07.637840"})
	var ids []int64
	for i := 0; i < 11; i++ {
		ids = append(ids, sim.Insert("Employee", nil))
	}
	ids = append(ids, known)
	out := &sink{}
	run(t, pollerConf(base, "", "", `employees:
  url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}}
  id_field: id
  dates_configuration:
    updated_date_format: yyyy-MM-dd'T'HH:mm:ss
    updated_date_timezone: PST
    created_date_format: yyyy-MM-dd'T'HH:mm:ss
    created_date_timezone: PST`), out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 12 })
	for _, r := range out.all() {
		if e := r.n.Message.Events[0]; e.ObjectID == fmt.Sprint(known) && e.Date != "2026-06-02T00:31:07.63784Z" {
			t.Fatalf("2026-06-01T17:31:07.637840 PST read as %s, want 2026-06-02T00:31:07.63784Z", e.Date)
		}
	}
	// 13 edits, one record twice: 25 changes in all.
	for _, id := range ids {
		if err := sim.Update("Employee", id, map[string]any{"first_name": "Edited"}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 24 })
	if err := sim.Update("Employee", ids[0], map[string]any{"first_name": "Again"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 25 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	eventIDs := map[string]bool{}
	for _, r := range out.all() {
		eventIDs[r.n.ID] = true
	}
	if out.count() != 25 || len(eventIDs) != 25 {
		t.Fatalf("%d deliveries of %d distinct changes, want 25 of 25: %v", out.count(), len(eventIDs), out.changes())
	}
}

func TestMacroZoneAgainstTheTenantsZoneIsWarned(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{}) // a Los Angeles tenant
	sim.Insert("Employee", nil)
	resources := `employees:
  url: /resources/Employee/?updated_date__gte=${{gmtDate:yyyy-MM-dd'T'HH:mm:ss}}
  id_field: id`
	conf := pollerConf(base, "", "", resources)

	// Benthos lint has no warning level (any lint stops run), so the
	// check is a warning at startup and against meta.time_zone.
	p := run(t, conf, &sink{})
	eventually(t, func() string { return p.logs.String() }, func() bool {
		return strings.Contains(p.logs.String(), "meta.time_zone) as America/Los_Angeles, but the url macro ${gmtDate:yyyy-MM-dd'T'HH:mm:ss} renders UTC")
	})
	logs := p.logs.String()
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "${gmtDate:yyyy-MM-dd'T'HH:mm:ss} renders UTC wall-clock time") ||
		!strings.Contains(logs, "${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss}}") {
		t.Fatalf("no startup warning naming the zones and the fix:\n%s", logs)
	}
	eventually(t, func() string { return "more polls" }, cycles(sim, "/resources/Employee/", 3))
	if n := strings.Count(p.logs.String(), "meta.time_zone"); n != 1 {
		t.Fatalf("the tenant zone warning was logged %d times, want once", n)
	}
}

// fileCacheConf is a poller of employees keeping checkpoints in Benthos'
// own file cache in dir.
func fileCacheConf(base, dir string) string {
	return pollerConf(base, "", "    checkpoint_cache: state\n", resource("employees", "/resources/Employee/", "")) +
		fmt.Sprintf("cache_resources:\n  - label: state\n    file:\n      directory: %s\n", dir)
}

func TestBenthosFileCacheKeepsCheckpoints(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 30; i++ {
		sim.Insert("Employee", nil)
	}
	dir := t.TempDir()
	conf := fileCacheConf(base, dir)
	first := &sink{}
	p := run(t, conf, first)
	eventually(t, func() string { return fmt.Sprintf("%d of 30\n%s", first.count(), p.logs.String()) }, func() bool { return first.count() == 30 })
	eventually(t, func() string { return "checkpoint written" }, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "revel_poller.employees"))
		return err == nil && strings.Contains(string(b), `"seen":{"`) && !strings.Contains(string(b), `"cycle"`)
	})
	p.stop(t)
	if strings.Contains(p.logs.String(), "not saved") {
		t.Fatalf("a checkpoint write failed:\n%s", p.logs.String())
	}

	added := sim.Insert("Employee", nil)
	second := &sink{}
	run(t, conf, second)
	eventually(t, func() string { return fmt.Sprint(second.changes()) }, func() bool { return second.count() >= 1 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	if got := deliveredIDs(second); fmt.Sprint(got) != fmt.Sprint([]int64{added}) {
		t.Fatalf("after a restart delivered %v, want only %d", got, added)
	}
}

func TestLegacyCheckpointKeysAreMoved(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 5; i++ {
		sim.Insert("TimeSheetEntry", map[string]any{"clock_out": nil})
	}
	dir := t.TempDir()
	conf := pollerConf(base, dir, "", resource("timesheets", "/resources/TimeSheetEntry/", "reconcile_interval: 1h"))
	first := &sink{}
	p := run(t, conf, first)
	eventually(t, func() string { return fmt.Sprint(first.changes()) }, func() bool { return first.count() == 5 })
	state, ids := filepath.Join(dir, "revel_poller.timesheets"), filepath.Join(dir, "revel_poller.timesheets.ids")
	eventually(t, func() string { return "checkpoint and id set written" }, func() bool {
		b, err := os.ReadFile(state)
		_, idsErr := os.Stat(ids)
		return err == nil && strings.Contains(string(b), `"seen":{"`) && idsErr == nil
	})
	p.stop(t)

	// Put both where earlier releases kept them.
	if err := os.Mkdir(filepath.Join(dir, "revel_poller"), 0o755); err != nil {
		t.Fatal(err)
	}
	legacyState, legacyIDs := filepath.Join(dir, "revel_poller", "timesheets"), filepath.Join(dir, "revel_poller", "timesheets.ids")
	for from, to := range map[string]string{state: legacyState, ids: legacyIDs} {
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}
	second := &sink{}
	p = run(t, conf, second)
	eventually(t, func() string { return "polls after restart\n" + p.logs.String() }, cycles(sim, "/resources/TimeSheetEntry/", 5))
	if second.count() != 0 {
		t.Fatalf("a moved checkpoint delivered %v again", second.changes())
	}
	for _, f := range []string{state, ids} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{legacyState, legacyIDs} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v)", f, err)
		}
	}
}

func TestUnwritableCheckpointCacheStopsTheInputBeforeTheFirstPoll(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", nil)
	out := &sink{}
	p := run(t, fileCacheConf(base, filepath.Join(t.TempDir(), "missing")), out)
	eventually(t, func() string { return p.logs.String() }, func() bool {
		return strings.Count(p.logs.String(), `checkpoint_cache \"state\" cannot be written`) >= 2
	})
	if logs := p.logs.String(); !strings.Contains(logs, "create its directory") || !strings.Contains(logs, "level=ERROR") {
		t.Fatalf("the error does not say what to fix:\n%s", logs)
	}
	if n := len(sim.Requests()); n != 0 || out.count() != 0 {
		t.Fatalf("polled %d times and delivered %d messages without a checkpoint", n, out.count())
	}
}

func TestFailingCheckpointCachePausesPollingAndReportsNotReady(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", nil)
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	delivered := filepath.Join(t.TempDir(), "events.jsonl")
	conf := fileCacheConf(base, dir) + fmt.Sprintf("output:\n  file:\n    path: %s\n    codec: lines\n", delivered)
	lines := func() int {
		b, _ := os.ReadFile(delivered)
		return strings.Count(string(b), "\n")
	}
	api, logs := runBinary(t, conf)
	eventually(t, func() string { return fmt.Sprintf("%d delivered\n%s", lines(), logs) }, func() bool {
		code, _ := readiness(api)
		return lines() == 1 && code == http.StatusOK
	})

	// The cache's directory goes away: the next checkpoint cannot be written.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	sim.Insert("Employee", nil)
	eventually(t, func() string { return logs.String() }, func() bool {
		code, _ := readiness(api)
		return code == http.StatusServiceUnavailable && strings.Count(logs.String(), `checkpoint_cache \"state\" cannot be written`) >= 3
	})
	polls := len(sim.Requests())
	sim.Insert("Employee", nil)
	eventually(t, func() string { return logs.String() }, func() bool {
		return strings.Count(logs.String(), `checkpoint_cache \"state\" cannot be written`) >= 6
	})
	if n := len(sim.Requests()) - polls; n != 0 {
		t.Fatalf("%d polls while checkpoints could not be saved", n)
	}
	if n := strings.Count(logs.String(), "checkpoint not saved"); n != 1 {
		t.Fatalf("the failed write was logged %d times, want once:\n%s", n, logs)
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(strings.ToLower(l), "level=warn") && strings.Contains(l, "checkpoint") {
			t.Fatalf("a checkpoint failure was logged as a warning: %s", l)
		}
	}

	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprintf("%d delivered\n%s", lines(), logs) }, func() bool {
		code, _ := readiness(api)
		return code == http.StatusOK && lines() == 3
	})
	if _, err := os.Stat(filepath.Join(dir, "revel_poller.employees")); err != nil {
		t.Fatalf("no checkpoint after the cache recovered: %v", err)
	}
	eventually(t, func() string { return "polls" }, cycles(sim, "/resources/Employee/", 5))
	if n := lines(); n != 3 {
		t.Fatalf("%d deliveries of 3 changes", n)
	}
}
