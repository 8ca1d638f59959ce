package poller

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

func TestSplitWays(t *testing.T) {
	page := func(rows, total int) *revelapi.Page {
		return &revelapi.Page{Objects: make([]string, rows), TotalCount: total, HasTotal: total >= 0}
	}
	for _, tc := range []struct {
		name        string
		concurrency int
		mode        revelapi.Paging
		page        *revelapi.Page
		want        int
	}{
		{"off", 1, revelapi.Keyset, page(100, 10000), 0},
		{"backlog", 4, revelapi.Keyset, page(100, 10000), 4},
		{"offset paging never splits", 4, revelapi.Offset, page(100, 10000), 0},
		{"last page", 4, revelapi.Keyset, page(100, 100), 0},
		{"one page left: nothing to gain", 4, revelapi.Keyset, page(100, 200), 0},
		{"fewer pages left than ranges", 4, revelapi.Keyset, page(100, 400), 3},
		{"no total_count: a full page is a backlog", 4, revelapi.Keyset, page(100, -1), 4},
		{"no total_count: a short page is not", 4, revelapi.Keyset, page(60, -1), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := splitWays(tc.concurrency, tc.mode, tc.page, 100); got != tc.want {
				t.Errorf("splitWays = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestSplitAfter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after string
		last  lastID
		want  int // ranges
	}{
		{"probed", "200", lastID{id: 1000, ok: true}, 4},
		{"no row", "200", lastID{}, 0},
		{"probe failed", "200", lastID{id: 1000, ok: true, err: errors.New("400")}, 0},
		{"id not a number", "abc", lastID{id: 1000, ok: true}, 0},
	} {
		if got := len(splitAfter(tc.after, tc.last, 4)); got != tc.want {
			t.Errorf("%s: %d ranges, want %d", tc.name, got, tc.want)
		}
	}
}

func TestSplitIDs(t *testing.T) {
	ks := revelapi.Keyset
	for _, tc := range []struct {
		name        string
		after, last int64
		n           int
		want        []checkpoint.Slice
	}{
		{"even", 200, 1000, 4, []checkpoint.Slice{
			{After: "200", UpTo: "400", AfterID: "200", Paging: ks},
			{After: "400", UpTo: "600", AfterID: "400", Paging: ks},
			{After: "600", UpTo: "800", AfterID: "600", Paging: ks},
			{After: "800", AfterID: "800", Paging: ks}, // open: rows inserted meanwhile
		}},
		{"uneven span", 0, 10, 3, []checkpoint.Slice{
			{After: "0", UpTo: "3", AfterID: "0", Paging: ks},
			{After: "3", UpTo: "6", AfterID: "3", Paging: ks},
			{After: "6", AfterID: "6", Paging: ks},
		}},
		{"fewer ids than ranges", 10, 13, 8, []checkpoint.Slice{
			{After: "10", UpTo: "11", AfterID: "10", Paging: ks},
			{After: "11", UpTo: "12", AfterID: "11", Paging: ks},
			{After: "12", AfterID: "12", Paging: ks},
		}},
		{"nothing above", 1000, 1000, 4, nil},
		{"one id above", 999, 1000, 4, nil},
		{"last below after (rows deleted)", 1000, 900, 4, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, splitIDs(tc.after, tc.last, tc.n), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("splitIDs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSliceQuery(t *testing.T) {
	for _, tc := range []struct {
		query string
		s     checkpoint.Slice
		want  string
	}{
		{"/resources/Employee/?updated_date__gte=x", checkpoint.Slice{After: "10", UpTo: "20"}, "/resources/Employee/?updated_date__gte=x&id__gt=10&id__lte=20"},
		{"/resources/Employee/?updated_date__gte=x", checkpoint.Slice{After: "20"}, "/resources/Employee/?updated_date__gte=x&id__gt=20"},
		{"/resources/Employee/", checkpoint.Slice{After: "0", UpTo: "5"}, "/resources/Employee/?id__gt=0&id__lte=5"},
	} {
		if got := sliceQuery(tc.query, tc.s); got != tc.want {
			t.Errorf("sliceQuery(%q, %+v) = %q, want %q", tc.query, tc.s, got, tc.want)
		}
	}
}

// A split cycle's page moves its own slice only, and finishes the cycle
// only when it is the last page of the last unfinished slice.
func TestPageStepInASplitCycle(t *testing.T) {
	c, err := parse(t, fmt.Sprintf(stepConf, false))
	if err != nil {
		t.Fatal(err)
	}
	ks := revelapi.Keyset
	split := []checkpoint.Slice{
		{After: "100", UpTo: "200", AfterID: "100", Paging: ks},
		{After: "200", AfterID: "200", Paging: ks, Done: true},
	}
	for _, tc := range []struct {
		name      string
		sliceDone bool
		done      bool
		want      []checkpoint.Slice // nil: the cycle finished
	}{
		{"a page of an unfinished slice", false, false, []checkpoint.Slice{
			{After: "100", UpTo: "200", AfterID: "150", Paging: ks},
			{After: "200", AfterID: "200", Paging: ks, Done: true},
		}},
		{"the last slice's last page", true, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prev := &checkpoint.State{Cursor: at("10:00"), Seen: map[string]int64{}}
			cy := &checkpoint.Cycle{From: at("10:00"), Started: at("12:00"), MaxUpdated: at("10:00"), Paging: ks,
				AfterID: "100", Seen: map[string]int64{}, Slices: split}
			out := pageStep(c.resources[0], 42, prev, cy, pageRead{objects: []string{rec(150, "10:30", "10:30")}, mode: ks,
				pos: revelapi.Position{AfterID: "150"}, done: tc.done, pollDate: at("12:00"), slice: 0, sliceDone: tc.sliceDone})
			if len(out.events) != 1 {
				t.Fatalf("%d events, want 1", len(out.events))
			}
			var got []checkpoint.Slice
			if out.state.Cycle != nil {
				got = out.state.Cycle.Slices
				if out.state.Cycle.AfterID != "100" {
					t.Errorf("the split cycle's own position moved to %q", out.state.Cycle.AfterID)
				}
			} else if out.state.Cursor != at("10:30") {
				t.Errorf("finished at cursor %s, want 10:30", out.state.Cursor)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("slices (-want +got):\n%s", diff)
			}
			if split[0].AfterID != "100" {
				t.Errorf("the step modified its input's slices")
			}
		})
	}
}

func TestLastSlice(t *testing.T) {
	s := []checkpoint.Slice{{Done: true}, {}, {Done: true}}
	if !lastSlice(s, 1) {
		t.Error("slice 1 is the only one unfinished: its last page ends the cycle")
	}
	if lastSlice(s, 0) {
		t.Error("slice 1 is unfinished: slice 0's last page does not end the cycle")
	}
}
