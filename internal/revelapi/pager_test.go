package revelapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/revelsim"
)

// drain pages through query and returns every record id in order, and the
// pager after its last page. between, if set, runs after each page but the
// last, with the number of pages read so far.
func drain(t *testing.T, c *Client, query string, limit int, mode Paging, from Position, between func(pages int), pager ...**Pager) ([]int64, *Pager) {
	t.Helper()
	p, err := c.NewPager(query, limit, mode, from)
	if err != nil {
		t.Fatal(err)
	}
	for _, pp := range pager {
		*pp = p
	}
	var ids []int64
	for pages := 1; ; pages++ {
		if pages > 1000 {
			t.Fatal("pager does not terminate")
		}
		page, err := p.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Objects {
			ids = append(ids, gjson.Get(o, "id").Int())
		}
		if p.Done() {
			if _, err := p.Next(context.Background()); !errors.Is(err, io.EOF) {
				t.Fatalf("Next after Done = %v, want io.EOF", err)
			}
			return ids, p
		}
		if between != nil {
			between(pages)
		}
	}
}

func wantEachOnce(t *testing.T, got []int64, want map[int64]bool) {
	t.Helper()
	seen := map[int64]int{}
	for _, id := range got {
		seen[id]++
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("id %d delivered %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if !want[id] {
			t.Errorf("id %d delivered %d times but not expected", id, n)
		}
	}
}

func seed(sim *revelsim.Server, n int) map[int64]bool {
	ids := map[int64]bool{}
	for i := 0; i < n; i++ {
		ids[sim.Insert("Employee", map[string]any{"active": true})] = true
	}
	return ids
}

func TestKeysetPaging(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	want := seed(sim, 250)
	c, _ := newClient(t, base, nil)
	ids, p := drain(t, c, "/resources/Employee/?active=true", 100, Keyset, Position{}, nil)
	wantEachOnce(t, ids, want)
	if p.Mode() != Keyset {
		t.Fatalf("mode = %s", p.Mode())
	}
	reqs := sim.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests for 250 rows at 100 a page", len(reqs))
	}
	last := reqs[2].Query
	if last.Get("order_by") != "id" || last.Get("id__gt") != "200" || last.Get("limit") != "100" || last.Get("active") != "true" {
		t.Fatalf("third request query = %v", last)
	}
	// Resuming after id 200 reads only the rest.
	rest, _ := drain(t, c, "/resources/Employee/", 100, Keyset, Position{AfterID: "200"}, nil)
	if len(rest) != 50 || rest[0] != 201 {
		t.Fatalf("resume read %d rows starting %v", len(rest), rest[:1])
	}
}

func TestKeysetIsImmuneToDeletesAndInsertsBetweenPages(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	want := seed(sim, 300)
	c, _ := newClient(t, base, nil)
	ids, _ := drain(t, c, "/resources/Employee/", 100, Keyset, Position{}, func(pages int) {
		if pages == 1 {
			// Delete two rows already read, add one.
			mustDelete(t, sim, 5, 50)
			want[sim.Insert("Employee", nil)] = true
		}
	})
	wantEachOnce(t, ids, want)
}
func TestOffsetPagingSurvivesRowsLeavingBetweenPages(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	want := seed(sim, 300)
	c, _ := newClient(t, base, nil)
	ids, p := drain(t, c, "/resources/Employee/", 100, Offset, Position{}, func(pages int) {
		if pages == 1 {
			// Hard-delete three rows already read: every later row shifts
			// back by three, and plain offset paging would skip three.
			mustDelete(t, sim, 3, 40, 77)
		}
	})
	wantEachOnce(t, ids, want)
	if p.Mode() != Offset {
		t.Fatalf("mode = %s", p.Mode())
	}
}

