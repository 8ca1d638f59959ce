package poller

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/record"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// stepConf polls employees by updated_date in UTC, to the second.
const stepConf = `
subdomain: acme
api_key: k
api_secret: s
resources:
  employees:
    url: /resources/Employee/?updated_date__gte=${{DateTimeZone:UTC:yyyy-MM-dd'T'HH:mm:ss}}
    id_field: id
    filter_by_current_date: %v
    dates_configuration:
      updated_date_timezone: UTC
      created_date_timezone: UTC
`

// at is 2026-06-01 at hh:mm UTC; ns is the same as a Seen version.
func at(hhmm string) time.Time {
	t, err := time.Parse(time.RFC3339, "2026-06-01T"+hhmm+":00Z")
	if err != nil {
		panic(err)
	}
	return t
}

func ns(hhmm string) int64 { return at(hhmm).UnixNano() }

// rec is an Employee record as Revel sends it.
func rec(id int, created, updated string) string {
	return fmt.Sprintf(`{"id": %d, "created_date": "2026-06-01T%s:00", "updated_date": "2026-06-01T%s:00"}`, id, created, updated)
}

// undatedA and undatedB are two versions of a record whose updated time
// cannot be read.
const (
	undatedA = `{"id": 5, "created_date": "2026-06-01T10:00:00", "updated_date": "soon"}`
	undatedB = `{"id": 5, "created_date": "2026-06-01T10:00:00", "updated_date": "later"}`
)

// undated is the Seen version of an undated record's text.
func undated(raw string) int64 { return undatedVersion((&record.Fields{}).Read(raw).RawHash) }

// stepResult is what a table row checks of a step's output.
type stepResult struct {
	Events     []string // "TYPE id"
	Seen       map[string]int64
	MaxUpdated time.Time // of the cycle; zero once finished
	Finished   bool
	Cursor     time.Time
	Suppressed int
	Outside    int
	Notes      []string // kinds
}

