package revelapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/revelsim"
)

// drain pages through query and returns every record id in order, and the
// pager after its last page. between, if set, runs after each page but the
// last, with the number of pages read so far.
func drain(t *testing.T, c *Client, query string, limit int, mode Paging, from Position, between func(pages int)) ([]int64, *Pager) {
	t.Helper()
	p, err := c.NewPager(query, limit, mode, from)
	if err != nil {
		t.Fatal(err)
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

func TestKeysetRejectsUnorderedPages(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	want := seed(sim, 30)
	c, _ := newClient(t, base, func(o *Options) { o.Transport = reversingTransport{} })
	p, err := c.NewPager("/resources/Employee/", 10, Keyset, Position{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Next(context.Background()); !errors.Is(err, ErrUnordered) {
		t.Fatalf("err = %v, want ErrUnordered", err)
	}
	// Auto mode notices on the first page and falls back to offsets.
	ids, p := drain(t, c, "/resources/Employee/", 10, Auto, Position{}, nil)
	wantEachOnce(t, ids, want)
	if p.Mode() != Offset {
		t.Fatalf("mode = %s, want offset", p.Mode())
	}
}

func TestForeignNextLinkIsNotFollowed(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	seed(sim, 30)
	foreign, foreignURL := startSim(t, revelsim.Options{APIKey: "x", APISecret: "y"})
	sim.InjectFault(revelsim.Fault{ForeignNext: foreignURL})
	c, _ := newClient(t, base, nil)
	p, err := c.NewPager("/resources/Employee/", 10, Offset, Position{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Next(context.Background())
	if !errors.Is(err, ErrForeignLink) {
		t.Fatalf("err = %v, want ErrForeignLink", err)
	}
	if n := len(foreign.Requests()); n != 0 {
		t.Fatalf("the foreign origin received %d requests", n)
	}
}
