package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

func TestCreatedUpdatedDeletedEvents(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	a := sim.Insert("Order", map[string]any{"deleted": false, "final_total": 12.76})
	b := sim.Insert("Order", map[string]any{"deleted": false, "final_total": 3.5})
	out := &sink{}
	conf := pollerConf(base, t.TempDir(), "    instance: {id: 42, name: east}\n",
		resource("orders", "/resources/Order/", "deleted_field: deleted\nhub_key: pos"))
	run(t, conf, out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 2 })

	if err := sim.Update("Order", a, map[string]any{"final_total": 20.0}); err != nil {
		t.Fatal(err)
	}
	if err := sim.Update("Order", b, map[string]any{"deleted": true}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 4 })
	more := cycles(sim, "/resources/Order/", 5)
	eventually(t, func() string { return "no further polls" }, more)

	want := map[string]int{
		fmt.Sprintf("orders/%d/CREATED", a): 1, fmt.Sprintf("orders/%d/CREATED", b): 1,
		fmt.Sprintf("orders/%d/UPDATED", a): 1, fmt.Sprintf("orders/%d/DELETED", b): 1,
	}
	if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes = %v, want each of %v exactly once", got, want)
	}
	for _, r := range out.all() {
		n := r.n
		e := n.Message.Events[0]
		if n.Topic != "instance-42-revel-events" || e.HubKey != "pos" || n.ID != n.Message.EventID {
			t.Errorf("envelope = %s", r.body)
		}
		if r.meta["revel_event_type"] != e.EventType || r.meta["revel_object_id"] != e.ObjectID ||
			r.meta["revel_object_type"] != "orders" || r.meta["revel_event_id"] != n.ID || r.meta["revel_event_date"] == "" {
			t.Errorf("metadata %v does not match %s", r.meta, r.body)
		}
		var records []map[string]any
		if err := json.Unmarshal(n.Message.Raw["orders"], &records); err != nil || len(records) != 1 ||
			fmt.Sprint(records[0]["id"]) != e.ObjectID {
			t.Errorf("raw does not carry the record: %s", n.Message.Raw["orders"])
		}
		if _, err := time.Parse(time.RFC3339Nano, e.Date); err != nil || !strings.HasSuffix(e.Date, "Z") {
			t.Errorf("event date %q is not RFC 3339 UTC", e.Date)
		}
	}
}

func TestManyRecordsSharingOneUpdatedDateAreEachDeliveredOnce(t *testing.T) {
	for _, paging := range []string{"keyset", "offset"} {
		t.Run(paging, func(t *testing.T) {
			sim, base := startSim(t, revelsim.Options{})
			want := map[string]int{}
			for i := 0; i < 450; i++ {
				id := sim.Insert("Employee", map[string]any{"created_date": "2026-06-01T12:00:00", "updated_date": "2026-06-01T12:00:00"})
				want[fmt.Sprintf("employees/%d/CREATED", id)] = 1
			}
			out := &sink{}
			run(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", "paging: "+paging)), out)
			eventually(t, func() string { return fmt.Sprintf("%d of 450 delivered", out.count()) }, func() bool { return out.count() >= 450 })
			eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 10))
			if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%d deliveries of %d distinct changes, want 450 each once", out.count(), len(got))
			}
		})
	}
}

func TestRestartFromCheckpointDeliversNothingTwice(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 230; i++ {
		sim.Insert("Employee", nil)
	}
	dir := t.TempDir()
	conf := pollerConf(base, dir, "", resource("employees", "/resources/Employee/", ""))

	first := &sink{}
	p := run(t, conf, first)
	eventually(t, func() string { return fmt.Sprintf("%d of 230", first.count()) }, func() bool { return first.count() == 230 })
	eventually(t, func() string { return "checkpoint written" }, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "revel_poller.employees"))
		return err == nil && strings.Contains(string(b), `"cursor"`) && !strings.Contains(string(b), `"cycle"`)
	})
	p.stop(t)

	changed := sim.Insert("Employee", nil)
	if err := sim.Update("Employee", 7, map[string]any{"first_name": "Changed"}); err != nil {
		t.Fatal(err)
	}
	second := &sink{}
	run(t, conf, second)
	eventually(t, func() string { return fmt.Sprint(second.changes()) }, func() bool { return second.count() >= 2 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	want := map[string]int{fmt.Sprintf("employees/%d/CREATED", changed): 1, "employees/7/UPDATED": 1}
	if got := second.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restart delivered %v, want only %v", got, want)
	}
}