func mustDelete(t *testing.T, sim *revelsim.Server, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		if err := sim.Delete("Employee", id); err != nil {
			t.Fatal(err)
		}
	}
}
func TestOffsetPagingSuppressesRowsShiftedForward(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 10; i++ {
		sim.Insert("Employee", map[string]any{"created_date": "2020-01-01T00:00:00", "updated_date": "2020-01-01T00:00:00"})
	}
	want := seed(sim, 240)
	c, _ := newClient(t, base, nil)
	ids, _ := drain(t, c, "/resources/Employee/?updated_date__gte=2025-01-01T00:00:00", 100, Offset, Position{}, func(pages int) {
		if pages == 1 {
			// Row 5 is edited and enters the result ahead of the position:
			// every later row shifts forward by one. Row 5 itself belongs
			// to the next cycle.
			if err := sim.Update("Employee", 5, map[string]any{"first_name": "Edited"}); err != nil {
				t.Fatal(err)
			}
		}
	})
	wantEachOnce(t, ids, want)
}
func TestOffsetPagingFollowsClampedNextLinks(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{MaxLimit: 40})
	want := seed(sim, 130)
	c, _ := newClient(t, base, nil)
	ids, _ := drain(t, c, "/resources/Employee/", 100, Offset, Position{}, nil)
	wantEachOnce(t, ids, want)
	for _, r := range sim.Requests()[1:] {
		if r.Query.Get("limit") != "40" {
			t.Fatalf("request %v did not follow the clamped next link", r.Query)
		}
	}
}

func TestAutoPagingFallsBackWhenOrderingIsRejected(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{Ordering: revelsim.OrderingRejected})
	want := seed(sim, 120)
	c, _ := newClient(t, base, nil)
	ids, p := drain(t, c, "/resources/Employee/", 50, Auto, Position{}, nil)
	wantEachOnce(t, ids, want)
	if p.Mode() != Offset {
		t.Fatalf("mode = %s, want offset after the 400", p.Mode())
	}

	sim2, base2 := startSim(t, revelsim.Options{})
	want2 := seed(sim2, 120)
	c2, _ := newClient(t, base2, nil)
	ids2, p2 := drain(t, c2, "/resources/Employee/", 50, Auto, Position{}, nil)
	wantEachOnce(t, ids2, want2)
	if p2.Mode() != Keyset {
		t.Fatalf("mode = %s, want keyset where ordering works", p2.Mode())
	}
}

// reversingTransport stands for a Revel resource that disregards
// order_by=id: it asks the server for descending ids instead.
type reversingTransport struct{}

func (reversingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	q := r.URL.Query()
	if q.Get("order_by") == "id" {
		q.Set("order_by", "-id")
	}
	r.URL.RawQuery = q.Encode()
	return http.DefaultTransport.RoundTrip(r)
}

func TestKeysetFallsBackOnUnorderedPages(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	want := seed(sim, 30)
	c, _ := newClient(t, base, func(o *Options) { o.Transport = reversingTransport{} })
	ids, p, notes := drainNotes(t, c, "/resources/Employee/", 10, Keyset, Position{}, nil)
	wantEachOnce(t, ids, want)
	if p.Mode() != Offset {
		t.Fatalf("mode = %s, want offset", p.Mode())
	}
	if len(notes) != 1 || notes[0].Cause != CauseUnordered || !notes[0].Fallback {
		t.Fatalf("notes = %+v, want one unordered fallback", notes)
	}
}

func TestForeignNextLinkIsNotFollowed(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	want := seed(sim, 30)
	foreign, foreignURL := startSim(t, revelsim.Options{APIKey: "x", APISecret: "y"})
	sim.InjectFault(revelsim.Fault{ForeignNext: foreignURL})
	c, _ := newClient(t, base, nil)
	ids, _, notes := drainNotes(t, c, "/resources/Employee/", 10, Offset, Position{}, nil)
	wantEachOnce(t, ids, want)
	if n := len(foreign.Requests()); n != 0 {
		t.Fatalf("the foreign origin received %d requests", n)
	}
	if len(notes) != 1 || notes[0].Cause != CauseForeignNext || !strings.Contains(notes[0].Message, "not following a link") {
		t.Fatalf("notes = %+v, want one foreign_next", notes)
	}
}

// drainNotes is drain that also collects the pager's notes.
func drainNotes(t *testing.T, c *Client, query string, limit int, mode Paging, from Position, between func(pages int)) ([]int64, *Pager, []Note) {
	t.Helper()
	var notes []Note
	var pager *Pager
	ids, p := drain(t, c, query, limit, mode, from, func(pages int) {
		notes = append(notes, pager.Notes()...)
		if between != nil {
			between(pages)
		}
	}, &pager)
	return ids, p, append(notes, p.Notes()...)
}

