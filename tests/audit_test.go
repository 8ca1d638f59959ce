package tests

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

// auditPipeline runs conf into s with Prometheus metrics served on
// loopback, returning the pipeline and the metrics URL.
func auditPipeline(t *testing.T, conf string, s *sink) (*pipeline, string) {
	t.Helper()
	logs := &testutil.Buffer{}
	b := newBuilder(logs)
	addSections(t, b, conf)
	if err := b.AddConsumerFunc(s.consume); err != nil {
		t.Fatal(err)
	}
	if err := b.SetMetricsYAML("prometheus: {}"); err != nil {
		t.Fatal(err)
	}
	m := http.NewServeMux()
	b.SetHTTPMux(m)
	srv := httptest.NewServer(m) // 127.0.0.1
	t.Cleanup(srv.Close)
	return start(t, b, logs), srv.URL + "/metrics"
}

// audits returns a condition that holds once the simulator has answered n
// more audit listings (requests with fields=) than when it was called.
func audits(sim *revelsim.Server, n int) func() bool {
	count := func() int {
		c := 0
		for _, r := range sim.Requests() {
			if r.Query.Has("fields") && r.Query.Has("updated_date__gte") {
				c++
			}
		}
		return c
	}
	start := count()
	return func() bool { return count() >= start+n }
}

func auditMissed(t *testing.T, metricsURL string) float64 {
	return metricValue(testutil.Scrape(t, metricsURL), "revel_poller_audit_missed_total", map[string]string{"resource": "employees"})
}

// auditResource audits often. The audit judges versions older than the
// cursor less poll_delay (the overlap is the cycle's to read again), so
// without poll_delay: 0s rows made a moment ago wait a minute for it.
const auditResource = "audit_interval: 100ms\npoll_delay: 0s"

// A change stamped before the cursor but visible only after the poll (a
// late commit, or one the API's paging hid), and an edit stamped between
// two delivered changes: the date-window query never returns either. The
// audit delivers each once, as the cycle would have, and counts them.
func TestAuditDeliversChangesTheCursorMissedOnce(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	now := time.Now()
	a := sim.Insert("Employee", map[string]any{"created_date": now.Add(-2 * time.Hour), "updated_date": now.Add(-2 * time.Hour)})
	b := sim.Insert("Employee", map[string]any{"created_date": now.Add(-time.Hour), "updated_date": now.Add(-time.Hour)})
	out := &sink{}
	conf := pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", auditResource))
	p, metrics := auditPipeline(t, conf, out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 2 })
	eventually(t, func() string { return "an audit" }, audits(sim, 1))

	late := now.Add(-3 * time.Hour).Truncate(time.Microsecond)
	c := sim.Insert("Employee", map[string]any{"created_date": late, "updated_date": late})
	if err := sim.Update("Employee", a, map[string]any{"first_name": "Edited", "updated_date": now.Add(-90 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) + "\n" + p.logs.String() }, func() bool { return out.count() == 4 })
	eventually(t, func() string { return "further audits" }, audits(sim, 3))

	want := map[string]int{
		fmt.Sprintf("employees/%d/CREATED", a): 1, fmt.Sprintf("employees/%d/CREATED", b): 1,
		fmt.Sprintf("employees/%d/UPDATED", a): 1, fmt.Sprintf("employees/%d/CREATED", c): 1,
	}
	if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes = %v, want each of %v once", got, want)
	}
	for _, r := range out.all() {
		if r.meta["revel_object_id"] != fmt.Sprint(c) {
			continue
		}
		// The id the cycle would have given it: instance, type, id,
		// version, event type.
		if id := event.NewID(0, "employees", fmt.Sprint(c), late.UTC().Format(time.RFC3339Nano), event.Created); r.meta["revel_event_id"] != id {
			t.Errorf("event id %s, want the cycle's %s", r.meta["revel_event_id"], id)
		}
		if !strings.Contains(string(r.n.Message.Raw["employees"]), `"resource_uri"`) { // not in the listing's fields
			t.Errorf("the missed record is not delivered whole: %s", r.body)
		}
	}
	if n := auditMissed(t, metrics); n != 2 {
		t.Errorf("revel_poller_audit_missed_total = %v, want 2", n)
	}
	if n := metricValue(testutil.Scrape(t, metrics), "revel_poller_audit_ledger_ids", map[string]string{"resource": "employees"}); n != 3 {
		t.Errorf("revel_poller_audit_ledger_ids = %v, want the 3 records delivered", n)
	}
	if logs := p.logs.String(); !strings.Contains(logs, "audit of employees: the cursor missed") || !strings.Contains(logs, "level=WARN") {
		t.Errorf("no WARN naming the resource:\n%s", logs)
	}
}