func TestPageStep(t *testing.T) {
	for _, tc := range []struct {
		name        string
		currentOnly bool // filter_by_current_date
		prevSeen    map[string]int64
		cycleSeen   map[string]int64
		objects     []string
		done        bool
		want        stepResult
	}{
		{name: "new record", objects: []string{rec(1, "10:30", "10:30")},
			want: stepResult{Events: []string{"CREATED 1"}, Seen: map[string]int64{"1": ns("10:30")}, MaxUpdated: at("10:30")}},
		{name: "edit of a record an earlier cycle delivered", prevSeen: map[string]int64{"1": ns("10:00")}, objects: []string{rec(1, "09:00", "10:30")},
			want: stepResult{Events: []string{"UPDATED 1"}, Seen: map[string]int64{"1": ns("10:30")}, MaxUpdated: at("10:30")}},
		{name: "change an earlier cycle delivered", prevSeen: map[string]int64{"1": ns("10:30")}, objects: []string{rec(1, "10:30", "10:30")},
			want: stepResult{Seen: map[string]int64{"1": ns("10:30")}, MaxUpdated: at("10:30"), Suppressed: 1}},
		{name: "change delivered earlier in this cycle", cycleSeen: map[string]int64{"1": ns("10:30")}, objects: []string{rec(1, "10:30", "10:30")},
			want: stepResult{Seen: map[string]int64{"1": ns("10:30")}, MaxUpdated: at("10:30"), Suppressed: 1}},
		{name: "row listed twice", objects: []string{rec(1, "10:30", "10:30"), rec(1, "10:30", "10:30")},
			want: stepResult{Events: []string{"CREATED 1"}, Seen: map[string]int64{"1": ns("10:30")}, MaxUpdated: at("10:30"), Suppressed: 1}},
		{name: "edit of a record created this cycle", cycleSeen: map[string]int64{"1": ns("10:30")}, objects: []string{rec(1, "10:30", "11:00")},
			want: stepResult{Events: []string{"UPDATED 1"}, Seen: map[string]int64{"1": ns("11:00")}, MaxUpdated: at("11:00")}},
		{name: "at the window's lower bound: inclusive", objects: []string{rec(1, "10:00", "10:00")},
			want: stepResult{Events: []string{"CREATED 1"}, Seen: map[string]int64{"1": ns("10:00")}, MaxUpdated: at("10:00")}},
		{name: "older than the window: the API ignored the date filter", objects: []string{rec(1, "09:00", "09:30"), rec(2, "09:00", "09:40"), rec(3, "10:20", "10:20")},
			want: stepResult{Events: []string{"CREATED 3"}, Seen: map[string]int64{"3": ns("10:20")}, MaxUpdated: at("10:20"), Outside: 2, Notes: []string{"outside_window"}}},
		{name: "no usable date", objects: []string{undatedA},
			want: stepResult{Events: []string{"UPDATED 5"}, Seen: map[string]int64{"5": undated(undatedA)}, MaxUpdated: at("10:00"), Notes: []string{"no_version"}}},
		{name: "no usable date, unchanged", prevSeen: map[string]int64{"5": undated(undatedA)}, objects: []string{undatedA},
			want: stepResult{Seen: map[string]int64{"5": undated(undatedA)}, MaxUpdated: at("10:00"), Suppressed: 1}},
		{name: "no usable date, edited: a new version", prevSeen: map[string]int64{"5": undated(undatedA)}, objects: []string{undatedB},
			want: stepResult{Events: []string{"UPDATED 5"}, Seen: map[string]int64{"5": undated(undatedB)}, MaxUpdated: at("10:00"), Notes: []string{"no_version"}}},
		{name: "no usable date, as earlier releases saved it", prevSeen: map[string]int64{"5": 0}, objects: []string{undatedA},
			want: stepResult{Seen: map[string]int64{"5": undated(undatedA)}, MaxUpdated: at("10:00"), Suppressed: 1}},
		{name: "last page keeps undated versions the query returned", done: true, cycleSeen: map[string]int64{"5": undated(undatedA)},
			want: stepResult{Seen: map[string]int64{"5": undated(undatedA)}, Finished: true, Cursor: at("10:00")}},
		{name: "no id", objects: []string{`{"created_date": "2026-06-01T10:30:00", "updated_date": "2026-06-01T10:30:00"}`},
			want: stepResult{Events: []string{"CREATED "}, Seen: map[string]int64{}, MaxUpdated: at("10:30"), Notes: []string{"no_id"}}},
		{name: "dated in the future", objects: []string{rec(1, "12:30", "12:30")},
			want: stepResult{Events: []string{"CREATED 1"}, Seen: map[string]int64{"1": ns("12:30")}, MaxUpdated: at("12:30"), Notes: []string{"future"}}},
		{name: "filter_by_current_date leaves changes after the start", currentOnly: true, objects: []string{rec(1, "11:59", "11:59"), rec(2, "12:01", "12:01")},
			want: stepResult{Events: []string{"CREATED 1"}, Seen: map[string]int64{"1": ns("11:59")}, MaxUpdated: at("11:59")}},
		{name: "mid-cycle: changes the next query cannot return are pruned", cycleSeen: map[string]int64{"2": ns("10:05"), "3": 0}, objects: []string{rec(1, "10:30", "10:30")},
			want: stepResult{Events: []string{"CREATED 1"}, Seen: map[string]int64{"1": ns("10:30"), "3": 0}, MaxUpdated: at("10:30")}},
		{name: "last page finishes the cycle", done: true, prevSeen: map[string]int64{"9": ns("10:00")}, cycleSeen: map[string]int64{"8": ns("10:40")},
			objects: []string{rec(1, "10:30", "10:30")},
			want:    stepResult{Events: []string{"CREATED 1"}, Seen: map[string]int64{"1": ns("10:30"), "8": ns("10:40")}, Finished: true, Cursor: at("10:30")}},
		{name: "last page: the cursor never passes the cycle's start", done: true, objects: []string{rec(1, "12:30", "12:30")},
			want: stepResult{Events: []string{"CREATED 1"}, Seen: map[string]int64{"1": ns("12:30")}, Finished: true, Cursor: at("12:00"), Notes: []string{"future"}}},
		{name: "empty last page keeps the cursor", done: true, prevSeen: map[string]int64{"9": ns("10:00")},
			want: stepResult{Seen: map[string]int64{"9": ns("10:00")}, Finished: true, Cursor: at("10:00")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, fmt.Sprintf(stepConf, tc.currentOnly))
			if err != nil {
				t.Fatal(err)
			}
			prev := &checkpoint.State{Cursor: at("10:00"), Seen: orEmpty(tc.prevSeen)}
			cy := &checkpoint.Cycle{From: at("10:00"), Started: at("12:00"), MaxUpdated: at("10:00"), Paging: revelapi.Keyset, Seen: orEmpty(tc.cycleSeen)}
			prevSeen, cycleSeen := maps.Clone(prev.Seen), maps.Clone(cy.Seen)

			out := pageStep(c.resources[0], 42, prev, cy, pageRead{objects: tc.objects, mode: revelapi.Keyset,
				pos: revelapi.Position{AfterID: "7"}, done: tc.done, pollDate: at("12:00")})

			got := stepResult{Suppressed: out.suppressed, Outside: out.outside, Seen: out.state.Seen}
			for _, e := range out.events {
				got.Events = append(got.Events, string(e.Type)+" "+e.ObjectID)
			}
			for _, n := range out.notes {
				got.Notes = append(got.Notes, n.kind)
			}
			if out.state.Cycle == nil {
				got.Finished, got.Cursor = true, out.state.Cursor
			} else {
				got.Seen, got.MaxUpdated = out.state.Cycle.Seen, out.state.Cycle.MaxUpdated
				if out.state.Cycle.AfterID != "7" || out.state.Cycle.Paging != revelapi.Keyset {
					t.Errorf("cycle position = %s %q, want the pager's", out.state.Cycle.Paging, out.state.Cycle.AfterID)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("step (-want +got):\n%s", diff)
			}
			if !maps.Equal(prev.Seen, prevSeen) || !maps.Equal(cy.Seen, cycleSeen) {
				t.Errorf("the step modified its inputs")
			}
		})
	}
}

