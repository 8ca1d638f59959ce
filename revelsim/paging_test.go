package revelsim_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/revel-connect/revel-connect/revelsim"
)

func seeded(t *testing.T, opts revelsim.Options, n int) *revelsim.Server {
	t.Helper()
	s := revelsim.New(opts)
	for i := range n {
		s.Insert("Employee", map[string]any{"first_name": fmt.Sprint("e", i), "active": true})
	}
	return s
}

func TestPagingFollowsRelativeNextLinks(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 45)
	path := "/resources/Employee/?format=json"
	var got []int64
	var offsets []int
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("next links never end")
		}
		env := list(t, s, path)
		if env.Meta.Limit != 20 || env.Meta.TotalCount != 45 || env.Meta.TimeZone != "America/Los_Angeles" {
			t.Fatalf("%s: meta %+v", path, env.Meta)
		}
		offsets = append(offsets, env.Meta.Offset)
		got = append(got, ids(env)...)
		if env.Meta.Next == nil {
			if env.Meta.Previous == nil || *env.Meta.Previous != "/resources/Employee/?format=json&limit=20&offset=20" {
				t.Errorf("last page previous = %v", env.Meta.Previous)
			}
			break
		}
		path = *env.Meta.Next
	}
	if fmt.Sprint(offsets) != "[0 20 40]" {
		t.Errorf("offsets %v", offsets)
	}
	for i, id := range got {
		if id != int64(i+1) {
			t.Fatalf("ids %v, want 1..45 in primary-key order", got)
		}
	}
	if len(got) != 45 {
		t.Fatalf("collected %d ids", len(got))
	}

	first := list(t, s, "/resources/Employee/?format=json")
	if first.Meta.Previous != nil || *first.Meta.Next != "/resources/Employee/?format=json&limit=20&offset=20" {
		t.Errorf("first page links: next %v previous %v", first.Meta.Next, first.Meta.Previous)
	}
}

func TestPagingEdges(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 45)
	// next is null exactly when offset+limit >= total_count.
	if env := list(t, s, "/resources/Employee/?limit=15&offset=30"); env.Meta.Next != nil || len(env.Objects) != 15 {
		t.Errorf("offset 30+15 of 45: next %v, %d objects", *env.Meta.Next, len(env.Objects))
	}
	if env := list(t, s, "/resources/Employee/?limit=15&offset=29"); env.Meta.Next == nil {
		t.Error("offset 29+15 of 45: next is null")
	}
	// Beyond the end: empty page, previous still computed.
	env := list(t, s, "/resources/Employee/?offset=100")
	if len(env.Objects) != 0 || env.Meta.Next != nil || *env.Meta.Previous != "/resources/Employee/?limit=20&offset=80" {
		t.Errorf("beyond end: %+v", env.Meta)
	}
	// Tastypie quirk: previous is null whenever offset < limit.
	if env := list(t, s, "/resources/Employee/?offset=5"); env.Meta.Previous != nil || ids(env)[0] != 6 {
		t.Errorf("offset 5: previous %v, first id %v", env.Meta.Previous, ids(env))
	}
}

func TestPagingKeepsParameterOrder(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 5)
	env := list(t, s, "/resources/Employee/?limit=2&updated_date__gte=2020-01-01&api_key=k&id__in=1,2&offset=0&active=true&id__in=3")
	want := "/resources/Employee/?updated_date__gte=2020-01-01&api_key=k&id__in=1%2C2&id__in=3&active=true&limit=2&offset=2"
	if env.Meta.Next == nil || *env.Meta.Next != want {
		t.Errorf("next = %v\nwant   %s", env.Meta.Next, want)
	}
	if env.Meta.TotalCount != 3 {
		t.Errorf("repeated id__in: total_count %d, want 3", env.Meta.TotalCount)
	}
}

func TestLimits(t *testing.T) {
	clamped := seeded(t, revelsim.Options{MaxLimit: 10, DefaultLimit: 7}, 45)
	cases := []struct {
		query       string
		limit, objs int
		next        string
	}{
		{"", 7, 7, "/resources/Employee/?limit=7&offset=7"},
		{"?limit=50", 10, 10, "/resources/Employee/?limit=10&offset=10"},
		{"?limit=0", 10, 10, "/resources/Employee/?limit=10&offset=10"}, // limit=0 means max_limit
		{"?limit=3", 3, 3, "/resources/Employee/?limit=3&offset=3"},
	}
	for _, c := range cases {
		env := list(t, clamped, "/resources/Employee/"+c.query)
		if env.Meta.Limit != c.limit || len(env.Objects) != c.objs || env.Meta.Next == nil || *env.Meta.Next != c.next {
			t.Errorf("%q: limit %d, %d objects, next %v", c.query, env.Meta.Limit, len(env.Objects), env.Meta.Next)
		}
	}
	if env := list(t, seeded(t, revelsim.Options{}, 1200), "/resources/Employee/?limit=5000"); env.Meta.Limit != 1000 || len(env.Objects) != 1000 {
		t.Errorf("default max_limit: limit %d, %d objects", env.Meta.Limit, len(env.Objects))
	}

	// No clamp: limit=0 is everything, without next/previous keys at all.
	unclamped := seeded(t, revelsim.Options{MaxLimit: -1}, 45)
	var raw struct {
		Meta    map[string]any
		Objects []any
	}
	if err := json.Unmarshal(fetch(t, unclamped, "/resources/Employee/?limit=0").Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	_, hasNext := raw.Meta["next"]
	_, hasPrev := raw.Meta["previous"]
	if len(raw.Objects) != 45 || raw.Meta["limit"] != 0.0 || hasNext || hasPrev {
		t.Errorf("unclamped limit=0: %d objects, meta %v", len(raw.Objects), raw.Meta)
	}
}

func TestInvalidPaging(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 3)
	wantError(t, s, "/resources/Employee/?limit=x", "Invalid limit 'x' provided. Please provide a positive integer.")
	wantError(t, s, "/resources/Employee/?limit=-1", "Invalid limit '-1' provided. Please provide a positive integer >= 0.")
	wantError(t, s, "/resources/Employee/?offset=y", "Invalid offset 'y' provided. Please provide an integer.")
	wantError(t, s, "/resources/Employee/?offset=-3", "Invalid offset '-3' provided. Please provide a positive integer >= 0.")
}