func TestCrashMidCycleRedeliversAtMostTheUnackedWindow(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 1000; i++ {
		sim.Insert("Employee", map[string]any{"created_date": "2026-06-01T12:00:00", "updated_date": fmt.Sprintf("2026-06-01T12:%02d:%02d", i/60, i%60)})
	}
	dir := t.TempDir()
	conf := pollerConf(base, dir, "    max_unacked_pages: 2\n    backfill_concurrency: 1\n", resource("employees", "/resources/Employee/", ""))

	perObject := crashMidBacklog(t, sim, conf, "mid-cycle checkpoint", func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "revel_poller.employees"))
		return err == nil && strings.Contains(string(b), `"after_id":"300"`)
	})
	for i := 1; i <= 300; i++ {
		if perObject[fmt.Sprint(i)] != 0 {
			t.Fatalf("acknowledged change of object %d was delivered again", i)
		}
	}
}

// crashMidBacklog runs conf over a backlog of 1,000 objects until its
// output has accepted 300 messages (three pages) and checkpointed (named
// what) holds; then the output fails, and the process is killed with the
// rest unacknowledged. A second run of conf follows until 700 messages are
// delivered and polling is idle. The test fails unless the second run
// delivered the 700 unacknowledged objects once each and none the first
// run's output accepted. It returns the second run's messages by object.
func crashMidBacklog(t *testing.T, sim *revelsim.Server, conf, what string, checkpointed func() bool) map[string]int {
	t.Helper()
	first := &sink{reject: acceptOnly(300)}
	p := run(t, conf, first)
	eventually(t, func() string { return fmt.Sprintf("%d accepted", first.count()) }, func() bool { return first.count() == 300 })
	eventually(t, func() string { return what }, checkpointed)
	p.stopWithin(t, 100*time.Millisecond)

	second := &sink{}
	run(t, conf, second)
	eventually(t, func() string { return fmt.Sprintf("%d redelivered", second.count()) }, func() bool { return second.count() >= 700 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	before := map[string]bool{}
	for _, r := range first.all() {
		before[r.meta["revel_object_id"]] = true
	}
	perObject := map[string]int{}
	for _, r := range second.all() {
		id := r.meta["revel_object_id"]
		if before[id] {
			t.Fatalf("object %s, acknowledged before the crash, was delivered again", id)
		}
		perObject[id]++
	}
	if len(perObject) != 700 || second.count() != 700 {
		t.Fatalf("after the crash %d messages for %d objects, want the 700 unacknowledged once each", second.count(), len(perObject))
	}
	return perObject
}

func TestFaultsAreRetriedWithoutLoss(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	want := map[string]int{}
	for i := 0; i < 350; i++ {
		want[fmt.Sprintf("employees/%d/CREATED", sim.Insert("Employee", nil))] = 1
	}
	var mu sync.Mutex
	var throttledAt, retriedAt time.Time
	sim.OnRequest(func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !throttledAt.IsZero() && retriedAt.IsZero() {
			retriedAt = time.Now()
		}
	})
	second := func(r *http.Request) bool { return r.URL.Query().Get("id__gt") == "100" }
	sim.InjectFault(revelsim.Fault{Status: http.StatusInternalServerError, Match: second})
	sim.InjectFault(revelsim.Fault{Status: http.StatusBadGateway, Match: second})
	sim.InjectFault(revelsim.Fault{Truncate: true, Match: second})
	sim.InjectFault(revelsim.Fault{Delay: time.Minute, Match: second})
	sim.InjectFault(revelsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Match: func(r *http.Request) bool {
		if r.URL.Query().Get("id__gt") != "200" {
			return false
		}
		mu.Lock()
		throttledAt = time.Now()
		mu.Unlock()
		return true
	}})
	out := &sink{}
	// One page at a time: id ranges read side by side have requests on
	// their way when the 429 is sent (TestBackfillRangesObeyOneRetryAfter).
	run(t, pollerConf(base, t.TempDir(), "    timeout: 300ms\n    backfill_concurrency: 1\n", resource("employees", "/resources/Employee/", "")), out)
	eventually(t, func() string { return fmt.Sprintf("%d of 350", out.count()) }, func() bool { return out.count() >= 350 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%d deliveries, %d distinct; want 350 each once", out.count(), len(got))
	}
	mu.Lock()
	gap := retriedAt.Sub(throttledAt)
	mu.Unlock()
	if throttledAt.IsZero() || gap < time.Second {
		t.Fatalf("request after the 429 came %v after it, before its Retry-After of 1s", gap)
	}
}

func TestForeignNextLinkNeverReceivesCredentials(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 150; i++ {
		sim.Insert("Employee", nil)
	}
	foreign, foreignURL := startSim(t, revelsim.Options{APIKey: "other", APISecret: "tenant"})
	sim.InjectFault(revelsim.Fault{ForeignNext: foreignURL})
	out := &sink{}
	p := run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", "paging: offset")), out)
	eventually(t, func() string { return fmt.Sprintf("%d of 150", out.count()) }, func() bool { return out.count() >= 150 })
	if n := len(foreign.Requests()); n != 0 {
		t.Fatalf("the foreign origin received %d requests", n)
	}
	if !strings.Contains(p.logs.String(), "not following a link or redirect off the configured origin") {
		t.Fatalf("the refused link was not logged:\n%s", p.logs.String())
	}
}

func TestRejectedCredentialsAreLoggedWithoutSecrets(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{APIKey: "right", APISecret: "other-secret"})
	sim.Insert("Employee", nil)
	out := &sink{}
	p := run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", "")), out)
	eventually(t, func() string { return p.logs.String() }, func() bool {
		return strings.Contains(p.logs.String(), "Revel rejected the credentials")
	})
	eventually(t, func() string { return "retries" }, cycles(sim, "/resources/Employee/", 3))
	logs := p.logs.String()
	if !strings.Contains(logs, "resource=employees") || !strings.Contains(logs, "api_key and api_secret") {
		t.Fatalf("401 log does not say what to fix:\n%s", logs)
	}
	for _, secret := range []string{apiSecret, "other-secret"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain the secret %q:\n%s", secret, logs)
		}
	}
	if out.count() != 0 {
		t.Fatalf("%d messages delivered with rejected credentials", out.count())
	}
}

