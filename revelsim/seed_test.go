package revelsim_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

var naiveDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$`)

func TestSeedTenant(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 15, 19, 0, 0, 0, time.UTC)}
	s := revelsim.New(revelsim.Options{Clock: clock.Now})
	revelsim.SeedTenant(s, rand.New(rand.NewPCG(3, 4)))

	for resource, n := range map[string]int{"Company": 1, "Establishment": 3, "Role": 4, "Department": 2, "User": 11,
		"Employee": 10, "TimeSheetEntry": 27, "ProductCategory": 4, "Product": 6, "Customer": 5, "Order": 24,
		"Payment": 18, "TimeSchedule": 18} {
		if got := s.Count(resource); got != n {
			t.Errorf("Count(%s) = %d, want %d", resource, got, n)
		}
	}
	if n := s.Count("OrderItem"); n < 24 || n > 72 {
		t.Errorf("OrderItems = %d", n)
	}

	all := func(path string) []map[string]any { return list(t, s, path+"?limit=1000").Objects }

	employees := all("/resources/Employee/")
	for _, e := range employees {
		if len(e) < 20 {
			t.Errorf("employee %v has %d fields", e["id"], len(e))
		}
	}
	if e := employees[9]; e["active"] != false || e["employee_end"] == nil {
		t.Errorf("employee 10 should have left: %v", e)
	}
	wantIDs(t, "inactive", ids(list(t, s, "/resources/Employee/?active=false")), 10)

	open := 0
	precise, whole := 0, 0
	for _, e := range all("/resources/TimeSheetEntry/") {
		for _, k := range []string{"break_length", "break_type", "clock_in", "clock_out", "created_by", "created_date",
			"department_name", "employee", "establishment", "is_auto_clock_out", "parent", "resource_uri", "returned_date",
			"role_name", "role_wage", "stage", "updated_by", "updated_date"} {
			if _, ok := e[k]; !ok {
				t.Errorf("timesheet %v lacks %s", e["id"], k)
			}
		}
		if e["parent"] != e["resource_uri"] {
			t.Errorf("timesheet parent %v != %v", e["parent"], e["resource_uri"])
		}
		if e["clock_out"] == nil {
			open++
		}
		for _, k := range []string{"clock_in", "created_date", "updated_date"} {
			d, _ := e[k].(string)
			if !naiveDate.MatchString(d) {
				t.Errorf("timesheet %v %s = %q", e["id"], k, d)
			}
			if strings.Contains(d, ".") {
				precise++
			} else {
				whole++
			}
		}
		mustResolve(t, s, e["employee"], e["establishment"])
	}
	if open != 3 || precise == 0 || whole == 0 {
		t.Errorf("%d open shifts (want 3); %d microsecond and %d whole-second dates", open, precise, whole)
	}

	wantIDs(t, "deleted orders", ids(list(t, s, "/resources/Order/?deleted=true")), 5, 13, 21)
	wantIDs(t, "open orders", ids(list(t, s, "/resources/Order/?closed=false")), 3, 11, 19)
	for _, o := range all("/resources/OrderItem/") {
		mustResolve(t, s, o["order"], o["product"], o["establishment"])
	}
	for _, p := range all("/resources/Payment/") {
		mustResolve(t, s, p["order"])
	}
	if n := list(t, s, "/products/ProductCategory/").Meta.TotalCount; n != 3 {
		t.Errorf("active product categories = %d, want 3", n)
	}

	// Deterministic for a given seed and clock.
	again := revelsim.New(revelsim.Options{Clock: clock.Now})
	revelsim.SeedTenant(again, rand.New(rand.NewPCG(3, 4)))
	for _, p := range []string{"/resources/Order/?limit=0", "/resources/TimeSheetEntry/?limit=0", "/resources/OrderItem/?limit=0"} {
		if fetch(t, s, p).Body.String() != fetch(t, again, p).Body.String() {
			t.Errorf("%s differs between equal seeds", p)
		}
	}
}

// mustResolve requires each foreign-key URI to name an existing object.
func mustResolve(t *testing.T, s *revelsim.Server, uris ...any) {
	t.Helper()
	for _, u := range uris {
		path, _ := u.(string)
		if w := fetch(t, s, path); w.Code != 200 {
			t.Errorf("FK %q: %d", path, w.Code)
		}
	}
}

func TestSeedEmployeesPagesCompletely(t *testing.T) {
	const n = 100000
	from := time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC)
	s := revelsim.New(revelsim.Options{})
	s.SeedEmployees(n, from, time.Second)
	base := start(t, s)
	if s.Count("Employee") != n {
		t.Fatalf("Count = %d", s.Count("Employee"))
	}

	// Keyset: order_by=id&id__gt=<last id>, until an empty page (ids only:
	// the offset walk below covers full objects).
	walk := func(filter string) (seen int) {
		var last int64
		for {
			env := httpList(t, base+"/resources/Employee/?order_by=id&limit=1000&fields=id"+filter+"&id__gt="+fmt.Sprint(last))
			if len(env.Objects) == 0 {
				return seen
			}
			for _, id := range env.ids() {
				if id <= last {
					t.Fatalf("id %d after %d", id, last)
				}
				last = id
				seen++
			}
		}
	}
	if got := walk(""); got != n {
		t.Errorf("keyset saw %d of %d", got, n)
	}
	// Inside an updated_date window: rows 10000.. onwards (PDT, so -7h).
	window := "&updated_date__gte=" + url.QueryEscape(from.Add(10000*time.Second).Add(-7*time.Hour).Format("2006-01-02T15:04:05"))
	if got := walk(window); got != n-10000 {
		t.Errorf("keyset in window saw %d of %d", got, n-10000)
	}

	// Offset paging by following next.
	next := "/resources/Employee/?limit=1000&updated_date__gte=2026-01-01"
	seen := make([]bool, n+1)
	pages := 0
	for next != "" {
		env := httpList(t, base+next)
		if env.Meta.TotalCount != n {
			t.Fatalf("total_count %d", env.Meta.TotalCount)
		}
		for _, id := range env.ids() {
			if seen[id] {
				t.Fatalf("id %d twice", id)
			}
			seen[id] = true
		}
		next, pages = "", pages+1
		if env.Meta.Next != nil {
			next = *env.Meta.Next
		}
	}
	for id := 1; id <= n; id++ {
		if !seen[id] {
			t.Fatalf("offset paging missed id %d", id)
		}
	}
	if pages != n/1000 {
		t.Errorf("%d pages", pages)
	}
}

// idPage is a list response decoded for ids only: the 100k-row tests
// spend their time in the client's JSON decoder otherwise.
type idPage struct {
	Meta struct {
		Next       *string `json:"next"`
		TotalCount int     `json:"total_count"`
	} `json:"meta"`
	Objects []struct {
		ID int64 `json:"id"`
	} `json:"objects"`
}

func httpList(t *testing.T, u string) idPage {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p idPage
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", u, resp.Status, err)
	}
	return p
}

func (p idPage) ids() []int64 {
	out := make([]int64, len(p.Objects))
	for i, o := range p.Objects {
		out[i] = o.ID
	}
	return out
}

// Readers page while a writer inserts and updates; run with -race.
func TestConcurrentReadersAndWriters(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	s.SeedEmployees(2000, time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC), time.Second)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := s.Insert("Employee", map[string]any{"first_name": "new", "active": true})
			if err := s.Update("Employee", int64(1+i%2000), map[string]any{"pin": fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
			if i%2 == 0 {
				s.Delete("Employee", id) //nolint:errcheck // just inserted
			}
		}
	}()
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for p := range 20 {
				path := fmt.Sprintf("/resources/Employee/?limit=100&offset=%d&active=true&updated_date__gte=2026-06-01", (r*20+p)*100%2000)
				// Each response is one consistent snapshot: the page size
				// agrees with its own total_count.
				env := list(t, s, path)
				if want := min(100, env.Meta.TotalCount-env.Meta.Offset); len(env.Objects) != want || env.Meta.TotalCount < 1900 {
					t.Errorf("%s: %d objects of %d", path, len(env.Objects), env.Meta.TotalCount)
				}
			}
		}()
	}
	readers.Wait()
	close(stop)
	wg.Wait()
}
