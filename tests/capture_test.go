package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// versions counts deliveries per change: objectId@updated_date of the
// record each event carries.
func (s *sink) versions(objectType string) map[string]int {
	out := map[string]int{}
	for _, r := range s.all() {
		var records []struct {
			ID      json.Number `json:"id"`
			Updated string      `json:"updated_date"`
		}
		if err := json.Unmarshal(r.n.Message.Raw[objectType], &records); err != nil {
			continue
		}
		for _, rec := range records {
			out[rec.ID.String()+"@"+rec.Updated]++
		}
	}
	return out
}

// liveVersions is every Employee the simulator holds now, as
// objectId@updated_date: the changes that must each be delivered once.
func liveVersions(sim *revelsim.Server) map[string]bool {
	want := map[string]bool{}
	for id := int64(1); id <= 200; id++ {
		if r, ok := sim.Get("Employee", id); ok {
			want[fmt.Sprintf("%d@%s", id, r["updated_date"])] = true
		}
	}
	return want
}

// exactlyOnce fails unless every change in want was delivered once and no
// change (want or not: an earlier version of an edited row) more than once.
func exactlyOnce(t *testing.T, got map[string]int, want map[string]bool) {
	t.Helper()
	var problems []string
	for v := range want {
		if got[v] != 1 {
			problems = append(problems, fmt.Sprintf("%s delivered %d times", v, got[v]))
		}
	}
	for v, n := range got {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("%s delivered %d times", v, n))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Fatalf("not exactly once:\n%s", strings.Join(problems, "\n"))
	}
}

func delivered(out *sink, want map[string]bool) func() bool {
	return func() bool {
		got := out.versions("employees")
		for v := range want {
			if got[v] == 0 {
				return false
			}
		}
		return true
	}
}

func missing(out *sink, want map[string]bool) func() string {
	return func() string {
		got := out.versions("employees")
		var m []string
		for v := range want {
			if got[v] == 0 {
				m = append(m, v)
			}
		}
		sort.Strings(m)
		return fmt.Sprintf("%d of %d changes delivered; missing %v", len(want)-len(m), len(want), m)
	}
}

// warnings returns the WARN lines about the employees resource in logs.
func warnings(logs string) []string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, "resource=employees") {
			out = append(out, l)
		}
	}
	return out
}

