package revelsim_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/revel-connect/revel-connect/revelsim"
)

// quirkTenant has rows 1-6 whose updated_date runs backwards from row 6
// to row 1, except that row 2 is the newest of all.
func quirkTenant(q revelsim.Quirks) *revelsim.Server {
	s := revelsim.New(revelsim.Options{Quirks: q})
	dates := []string{"05", "59", "04", "03", "02", "01"}
	for _, d := range dates {
		s.Insert("Employee", map[string]any{"created_date": "2026-06-01T10:00:00", "updated_date": "2026-06-01T10:" + d + ":00"})
	}
	return s
}

func TestQuirks(t *testing.T) {
	for _, tc := range []struct {
		name      string
		quirks    revelsim.Quirks
		path      string
		want      []int64
		wantLimit int
		noTotal   bool
		wantNext  string // "" = null
	}{
		{name: "none", path: "/resources/Employee/?order_by=id&id__gt=2&limit=2",
			want: []int64{3, 4}, wantLimit: 2, wantNext: "/resources/Employee/?order_by=id&id__gt=2&limit=2&offset=2"},
		{name: "ignores order_by", quirks: revelsim.Quirks{IgnoreOrderBy: true}, path: "/resources/Employee/?order_by=id&id__gt=1&limit=3",
			want: []int64{6, 5, 4}, wantLimit: 3, wantNext: "/resources/Employee/?order_by=id&id__gt=1&limit=3&offset=3"},
		{name: "clamps limit", quirks: revelsim.Quirks{ClampLimit: 2}, path: "/resources/Employee/?limit=10&offset=2",
			want: []int64{3, 4}, wantLimit: 2, noTotal: true, wantNext: "/resources/Employee/?limit=2&offset=4"},
		{name: "clamps limit 0", quirks: revelsim.Quirks{ClampLimit: 2}, path: "/resources/Employee/?limit=0&offset=4",
			want: []int64{5, 6}, wantLimit: 2, noTotal: true},
		{name: "repeats a row", quirks: revelsim.Quirks{DuplicateID: 3}, path: "/resources/Employee/?limit=3&offset=1",
			want: []int64{2, 3, 3}, wantLimit: 3, wantNext: "/resources/Employee/?limit=3&offset=4"},
		{name: "ignores offset", quirks: revelsim.Quirks{IgnoreOffset: true}, path: "/resources/Employee/?limit=2&offset=4",
			want: []int64{1, 2}, wantLimit: 2, wantNext: "/resources/Employee/?limit=2&offset=2"},
		{name: "ignores date filters", quirks: revelsim.Quirks{IgnoreDateFilters: true}, path: "/resources/Employee/?updated_date__gte=2026-06-01T10:03:00&limit=2",
			want: []int64{1, 2}, wantLimit: 2, wantNext: "/resources/Employee/?updated_date__gte=2026-06-01T10%3A03%3A00&limit=2&offset=2"},
		{name: "next drops filters", quirks: revelsim.Quirks{NextDropsFilters: true}, path: "/resources/Employee/?updated_date__gte=2026-06-01T10:03:00&limit=2",
			want: []int64{1, 2}, wantLimit: 2, wantNext: "/resources/Employee/?limit=2&offset=2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := quirkTenant(tc.quirks)
			w := fetch(t, s, tc.path)
			var env struct {
				Meta struct {
					Limit      int             `json:"limit"`
					Next       *string         `json:"next"`
					TotalCount json.RawMessage `json:"total_count"`
				} `json:"meta"`
			}
			if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &env) != nil {
				t.Fatalf("GET %s: %d %s", tc.path, w.Code, w.Body)
			}
			wantIDs(t, tc.path, ids(list(t, s, tc.path)), tc.want...)
			if env.Meta.Limit != tc.wantLimit {
				t.Errorf("meta.limit = %d, want %d", env.Meta.Limit, tc.wantLimit)
			}
			if got := env.Meta.TotalCount == nil; got != tc.noTotal {
				t.Errorf("total_count absent = %v, want %v", got, tc.noTotal)
			}
			next := ""
			if env.Meta.Next != nil {
				next = *env.Meta.Next
			}
			if next != tc.wantNext {
				t.Errorf("meta.next = %q, want %q", next, tc.wantNext)
			}
		})
	}
}

func TestQuirkRejectsIDGT(t *testing.T) {
	s := quirkTenant(revelsim.Quirks{RejectIDGT: true})
	wantIDs(t, "first page", ids(list(t, s, "/resources/Employee/?order_by=id&limit=2")), 1, 2)
	wantError(t, s, "/resources/Employee/?order_by=id&id__gt=2&limit=2", "The 'id' field does not allow filtering.")
}

func TestQuirkChurnsBetweenPages(t *testing.T) {
	s := quirkTenant(revelsim.Quirks{Churn: 1})
	wantIDs(t, "first page", ids(list(t, s, "/resources/Employee/?limit=2")), 1, 2)
	// The second page first edits row 1, inserts row 7 and deletes row 2.
	wantIDs(t, "second page", ids(list(t, s, "/resources/Employee/?limit=2&offset=2")), 4, 5)
	if _, ok := s.Get("Employee", 2); ok {
		t.Error("row 2 not deleted")
	}
	if r, _ := s.Get("Employee", 1); r["updated_date"] == "2026-06-01T10:05:00" {
		t.Error("row 1 not edited")
	}
	if s.Count("Employee") != 6 {
		t.Errorf("%d rows, want 6 (one in, one out)", s.Count("Employee"))
	}
	// Churn: 1 churns once.
	wantIDs(t, "third page", ids(list(t, s, "/resources/Employee/?limit=2&offset=4")), 6, 7)
}

func TestLookupProfile(t *testing.T) {
	for _, p := range revelsim.Profiles {
		q, err := revelsim.LookupProfile(p.Name)
		if err != nil || q != p.Quirks {
			t.Errorf("LookupProfile(%q) = %+v, %v", p.Name, q, err)
		}
	}
	if _, err := revelsim.LookupProfile("nope"); err == nil {
		t.Error("unknown profile accepted")
	}
}