// A record deleted outright within the look-back window: the audit's
// listing no longer holds it, so it delivers DELETED once.
func TestAuditFindsAHardDelete(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	var ids []int64
	for range 3 {
		ids = append(ids, sim.Insert("Employee", nil))
	}
	out := &sink{}
	_, metrics := auditPipeline(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", auditResource)), out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 3 })
	eventually(t, func() string { return "an audit" }, audits(sim, 1))
	if err := sim.Delete("Employee", ids[1]); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 4 })
	eventually(t, func() string { return "further audits" }, audits(sim, 3))
	deleted := fmt.Sprintf("employees/%d/DELETED", ids[1])
	if got := out.changes(); got[deleted] != 1 || out.count() != 4 {
		t.Fatalf("changes = %v, want one %s", got, deleted)
	}
	for _, r := range out.all() {
		if r.n.Message.Events[0].EventType == "DELETED" && string(r.n.Message.Raw["employees"]) != fmt.Sprintf(`[{"id":%d}]`, ids[1]) {
			t.Errorf("deletion's raw = %s", r.n.Message.Raw["employees"])
		}
	}
	if n := auditMissed(t, metrics); n != 1 {
		t.Errorf("revel_poller_audit_missed_total = %v, want 1", n)
	}
}

// The ledger survives restarts: nothing the cycle or the audit delivered
// before one is delivered again, and a change missed while the pipeline was
// down is delivered once. The first run never audits, so its deliveries
// reach the second only through the ledger's journal.
func TestAuditAcrossRestartsRepeatsNothing(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	now := time.Now()
	stamped := func(hoursAgo int) map[string]any {
		at := now.Add(-time.Duration(hoursAgo) * time.Hour)
		return map[string]any{"created_date": at, "updated_date": at}
	}
	for i := range 3 {
		sim.Insert("Employee", stamped(3-i))
	}
	dir := t.TempDir()
	conf := func(audit string) string {
		return pollerConf(base, dir, "", resource("employees", "/resources/Employee/", "audit_interval: "+audit))
	}
	first := &sink{}
	p := run(t, conf("1h"), first)
	eventually(t, func() string { return fmt.Sprint(first.changes()) }, func() bool { return first.count() == 3 })
	eventually(t, func() string { return "further polls" }, cycles(sim, "/resources/Employee/", 3))
	p.stop(t)

	for i := range 2 {
		missed := sim.Insert("Employee", stamped(4+i)) // while down
		out := &sink{}
		p := run(t, conf("100ms"), out)
		eventually(t, func() string { return fmt.Sprint(out.changes()) + "\n" + p.logs.String() }, func() bool { return out.count() >= 1 })
		eventually(t, func() string { return "audits after restart" }, audits(sim, 3))
		p.stop(t)
		want := map[string]int{fmt.Sprintf("employees/%d/CREATED", missed): 1}
		if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("run %d delivered %v, want only %v", i+2, got, want)
		}
	}
}

// An audit whose listing fails is logged and given up until the next
// interval; polling goes on.
func TestAuditFailureDoesNotStopPolling(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", nil)
	listing := func(r *http.Request) bool { return r.URL.Query().Has("fields") }
	for range 3 {
		sim.InjectFault(revelsim.Fault{Status: http.StatusBadRequest, Match: listing})
	}
	out := &sink{}
	p := run(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", auditResource)), out)
	eventually(t, func() string { return p.logs.String() }, func() bool {
		return strings.Contains(p.logs.String(), "audit of employees failed")
	})
	later := sim.Insert("Employee", nil)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool {
		return out.changes()[fmt.Sprintf("employees/%d/CREATED", later)] == 1
	})
	eventually(t, func() string { return "an audit that succeeds" }, func() bool {
		return strings.Contains(p.logs.String(), "audit of employees found every change delivered")
	})
	if !strings.Contains(p.logs.String(), "level=ERROR") {
		t.Errorf("the failed audit is not logged at ERROR")
	}
}