// Every simulator profile, polled end to end: each distinct change is
// delivered exactly once, and what was worked around is said once.
func TestEveryMisbehaviourProfileDeliversEachChangeOnce(t *testing.T) {
	for _, tc := range []struct {
		profile  string
		churn    int    // overrides the profile's unbounded churn
		extra    string // resource config
		wantWarn string // "" = no paging WARN
	}{
		{profile: "ignores-order-by", extra: "page_size: 4", wantWarn: "ignores order_by=id"},
		{profile: "rejects-id-gt", extra: "page_size: 4", wantWarn: "Revel refused id__gt"},
		{profile: "clamps-limit", extra: "page_size: 25", wantWarn: "Revel serves 10 rows a page where 25 were asked"},
		{profile: "repeats-row", extra: "page_size: 2", wantWarn: "Revel listed record 3 twice"},
		{profile: "ignores-offset", extra: "page_size: 4\npaging: offset", wantWarn: "ignores offset"},
		{profile: "drops-filters-from-next", extra: "page_size: 4\npaging: offset", wantWarn: "meta.next drops updated_date__gte"},
		// poll_delay 0s: rows made a moment ago are older than the window
		// only without the default minute of overlap.
		{profile: "ignores-date-filter", extra: "page_size: 8\npoll_delay: 0s", wantWarn: "the API ignores the date filter"},
		{profile: "churns", churn: 8, extra: "page_size: 4"},
		{profile: "churns", churn: 8, extra: "page_size: 4\npaging: offset", wantWarn: "rows moved between two page requests"},
	} {
		t.Run(tc.profile+"/"+strings.ReplaceAll(tc.extra, "\n", ","), func(t *testing.T) {
			quirks, err := revelsim.LookupProfile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			if tc.churn != 0 {
				quirks.Churn = tc.churn
			}
			sim, base := startSim(t, revelsim.Options{Quirks: quirks})
			for i := 0; i < 30; i++ {
				sim.Insert("Employee", nil)
			}
			// Edited rows move to the end of updated_date order.
			for _, id := range []int64{3, 7} {
				if err := sim.Update("Employee", id, map[string]any{"first_name": "Edited"}); err != nil {
					t.Fatal(err)
				}
			}
			out := &sink{}
			p := run(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", tc.extra)), out)
			// Churn deletes rows as it goes: what must arrive is what is
			// there when it has arrived.
			eventually(t, func() string { return missing(out, liveVersions(sim))() },
				func() bool { return delivered(out, liveVersions(sim))() })

			// A second round of changes reaches the next cycles once each.
			for _, id := range []int64{4, 12, 20} {
				if _, ok := sim.Get("Employee", id); ok {
					if err := sim.Update("Employee", id, map[string]any{"first_name": "Again"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			sim.Insert("Employee", nil)
			eventually(t, func() string { return missing(out, liveVersions(sim))() },
				func() bool { return delivered(out, liveVersions(sim))() })
			eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 6))
			exactlyOnce(t, out.versions("employees"), liveVersions(sim))

			warns := warnings(p.logs.String())
			if tc.wantWarn == "" {
				if len(warns) != 0 {
					t.Fatalf("unexpected paging warnings:\n%s", strings.Join(warns, "\n"))
				}
				return
			}
			n := 0
			for _, w := range warns {
				if strings.Contains(w, tc.wantWarn) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d WARN lines say %q, want one:\n%s", n, tc.wantWarn, p.logs.String())
			}
		})
	}
}

// order_by=updated_date in the url, limit 4, rows 1-8; after page 1 rows 1
// and 2 are edited. Every row arrives once, then the two edits.
func TestOrderByUpdatedDateWithRowsEditedBetweenPages(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 8; i++ {
		sim.Insert("Employee", nil)
	}
	var once sync.Once
	sim.OnRequest(func(r *http.Request) {
		if r.URL.Query().Get("offset") != "" && r.URL.Query().Get("offset") != "0" {
			once.Do(func() {
				for _, id := range []int64{1, 2} {
					if err := sim.Update("Employee", id, map[string]any{"first_name": "Edited"}); err != nil {
						t.Error(err)
					}
				}
			})
		}
	})
	before := liveVersions(sim)
	out := &sink{}
	conf := pollerConf(base, t.TempDir(), "", fmt.Sprintf(`employees:
  url: /resources/Employee/?order_by=updated_date&updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
  id_field: id
  page_size: 4
  dates_configuration:
    updated_date_timezone: America/Los_Angeles
    created_date_timezone: America/Los_Angeles
`))
	run(t, conf, out)
	eventually(t, missing(out, before), delivered(out, before))
	after := liveVersions(sim)
	eventually(t, missing(out, after), delivered(out, after))
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 6))
	for v := range after {
		before[v] = true
	}
	if len(before) != 10 {
		t.Fatalf("%d changes expected, want 8 rows and 2 edits: %v", len(before), before)
	}
	exactlyOnce(t, out.versions("employees"), before)
}

// Server max limit 4, page_size 10, no total_count, 12 rows: every row
// arrives, and the cursor has not jumped past later changes.
func TestClampedLimitWithoutTotalCount(t *testing.T) {
	for _, paging := range []string{"auto", "offset"} {
		t.Run(paging, func(t *testing.T) {
			sim, base := startSim(t, revelsim.Options{Quirks: revelsim.Quirks{ClampLimit: 4}})
			for i := 0; i < 12; i++ {
				sim.Insert("Employee", nil)
			}
			out := &sink{}
			run(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", "page_size: 10\npaging: "+paging)), out)
			want := liveVersions(sim)
			eventually(t, missing(out, want), delivered(out, want))
			if err := sim.Update("Employee", 2, map[string]any{"first_name": "Later"}); err != nil {
				t.Fatal(err)
			}
			for v := range liveVersions(sim) {
				want[v] = true
			}
			eventually(t, missing(out, want), delivered(out, want))
			eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 6))
			exactlyOnce(t, out.versions("employees"), want)
		})
	}
}