func orEmpty(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// A url pattern with fewer digits than Revel's dates renders the bound
// rounded down, so the API rightly returns rows a little before it; they
// are in the window, not a sign that the API ignores the date filter.
func TestPageStepBoundRoundedDown(t *testing.T) {
	c, err := parse(t, strings.Replace(fmt.Sprintf(stepConf, false), "HH:mm:ss}}", "HH:mm:ss.SSS}}", 1))
	if err != nil {
		t.Fatal(err)
	}
	from := at("10:00").Add(600 * time.Microsecond) // rendered 10:00:00.000
	row := func(id int, micros int) string {
		return fmt.Sprintf(`{"id": %d, "created_date": "2026-06-01T10:00:00.%06d", "updated_date": "2026-06-01T10:00:00.%06d"}`, id, micros, micros)
	}
	prev := &checkpoint.State{Cursor: from, Seen: map[string]int64{"1": at("10:00").Add(300 * time.Microsecond).UnixNano()}}
	cy := &checkpoint.Cycle{From: from, Started: at("12:00"), MaxUpdated: from, Paging: revelapi.Keyset, Seen: map[string]int64{}}
	out := pageStep(c.resources[0], 42, prev, cy, pageRead{objects: []string{row(1, 300), row(2, 400)}, mode: revelapi.Keyset, pollDate: at("12:00")})
	var got []string
	for _, e := range out.events {
		got = append(got, string(e.Type)+" "+e.ObjectID)
	}
	if out.outside != 0 || len(out.notes) != 0 || out.suppressed != 1 || !slices.Equal(got, []string{"CREATED 2"}) {
		t.Errorf("events %v, suppressed %d, outside %d, notes %v; want [CREATED 2], 1 suppressed (row 1 delivered before), none outside, no notes",
			got, out.suppressed, out.outside, out.notes)
	}
}

// Seen outlives the page; its keys must not be substrings of the page's
// body, or every resource keeps its last page alive between polls.
func TestPageStepSeenKeysDoNotKeepThePage(t *testing.T) {
	c, err := parse(t, fmt.Sprintf(stepConf, false))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"id": "e17", "created_date": "2026-06-01T10:00:00", "updated_date": "2026-06-01T10:00:00"}`
	cy := &checkpoint.Cycle{From: at("09:00"), Started: at("12:00"), MaxUpdated: at("09:00"), Paging: revelapi.Keyset, Seen: map[string]int64{}}
	out := pageStep(c.resources[0], 42, &checkpoint.State{Cursor: at("09:00")}, cy, pageRead{objects: []string{body}, mode: revelapi.Keyset, pollDate: at("12:00")})
	if len(out.state.Cycle.Seen) != 1 {
		t.Fatalf("seen = %v, want e17", out.state.Cycle.Seen)
	}
	start := uintptr(unsafe.Pointer(unsafe.StringData(body)))
	for id := range out.state.Cycle.Seen {
		if p := uintptr(unsafe.Pointer(unsafe.StringData(id))); p >= start && p < start+uintptr(len(body)) {
			t.Errorf("seen key %q points into the page body", id)
		}
	}
}