// With max_requests_per_poll: 2 a caught-up poll reads one page, leaving
// the audit one request a poll: it and the full listing of ids list 1,500
// ids over several polls, and the audit still finds the change the cursor
// missed, never exceeding the budget.
func TestAuditStaysWithinTheRequestBudget(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	now := time.Now()
	for i := range 1500 {
		at := now.Add(-2*time.Hour + time.Duration(i)*time.Millisecond)
		sim.Insert("Employee", map[string]any{"created_date": at, "updated_date": at})
	}
	out := &sink{}
	run(t, pollerConf(base, t.TempDir(), "    max_requests_per_poll: 2\n", resource("employees", "/resources/Employee/", auditResource+"\naudit_full_interval: 100ms")), out)
	eventually(t, func() string { return fmt.Sprint(out.count()) }, func() bool { return out.count() == 1500 })
	eventually(t, func() string { return "an audit" }, audits(sim, 2))
	sim.ResetRequests()
	missed := sim.Insert("Employee", map[string]any{"created_date": now.Add(-3 * time.Hour), "updated_date": now.Add(-3 * time.Hour)})
	eventually(t, func() string { return fmt.Sprint(out.count()) }, func() bool { return out.count() == 1501 })
	eventually(t, func() string { return "further audits" }, audits(sim, 4))
	if got := out.changes()[fmt.Sprintf("employees/%d/CREATED", missed)]; got != 1 {
		t.Fatalf("missed change delivered %d times", got)
	}
	// Each poll begins with the cycle's request (no fields=, no id__in);
	// the audit's requests follow it.
	perPoll, worst := 0, 0
	for _, r := range sim.Requests() {
		if !r.Query.Has("fields") && !r.Query.Has("id__in") {
			perPoll = 0
		}
		perPoll++
		worst = max(worst, perPoll)
	}
	if worst > 2 {
		t.Fatalf("a poll made %d requests, over max_requests_per_poll: 2", worst)
	}
	full := 0
	for _, r := range sim.Requests() {
		if r.Query.Get("fields") == "id" {
			full++
		}
	}
	if full < 2 {
		t.Fatalf("%d full listing requests: the full listing did not run", full)
	}
}

// Changes handed to the output and not yet acknowledged are not missed:
// the audits that run while the output holds them deliver nothing.
func TestAuditCountsUnacknowledgedChangesAsDelivered(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	now := time.Now()
	for i := range 3 {
		at := now.Add(time.Duration(i-3) * time.Hour)
		sim.Insert("Employee", map[string]any{"created_date": at, "updated_date": at})
	}
	out := &sink{}
	released := make(chan struct{})
	out.reject = func(received) error {
		<-released // the output holds the first message until two audits ran
		return nil
	}
	// Room for the empty polls' checkpoints queued behind the held page.
	run(t, pollerConf(base, t.TempDir(), "    max_unacked_pages: 1000\n", resource("employees", "/resources/Employee/", auditResource)), out)
	eventually(t, func() string { return "two audits while the output holds the first change" }, audits(sim, 2))
	close(released)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() >= 3 })
	eventually(t, func() string { return "further audits" }, audits(sim, 3))
	if out.count() != 3 || len(out.changes()) != 3 {
		t.Fatalf("delivered %v, want 3 changes once each", out.changes())
	}
}