// datedTenant has rows 1..n updated a minute apart in id order.
func datedTenant(t *testing.T, opts revelsim.Options, n int) (*revelsim.Server, string) {
	sim, base := startSim(t, opts)
	for i := 0; i < n; i++ {
		d := fmt.Sprintf("2026-06-01T10:%02d:00", i)
		sim.Insert("Employee", map[string]any{"created_date": d, "updated_date": d})
	}
	return sim, base
}

// Each row of the table is a misbehaving tenant; every row present for
// the whole listing must be returned exactly once, in every mode.
func TestPagerChecksItself(t *testing.T) {
	for _, tc := range []struct {
		name        string
		quirks      revelsim.Quirks
		rows        int
		query       string
		limit       int
		mode        Paging
		editFirst   []int64 // edited before the listing
		editAfter   []int64 // edited after the first page
		deleteAfter []int64 // deleted after the first page
		wantMode    Paging
		wantCauses  []string
	}{
		{name: "well behaved keyset", rows: 9, limit: 4, mode: Auto, wantMode: Keyset},
		{name: "well behaved offset", rows: 9, limit: 4, mode: Offset, wantMode: Offset},
		{name: "ignores order_by, total_count shows the skip", quirks: revelsim.Quirks{IgnoreOrderBy: true}, rows: 8, limit: 4, mode: Auto,
			editFirst: []int64{3}, wantMode: Offset, wantCauses: []string{CauseRowsSkipped}},
		{name: "ignores order_by, no total_count: probed", quirks: revelsim.Quirks{IgnoreOrderBy: true, ClampLimit: 4}, rows: 8, limit: 4, mode: Keyset,
			editFirst: []int64{3}, wantMode: Offset, wantCauses: []string{CauseOrderByIgnored}},
		{name: "rows deleted ahead are not a skip", rows: 12, limit: 4, mode: Keyset, deleteAfter: []int64{9, 10}, wantMode: Keyset},
		{name: "400 on id__gt", quirks: revelsim.Quirks{RejectIDGT: true}, rows: 8, limit: 4, mode: Keyset,
			wantMode: Offset, wantCauses: []string{CauseIDGTRejected}},
		{name: "clamped limit without total_count, keyset", quirks: revelsim.Quirks{ClampLimit: 4}, rows: 12, limit: 10, mode: Auto,
			wantMode: Keyset, wantCauses: []string{CauseLimitClamped}},
		{name: "clamped limit without total_count, offset", quirks: revelsim.Quirks{ClampLimit: 4}, rows: 12, limit: 10, mode: Offset,
			wantMode: Offset, wantCauses: []string{CauseLimitClamped}},
		{name: "a row listed twice, keyset", quirks: revelsim.Quirks{DuplicateID: 3}, rows: 8, limit: 2, mode: Keyset,
			wantMode: Keyset, wantCauses: []string{CauseDuplicateRow}},
		{name: "a row listed twice, offset", quirks: revelsim.Quirks{DuplicateID: 3}, rows: 8, limit: 2, mode: Offset,
			wantMode: Offset, wantCauses: []string{CauseDuplicateRow}},
		{name: "ignores offset", quirks: revelsim.Quirks{IgnoreOffset: true}, rows: 8, limit: 4, mode: Offset,
			wantMode: Keyset, wantCauses: []string{CauseOffsetIgnored}},
		{name: "next drops filters", quirks: revelsim.Quirks{NextDropsFilters: true}, rows: 12, limit: 3, mode: Offset,
			query: "?updated_date__gte=2026-06-01T10:02:00", wantMode: Offset, wantCauses: []string{CauseNextDropsFilters}},
		{name: "order_by=updated_date, rows edited after page 1", rows: 8, limit: 4, mode: Auto,
			query: "?order_by=updated_date", editAfter: []int64{1, 2}, wantMode: Offset, wantCauses: []string{CauseRowsShifted}},
		{name: "rows deleted behind the position", rows: 12, limit: 4, mode: Offset, deleteAfter: []int64{1, 2, 3}, wantMode: Offset,
			wantCauses: []string{CauseRowsShifted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, base := datedTenant(t, revelsim.Options{Quirks: tc.quirks}, tc.rows)
			for _, id := range tc.editFirst {
				if err := sim.Update("Employee", id, map[string]any{"first_name": "Edited"}); err != nil {
					t.Fatal(err)
				}
			}
			c, _ := newClient(t, base, nil)
			ids, p, notes := drainNotes(t, c, "/resources/Employee/"+tc.query, tc.limit, tc.mode, Position{}, func(pages int) {
				if pages != 1 {
					return
				}
				for _, id := range tc.editAfter {
					if err := sim.Update("Employee", id, map[string]any{"first_name": "Edited"}); err != nil {
						t.Fatal(err)
					}
				}
				mustDelete(t, sim, tc.deleteAfter...)
			})
			want := map[int64]bool{}
			for id := int64(1); id <= int64(tc.rows); id++ {
				want[id] = !slices.Contains(tc.deleteAfter, id)
			}
			if tc.query == "?updated_date__gte=2026-06-01T10:02:00" {
				want[1], want[2] = false, false
			}
			got := map[int64]int{}
			for _, id := range ids {
				got[id]++
			}
			for id, must := range want {
				if n := got[id]; n > 1 || must && n != 1 {
					t.Errorf("row %d returned %d times", id, n)
				}
			}
			if p.Mode() != tc.wantMode {
				t.Errorf("mode = %s, want %s", p.Mode(), tc.wantMode)
			}
			var causes []string
			for _, n := range notes {
				causes = append(causes, n.Cause)
				if n.Message == "" {
					t.Errorf("note %s has no message", n.Cause)
				}
			}
			if !slices.Equal(causes, tc.wantCauses) {
				t.Errorf("notes %v, want %v", causes, tc.wantCauses)
			}
		})
	}
}