// Keyset paging whose page 2 (with id__gt) is answered 400: it falls back
// to offsets instead of retrying forever, remembers that in the
// checkpoint, and a cycle saved at id__gt=4 before a restart resumes.
func TestKeysetRefusedOnALaterPage(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{Quirks: revelsim.Quirks{RejectIDGT: true}})
	for i := 0; i < 8; i++ {
		sim.Insert("Employee", nil)
	}
	dir := t.TempDir()
	conf := pollerConf(base, dir, "", resource("employees", "/resources/Employee/", "page_size: 4\npaging: keyset"))
	want := liveVersions(sim)

	// A checkpoint saved mid-cycle after rows 1-4, at id__gt=4, by a
	// version that did not yet know the resource refuses id__gt.
	seen := map[string]int64{}
	zone, _ := time.LoadLocation("America/Los_Angeles")
	for id := int64(1); id <= 4; id++ {
		r, _ := sim.Get("Employee", id)
		v, err := time.ParseInLocation("2006-01-02T15:04:05.999999", r["updated_date"].(string), zone)
		if err != nil {
			t.Fatal(err)
		}
		seen[fmt.Sprint(id)] = v.UnixNano()
		delete(want, fmt.Sprintf("%d@%s", id, r["updated_date"]))
	}
	cycle, _ := json.Marshal(map[string]any{"from": "2000-01-01T00:00:00Z", "started": time.Now().UTC().Format(time.RFC3339Nano),
		"paging": "keyset", "after_id": "4", "seen": seen})
	file := filepath.Join(dir, "revel_poller.employees")
	if err := os.WriteFile(file, []byte(`{"version":1,"cursor":"","seen":{},"cycle":`+string(cycle)+`}`), 0o644); err != nil {
		t.Fatal(err)
	}

	out := &sink{}
	p := run(t, conf, out)
	eventually(t, missing(out, want), delivered(out, want))
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 6))
	exactlyOnce(t, out.versions("employees"), want)
	eventually(t, func() string { return "learned paging saved" }, func() bool {
		b, err := os.ReadFile(file)
		return err == nil && strings.Contains(string(b), `"paging":"offset","paging_why":"id_gt_rejected"`)
	})
	p.stop(t)
	if n := strings.Count(p.logs.String(), "Revel refused id__gt"); n != 1 {
		t.Fatalf("%d WARN lines about the 400, want 1:\n%s", n, p.logs.String())
	}

	// After a restart the resource pages by offset from the start: no
	// request is refused again, and new changes arrive once.
	sim.ResetRequests()
	sim.Insert("Employee", nil)
	if err := sim.Update("Employee", 6, map[string]any{"first_name": "Edited"}); err != nil {
		t.Fatal(err)
	}
	second := &sink{}
	run(t, conf, second)
	after := liveVersions(sim)
	for v := range out.versions("employees") {
		delete(after, v)
	}
	for id := int64(1); id <= 4; id++ { // delivered before the checkpoint
		r, _ := sim.Get("Employee", id)
		delete(after, fmt.Sprintf("%d@%s", id, r["updated_date"]))
	}
	if len(after) != 2 {
		t.Fatalf("want 2 new changes, have %v", after)
	}
	eventually(t, missing(second, after), delivered(second, after))
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 6))
	exactlyOnce(t, second.versions("employees"), after)
	for _, r := range sim.Requests() {
		if r.Status != http.StatusOK {
			t.Fatalf("after the restart %s?%s answered %d", r.Path, r.Query.Encode(), r.Status)
		}
	}
}

// Page 2 lists row 3 twice: every row is delivered once, rows 1 and 2 are
// not read again, and nothing falls back.
func TestRowListedTwiceIsDeliveredOnce(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{Quirks: revelsim.Quirks{DuplicateID: 3}})
	for i := 0; i < 8; i++ {
		d := fmt.Sprintf("2020-01-0%dT00:00:00", i+1)
		sim.Insert("Employee", map[string]any{"created_date": d, "updated_date": d})
	}
	out := &sink{}
	p := run(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", "page_size: 2")), out)
	want := liveVersions(sim)
	eventually(t, missing(out, want), delivered(out, want))
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 6))
	exactlyOnce(t, out.versions("employees"), want)
	if strings.Contains(p.logs.String(), "switching to") {
		t.Fatalf("a repeated row made paging fall back:\n%s", p.logs.String())
	}
}

// A cycle split over polls by max_requests_per_poll falls back in its
// second poll: the rows the first poll delivered are not delivered again,
// though their old dates keep them out of the cycle's Seen.
func TestFallbackInALaterPollOfOneCycle(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{Quirks: revelsim.Quirks{RejectIDGT: true}})
	for i := 0; i < 10; i++ {
		d := fmt.Sprintf("2020-01-%02dT00:00:00", i+1)
		sim.Insert("Employee", map[string]any{"created_date": d, "updated_date": d})
	}
	out := &sink{}
	p := run(t, pollerConf(base, t.TempDir(), "    max_requests_per_poll: 1\n", resource("employees", "/resources/Employee/", "page_size: 2\npaging: keyset")), out)
	want := liveVersions(sim)
	eventually(t, missing(out, want), delivered(out, want))
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 6))
	exactlyOnce(t, out.versions("employees"), want)
	if !strings.Contains(p.logs.String(), "Revel refused id__gt") || !strings.Contains(p.logs.String(), "backlog continues next poll") {
		t.Fatalf("the fallback did not come in a later poll of the cycle:\n%s", p.logs.String())
	}
}