// A tenant that ignores order_by=id (it sorts by updated_date) yet whose
// pages look ascending by id: a listing paged by id__gt skips an edited
// row, which must not be reported deleted. The pager notices the
// mismatch; the audit then reports no deletions and still finds the
// change the cursor missed.
func TestAuditOnATenantThatIgnoresOrderByReportsNoFalseDeletion(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{Quirks: revelsim.Quirks{IgnoreOrderBy: true}})
	start := time.Now().Add(-3 * time.Hour)
	stamped := func(id int64, at time.Time) map[string]any {
		return map[string]any{"id": id, "created_date": at, "updated_date": at}
	}
	for i := int64(1); i <= 1500; i++ {
		sim.Insert("Employee", stamped(10*i, start.Add(time.Duration(i)*time.Second)))
	}
	out := &sink{}
	p := run(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", "audit_interval: 200ms")), out)
	eventually(t, func() string { return fmt.Sprint(out.count()) }, func() bool { return out.count() == 1500 })
	// Row 30 now sorts after every other; row 99999 after it, so pages
	// by id__gt stay ascending and leave 30 out.
	if err := sim.Update("Employee", 30, map[string]any{"first_name": "Edited"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(out.count()) }, func() bool { return out.count() == 1501 })
	sim.Insert("Employee", stamped(99999, time.Now()))
	eventually(t, func() string { return fmt.Sprint(out.count()) }, func() bool { return out.count() == 1502 })
	hidden := sim.Insert("Employee", stamped(15, start.Add(1500*time.Millisecond)))
	eventually(t, func() string { return fmt.Sprint(out.count()) + "\n" + p.logs.String() }, func() bool { return out.count() == 1503 })
	eventually(t, func() string { return "further audits" }, audits(sim, 2))
	got := out.changes()
	if got[fmt.Sprintf("employees/%d/CREATED", hidden)] != 1 {
		t.Errorf("the missed row was delivered %d times", got[fmt.Sprintf("employees/%d/CREATED", hidden)])
	}
	for k := range got {
		if strings.HasSuffix(k, "/DELETED") {
			t.Errorf("false deletion %s", k)
		}
	}
	if out.count() != 1503 {
		t.Errorf("%d deliveries, want 1503", out.count())
	}
}

// A tenant that ignores the date filter returns every row every cycle; the
// poll leaves out rows dated before its window, so a row that appeared late
// with an old date is the audit's to find: delivered once, nothing else
// repeated.
func TestAuditDecidesOnRowsAnAPIIgnoringTheDateFilterReturns(t *testing.T) {
	quirks, err := revelsim.LookupProfile("ignores-date-filter")
	if err != nil {
		t.Fatal(err)
	}
	sim, base := startSim(t, revelsim.Options{Quirks: quirks})
	now := time.Now()
	stamped := func(ago time.Duration) map[string]any {
		return map[string]any{"created_date": now.Add(-ago), "updated_date": now.Add(-ago)}
	}
	for i := range 3 {
		sim.Insert("Employee", stamped(time.Duration(3-i)*time.Hour))
	}
	out := &sink{}
	p, metrics := auditPipeline(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", auditResource)), out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 3 })
	late := sim.Insert("Employee", stamped(4*time.Hour))
	eventually(t, func() string { return fmt.Sprint(out.changes()) + "\n" + p.logs.String() }, func() bool { return out.count() == 4 })
	eventually(t, func() string { return "further audits" }, audits(sim, 3))
	if got := out.changes(); out.count() != 4 || got[fmt.Sprintf("employees/%d/CREATED", late)] != 1 {
		t.Fatalf("delivered %v, want the three rows and the late one once each", got)
	}
	if n := auditMissed(t, metrics); n != 1 {
		t.Errorf("revel_poller_audit_missed_total = %v, want 1", n)
	}
}

// Rows edited, inserted and deleted between page requests: every change is
// delivered once, and every delivered row deleted since is reported
// DELETED once by the audit, never twice, never a live one.
func TestAuditUnderChurnReportsEachDeletionOnce(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{Quirks: revelsim.Quirks{Churn: 8}})
	for range 30 {
		sim.Insert("Employee", nil)
	}
	out := &sink{}
	run(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", "page_size: 4\n"+auditResource)), out)
	deletedOnce := func() (string, bool) {
		got := out.changes()
		var wrong []string
		for id := int64(1); id <= 200; id++ {
			_, live := sim.Get("Employee", id)
			shown := got[fmt.Sprintf("employees/%d/CREATED", id)]+got[fmt.Sprintf("employees/%d/UPDATED", id)] > 0
			want := 0
			if shown && !live {
				want = 1
			}
			if n := got[fmt.Sprintf("employees/%d/DELETED", id)]; n != want {
				wrong = append(wrong, fmt.Sprintf("%d: %d DELETED, want %d", id, n, want))
			}
		}
		return strings.Join(wrong, "; "), len(wrong) == 0
	}
	eventually(t, func() string { s, _ := deletedOnce(); return missing(out, liveVersions(sim))() + "; " + s }, func() bool {
		_, ok := deletedOnce()
		return ok && delivered(out, liveVersions(sim))()
	})
	eventually(t, func() string { return "further audits" }, audits(sim, 3))
	exactlyOnce(t, out.versions("employees"), liveVersions(sim))
	if s, ok := deletedOnce(); !ok {
		t.Fatal(s)
	}
	deletions := 0
	for k := range out.changes() {
		if strings.HasSuffix(k, "/DELETED") {
			deletions++
		}
	}
	if deletions == 0 {
		t.Fatal("the churn deleted no delivered row: the test proves nothing")
	}
}

// fullListings returns a condition that holds once the simulator has
// answered n more full id listings (fields=id, no date filter) than when it
// was called.
func fullListings(sim *revelsim.Server, n int) func() bool {
	count := func() int {
		c := 0
		for _, r := range sim.Requests() {
			if r.Query.Get("fields") == "id" && !r.Query.Has("updated_date__gte") {
				c++
			}
		}
		return c
	}
	start := count()
	return func() bool { return count() >= start+n }
}

// A tenant that ignores order_by serves the full id listing
// (audit_full_interval) in updated_date order; an id listed out of id
// order is still listed, not deleted. Only the row really deleted is
// reported, once.
func TestFullListingOnATenantThatIgnoresOrderByReportsNoFalseDeletion(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{Quirks: revelsim.Quirks{IgnoreOrderBy: true}})
	start := time.Now().Add(-time.Hour)
	for id := int64(1); id <= 30; id++ {
		// Newest first by id, so updated_date order is the reverse of id order.
		at := start.Add(-time.Duration(id) * time.Minute)
		sim.Insert("Employee", map[string]any{"id": id, "created_date": at, "updated_date": at})
	}
	out := &sink{}
	p := run(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", "audit_full_interval: 100ms")), out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() >= 30 })
	eventually(t, func() string { return "full listings" }, fullListings(sim, 3))
	if err := sim.Delete("Employee", 7); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) + "\n" + p.logs.String() }, func() bool { return out.changes()["employees/7/DELETED"] == 1 })
	eventually(t, func() string { return "further full listings" }, fullListings(sim, 3))
	for k, n := range out.changes() {
		if strings.HasSuffix(k, "/DELETED") && k != "employees/7/DELETED" || n != 1 {
			t.Errorf("%s delivered %d times", k, n)
		}
	}
	if out.count() != 31 {
		t.Errorf("%d deliveries, want 30 creations and 1 deletion", out.count())
	}
}