func TestCorruptCheckpointFailsLoudly(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", nil)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "revel_poller.employees"), []byte(`{"version":1,"cursor":"2026-`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &sink{}
	p := run(t, pollerConf(base, dir, "", resource("employees", "/resources/Employee/", "")), out)
	eventually(t, func() string { return p.logs.String() }, func() bool {
		return strings.Count(p.logs.String(), "corrupt checkpoint") >= 2
	})
	if !strings.Contains(p.logs.String(), "revel_poller.employees") {
		t.Fatalf("the error does not name the checkpoint key:\n%s", p.logs.String())
	}
	if n := len(sim.Requests()); n != 0 || out.count() != 0 {
		t.Fatalf("polled %d times and delivered %d messages from a corrupt checkpoint", n, out.count())
	}
}

func TestAutumnRepeatedHourLosesNothing(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Date(2025, 11, 2, 1, 50, 0, 0, la) // first pass, PDT
	sim, base := startSim(t, revelsim.Options{Clock: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}})
	first := sim.Insert("TimeSheetEntry", nil)
	out := &sink{}
	conf := pollerConf(base, t.TempDir(), "", resource("timesheets", "/resources/TimeSheetEntry/", ""))
	run(t, conf, out)
	eventually(t, func() string { return "first pass" }, func() bool { return out.count() == 1 })

	mu.Lock()
	now = now.Add(40 * time.Minute) // 01:30 PST: the wall clock reads earlier than before
	mu.Unlock()
	second := sim.Insert("TimeSheetEntry", nil)
	if err := sim.Update("TimeSheetEntry", first, map[string]any{"clock_out": "2025-11-02T01:25:00"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() >= 3 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/TimeSheetEntry/", 5))
	want := map[string]int{
		fmt.Sprintf("timesheets/%d/CREATED", first): 1, fmt.Sprintf("timesheets/%d/CREATED", second): 1,
		fmt.Sprintf("timesheets/%d/UPDATED", first): 1,
	}
	if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	// After the clocks went back, the query reached back to the start of
	// the repeated hour.
	widened := false
	for _, r := range sim.Requests() {
		if r.Query.Get("updated_date__gte") == "2025-11-02T01:00:00.000000" {
			widened = true
		}
	}
	if !widened {
		t.Fatal("no query reached back to 01:00:00, the start of the repeated hour")
	}
}

func TestEventsPerMessageGroupsRecordsOfOneResource(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 7; i++ {
		sim.Insert("Employee", nil)
	}
	out := &sink{}
	run(t, pollerConf(base, "", "    events_per_message: 3\n", resource("employees", "/resources/Employee/", "")), out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return len(out.changes()) == 7 })
	sizes := []int{}
	for _, r := range out.all() {
		var raw []map[string]any
		if err := json.Unmarshal(r.n.Message.Raw["employees"], &raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) != len(r.n.Message.Events) {
			t.Fatalf("raw holds %d records for %d events", len(raw), len(r.n.Message.Events))
		}
		for i, e := range r.n.Message.Events {
			if fmt.Sprint(raw[i]["id"]) != e.ObjectID {
				t.Fatalf("raw record %d is %v, event is for %s", i, raw[i]["id"], e.ObjectID)
			}
		}
		if r.meta["revel_object_id"] != r.n.Message.Events[0].ObjectID {
			t.Fatalf("metadata describes %s, not the first event", r.meta["revel_object_id"])
		}
		sizes = append(sizes, len(r.n.Message.Events))
	}
	if fmt.Sprint(sizes) != "[3 3 1]" {
		t.Fatalf("notification sizes = %v, want [3 3 1]", sizes)
	}
}

func TestRecordWithoutUsableDateIsEmittedOncePerVersion(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	good := sim.Insert("Employee", map[string]any{"changed_at": "2026-06-01T12:00:00"})
	bad := sim.Insert("Employee", map[string]any{"changed_at": "last tuesday"})
	missing := sim.Insert("Employee", nil)
	out := &sink{}
	// No date filter: every poll returns all three records.
	p := run(t, pollerConf(base, "", "", `employees:
  url: /resources/Employee/
  id_field: id
  dates_configuration:
    updated_date_field: changed_at
    updated_date_format: yyyy-MM-dd'T'HH:mm:ss
    updated_date_timezone: UTC
    created_date_field: ""`), out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 3 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	want := map[string]int{}
	for _, id := range []int64{good, bad, missing} {
		want[fmt.Sprintf("employees/%d/UPDATED", id)] = 1
	}
	if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	logs := p.logs.String()
	for _, id := range []int64{bad, missing} {
		if !strings.Contains(logs, fmt.Sprintf("record %d has no usable updated time", id)) {
			t.Fatalf("record %d was not logged:\n%s", id, logs)
		}
	}

	// Undated records do not freeze: each edit is a new version, delivered
	// once, beside the dated record's edit.
	for id, fields := range map[int64]map[string]any{
		bad: {"changed_at": "next tuesday"}, missing: {"first_name": "Edited"}, good: {"changed_at": "2026-06-02T12:00:00"},
	} {
		if err := sim.Update("Employee", id, fields); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 6 })
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	for _, id := range []int64{good, bad, missing} {
		want[fmt.Sprintf("employees/%d/UPDATED", id)] = 2
	}
	if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after edits changes = %v, want %v", got, want)
	}
	ids := map[string]bool{}
	for _, r := range out.all() {
		ids[r.n.ID] = true
	}
	if len(ids) != 6 {
		t.Fatalf("%d distinct event ids for 6 changes", len(ids))
	}
}

func TestStopIsPromptDuringALongRetryAfter(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	throttled := make(chan struct{}, 1)
	sim.InjectFault(revelsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600", Match: func(*http.Request) bool {
		select {
		case throttled <- struct{}{}:
		default:
		}
		return true
	}})
	p := run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", "")), &sink{})
	<-throttled
	if err := p.stream.StopWithin(5 * time.Second); err != nil {
		t.Fatalf("stop while waiting out a Retry-After of an hour: %v", err)
	}
	<-p.done
	p.stream = nil
}

func TestCloudEventsFormat(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	id := sim.Insert("Employee", map[string]any{"first_name": "Ana"})
	out := &sink{}
	run(t, pollerConf(base, "", "    format: cloudevents\n", resource("employees", "/resources/Employee/", "")), out)
	eventually(t, func() string { return "first event" }, func() bool { return out.count() == 1 })
	if err := sim.Update("Employee", id, map[string]any{"first_name": "Ana María"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return "second event" }, func() bool { return out.count() == 2 })

	for i, wantType := range []string{"com.revelsystems.employees.created", "com.revelsystems.employees.updated"} {
		r := out.all()[i]
		var ce struct {
			SpecVersion, ID, Source, Type, Subject, Time, DataContentType string
			Data                                                          map[string]any
		}
		if err := json.Unmarshal(r.body, &ce); err != nil {
			t.Fatal(err)
		}
		if ce.SpecVersion != "1.0" || ce.Type != wantType || ce.Subject != fmt.Sprint(id) || ce.Source != base+"/employees" ||
			ce.DataContentType != "application/json" || ce.ID != r.meta["revel_event_id"] || fmt.Sprint(ce.Data["id"]) != fmt.Sprint(id) {
			t.Errorf("event %d = %s", i, r.body)
		}
		if _, err := time.Parse(time.RFC3339Nano, ce.Time); err != nil || ce.Time != r.meta["revel_event_date"] {
			t.Errorf("time %q, metadata date %q", ce.Time, r.meta["revel_event_date"])
		}
		for _, p := range []string{"ce_", "ce-"} {
			if r.meta[p+"id"] != ce.ID || r.meta[p+"type"] != ce.Type || r.meta[p+"source"] != ce.Source ||
				r.meta[p+"subject"] != ce.Subject || r.meta[p+"time"] != ce.Time || r.meta[p+"specversion"] != "1.0" {
				t.Errorf("binary-mode metadata %s* = %v", p, r.meta)
			}
		}
	}
}

func TestTrackingByCreatedDate(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	var ids []int64
	for i := 0; i < 3; i++ {
		ids = append(ids, sim.Insert("Payment", nil))
	}
	out := &sink{}
	run(t, pollerConf(base, "", "", `payments:
  url: /resources/Payment/?created_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
  id_field: id
  filter_by_updated_date: false
  dates_configuration:
    updated_date_field: ""
    created_date_timezone: America/Los_Angeles`), out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 3 })
	// An edit does not change the created time, so it is not a new change.
	if err := sim.Update("Payment", ids[0], map[string]any{"tip": 2.5}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Payment/", 5))
	want := map[string]int{}
	for _, id := range ids {
		want[fmt.Sprintf("payments/%d/CREATED", id)] = 1
	}
	if got := out.changes(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
}

func TestFilterByCurrentDateLeavesLaterChangesToALaterCycle(t *testing.T) {
	// The tenant's clock runs an hour ahead: every record looks changed
	// after the poll started.
	sim, base := startSim(t, revelsim.Options{Clock: func() time.Time { return time.Now().Add(time.Hour) }})
	sim.Insert("Employee", nil)
	held := &sink{}
	run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", "filter_by_current_date: true")), held)
	eventually(t, func() string { return "polls" }, cycles(sim, "/resources/Employee/", 5))
	if held.count() != 0 {
		t.Fatalf("%d events emitted for a change dated after the cycle began", held.count())
	}
	passed := &sink{}
	run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", "")), passed)
	eventually(t, func() string { return "emitted without the filter" }, func() bool { return passed.count() == 1 })
}