func TestPagerSurvivesChurn(t *testing.T) {
	for _, mode := range []Paging{Keyset, Offset} {
		t.Run(string(mode), func(t *testing.T) {
			sim, base := datedTenant(t, revelsim.Options{Quirks: revelsim.Quirks{Churn: 6}}, 40)
			c, _ := newClient(t, base, nil)
			ids, _, _ := drainNotes(t, c, "/resources/Employee/", 5, mode, Position{}, nil)
			got := map[int64]int{}
			for _, id := range ids {
				got[id]++
			}
			for id, n := range got {
				if n > 1 {
					t.Errorf("row %d returned %d times", id, n)
				}
			}
			// Rows present from start to end must all be read.
			for id := int64(1); id <= 40; id++ {
				if _, ok := sim.Get("Employee", id); ok && got[id] != 1 {
					t.Errorf("row %d, present throughout, returned %d times", id, got[id])
				}
			}
		})
	}
}

func TestOffsetResumeChecksTheSavedPosition(t *testing.T) {
	for _, tc := range []struct {
		name       string
		deleted    []int64 // after the position was saved
		lastID     string  // "" = a position saved without it
		wantCauses []string
	}{
		{name: "lines up", lastID: "4"},
		{name: "rows before it deleted", deleted: []int64{1, 2}, lastID: "4", wantCauses: []string{CauseResumeMisaligned}},
		{name: "every row after it deleted: the empty page is not the end", deleted: []int64{5, 6, 7, 8, 9, 10, 11, 12, 1, 2}, lastID: "4",
			wantCauses: []string{CauseResumeMisaligned}},
		{name: "no last id saved", lastID: "", wantCauses: []string{CauseResumeMisaligned}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, base := datedTenant(t, revelsim.Options{}, 12)
			mustDelete(t, sim, tc.deleted...)
			c, _ := newClient(t, base, nil)
			ids, _, notes := drainNotes(t, c, "/resources/Employee/", 4, Offset, Position{Offset: 4, LastID: tc.lastID}, nil)
			got := map[int64]int{}
			for _, id := range ids {
				got[id]++
			}
			for id := int64(5); id <= 12; id++ {
				if _, ok := sim.Get("Employee", id); ok && got[id] != 1 {
					t.Errorf("row %d after the saved position returned %d times", id, got[id])
				}
			}
			var causes []string
			for _, n := range notes {
				causes = append(causes, n.Cause)
			}
			if !slices.Equal(causes, tc.wantCauses) {
				t.Errorf("notes %v, want %v", causes, tc.wantCauses)
			}
		})
	}
}