// A hard delete the audit delivered is not delivered again by the full id
// listing after a restart: the listing's saved id set no longer holds it.
func TestHardDeleteTheAuditFoundIsNotRepeatedAfterARestart(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	var ids []int64
	for range 3 {
		ids = append(ids, sim.Insert("Employee", nil))
	}
	dir := t.TempDir()
	conf := func(full string) string {
		return pollerConf(base, dir, "", resource("employees", "/resources/Employee/", auditResource+"\naudit_full_interval: "+full))
	}
	first := &sink{}
	p, _ := auditPipeline(t, conf("1h"), first)
	eventually(t, func() string { return fmt.Sprint(first.changes()) }, func() bool { return first.count() == 3 })
	eventually(t, func() string { return "a full listing" }, func() bool { return len(checkpointFiles(dir, ".ids")) > 0 })
	if err := sim.Delete("Employee", ids[1]); err != nil {
		t.Fatal(err)
	}
	deleted := fmt.Sprintf("employees/%d/DELETED", ids[1])
	eventually(t, func() string { return fmt.Sprint(first.changes()) }, func() bool { return first.changes()[deleted] == 1 })
	eventually(t, func() string { return "further audits" }, audits(sim, 2))
	p.stop(t)

	second := &sink{}
	auditPipeline(t, conf("100ms"), second)
	eventually(t, func() string { return "full listings after the restart" }, fullListings(sim, 3))
	if got := second.changes(); len(got) != 0 {
		t.Fatalf("after the restart delivered %v, want nothing: the deletion was delivered before", got)
	}
}

// checkpointFiles lists the files in dir whose names end in suffix.
func checkpointFiles(dir, suffix string) []string {
	var out []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) {
			out = append(out, e.Name())
		}
	}
	return out
}