func TestLastPage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		page   Page
		start  int
		n      int
		limit  int
		keyset bool
		want   bool
	}{
		{name: "short page, no meta: the end", page: Page{}, n: 3, limit: 10, want: true},
		{name: "full page, no meta: not the end", page: Page{}, n: 10, limit: 10, want: false},
		{name: "short page with a next link: not the end", page: Page{HasNext: true, Next: "/x?offset=4"}, n: 4, limit: 10, want: false},
		{name: "next null: the end", page: Page{HasNext: true}, n: 4, limit: 10, want: true},
		{name: "offset short of total_count: not the end", page: Page{HasTotal: true, TotalCount: 12}, start: 4, n: 4, limit: 10, want: false},
		{name: "offset reaching total_count: the end", page: Page{HasTotal: true, TotalCount: 12, HasNext: true, Next: "/x"}, start: 8, n: 4, limit: 4, want: true},
		{name: "keyset: total_count is what remains", page: Page{HasTotal: true, TotalCount: 4}, n: 4, limit: 4, keyset: true, want: true},
		{name: "keyset: more remain", page: Page{HasTotal: true, TotalCount: 9}, n: 4, limit: 4, keyset: true, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := lastPage(&tc.page, tc.start, tc.n, tc.limit, tc.keyset); got != tc.want {
				t.Errorf("lastPage = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOverlapEnd(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []string
		tail []string
		want int
	}{
		{name: "in place", ids: []string{"4", "5", "6"}, tail: []string{"4"}, want: 0},
		{name: "rows inserted before it", ids: []string{"9", "4", "5"}, tail: []string{"4"}, want: 1},
		{name: "rows removed before it: gone", ids: []string{"5", "6", "7"}, tail: []string{"4"}, want: -1},
		{name: "last row deleted, the one before it found", ids: []string{"3", "5", "6"}, tail: []string{"3", "4"}, want: 0},
		{name: "listed twice: its first place", ids: []string{"3", "3", "4"}, tail: []string{"3"}, want: 0},
		{name: "an edited row moved to the end is not the overlap", ids: []string{"6", "7", "1"}, tail: []string{"4"}, want: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := overlapEnd(tc.ids, tc.tail); got != tc.want {
				t.Errorf("overlapEnd = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestPagingBehindAPathPrefix polls a tenant mounted under a path, as
// behind a proxy (base_url http://host/t/7): every request keeps the
// prefix, in both paging modes, and Revel's unprefixed meta.next links are
// not mistaken for a foreign origin or dropped filters.
func TestPagingBehindAPathPrefix(t *testing.T) {
	sim := revelsim.New(revelsim.Options{APIKey: testKey, APISecret: testSecret})
	want := seed(sim, 45)
	var mux revelsim.Mux
	mux.Add("7", sim)
	srv := httptest.NewServer(&mux)
	defer srv.Close()
	c, _ := newClient(t, srv.URL+"/t/7/", nil)
	for _, mode := range []Paging{Keyset, Offset} {
		sim.ResetRequests()
		ids, p := drain(t, c, "/resources/Employee/?active=true", 20, mode, Position{}, nil)
		wantEachOnce(t, ids, want)
		if notes := p.Notes(); len(notes) != 0 {
			t.Errorf("%s: notes %+v", mode, notes)
		}
		reqs := sim.Requests()
		if len(reqs) < 3 {
			t.Fatalf("%s: %d requests for 45 rows at 20 a page", mode, len(reqs))
		}
		for _, r := range reqs {
			if r.Path != "/resources/Employee/" || r.Status != http.StatusOK || r.Query.Get("active") != "true" {
				t.Errorf("%s: the tenant saw %s ?%s -> %d", mode, r.Path, r.Query.Encode(), r.Status)
			}
		}
	}
}
