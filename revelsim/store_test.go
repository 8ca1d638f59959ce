package revelsim_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

func TestInsertUpdateDelete(t *testing.T) {
	// 07:21:19 UTC is 00:21:19 in Los Angeles (PDT).
	clock := &fakeClock{t: time.Date(2026, 6, 1, 7, 21, 19, 0, time.UTC)}
	s := revelsim.New(revelsim.Options{Clock: clock.Now})

	id := s.Insert("TimeSheetEntry", map[string]any{"clock_in": time.Date(2026, 6, 1, 16, 0, 0, 0, time.UTC), "clock_out": nil, "stage": 0})
	clock.Set(clock.Now().Add(637840 * time.Microsecond))
	id2 := s.Insert("TimeSheetEntry", map[string]any{"clock_in": "2026-06-01T09:00:07.5"})
	if id != 1 || id2 != 2 || s.Count("TimeSheetEntry") != 2 {
		t.Fatalf("ids %d, %d; count %d", id, id2, s.Count("TimeSheetEntry"))
	}
	got, _ := s.Get("TimeSheetEntry", 1)
	want := map[string]any{"id": int64(1), "resource_uri": "/resources/TimeSheetEntry/1/", "clock_in": "2026-06-01T09:00:00",
		"clock_out": nil, "stage": int64(0), "created_date": "2026-06-01T00:21:19", "updated_date": "2026-06-01T00:21:19"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Get[%s] = %#v, want %#v", k, got[k], v)
		}
	}
	got2, _ := s.Get("TimeSheetEntry", 2)
	if got2["created_date"] != "2026-06-01T00:21:19.637840" || got2["clock_in"] != "2026-06-01T09:00:07.5" {
		t.Errorf("microsecond/verbatim dates: %v", got2)
	}

	// Get returns a copy.
	got["clock_in"] = "changed"
	if again, _ := s.Get("TimeSheetEntry", 1); again["clock_in"] != "2026-06-01T09:00:00" {
		t.Error("Get shares state with the store")
	}

	// Update merges and bumps updated_date only, and the served (cached)
	// JSON follows.
	if body := fetch(t, s, "/resources/TimeSheetEntry/1/").Body.String(); !strings.Contains(body, `"clock_out": null`) {
		t.Fatalf("before Update: %s", body)
	}
	clock.Set(time.Date(2026, 6, 1, 15, 30, 0, 0, time.UTC))
	if err := s.Update("TimeSheetEntry", 1, map[string]any{"clock_out": "2026-06-01T08:30:00", "remarks": "late"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get("TimeSheetEntry", 1)
	if got["updated_date"] != "2026-06-01T08:30:00" || got["created_date"] != "2026-06-01T00:21:19" || got["remarks"] != "late" || got["clock_in"] != "2026-06-01T09:00:00" {
		t.Errorf("after Update: %v", got)
	}
	body := fetch(t, s, "/resources/TimeSheetEntry/1/").Body.String()
	if !strings.Contains(body, `"clock_out": "2026-06-01T08:30:00"`) || !strings.Contains(body, `"remarks": "late"`) {
		t.Errorf("served JSON is stale: %s", body)
	}
	// An explicit updated_date is kept verbatim.
	if err := s.Update("TimeSheetEntry", 1, map[string]any{"updated_date": "2018-08-20T17:39:00.149863"}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Get("TimeSheetEntry", 1); got["updated_date"] != "2018-08-20T17:39:00.149863" {
		t.Errorf("explicit updated_date: %v", got["updated_date"])
	}
	if err := s.Update("TimeSheetEntry", 1, map[string]any{"id": 7}); err == nil {
		t.Error("Update changed the id")
	}

	if err := s.Delete("TimeSheetEntry", 1); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get("TimeSheetEntry", 1); ok || s.Count("TimeSheetEntry") != 1 || fetch(t, s, "/resources/TimeSheetEntry/1/").Code != 404 {
		t.Error("deleted row still visible")
	}
	wantIDs(t, "after delete", ids(list(t, s, "/resources/TimeSheetEntry/")), 2)
	for _, err := range []error{s.Delete("TimeSheetEntry", 1), s.Update("TimeSheetEntry", 1, nil), s.Update("Nope", 1, nil)} {
		if !errors.Is(err, revelsim.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	}
	if id := s.Insert("TimeSheetEntry", nil); id != 3 {
		t.Errorf("ids are not reused: got %d, want 3", id)
	}
}

func TestInsertPanicsOnCallerBugs(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	s.Insert("Order", map[string]any{"id": 5})
	for name, fn := range map[string]func(){
		"unknown resource": func() { s.Insert("Orders", nil) },
		"duplicate id":     func() { s.Insert("Order", map[string]any{"id": 5}) },
		"NaN":              func() { s.Insert("Order", map[string]any{"total": nanValue()}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
	if id := s.Insert("Order", nil); id != 6 {
		t.Errorf("next id after explicit 5 = %d", id)
	}
}

func nanValue() float64 { zero := 0.0; return zero / zero }

func TestEncodingLooksLikeTastypie(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	s.Insert("Payment", map[string]any{"amount": 12.76, "tip": 0.0, "whole": float32(3), "tiny": 1e-7, "note": "tab\t\"quoted\" é",
		"items": []string{"a"}, "nested": map[string]any{"b": 1, "a": nil}, "raw": struct{ X int }{1}})
	body := fetch(t, s, "/resources/Payment/1/").Body.String()
	for _, want := range []string{`"amount": 12.76`, `"tip": 0.0`, `"whole": 3.0`, `"tiny": 1e-07`, `"note": "tab\t\"quoted\" é"`,
		`"items": ["a"]`, `"nested": {"a": null, "b": 1}`, `"raw": {"X":1}`} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %s: %s", want, body)
		}
	}
	if strings.Index(body, `"amount"`) > strings.Index(body, `"id"`) {
		t.Errorf("keys not sorted: %s", body)
	}
}

// Across the autumn fall-back the naive local text of later writes sorts
// before earlier ones; a naive filter still finds both.
func TestDSTFallBack(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC)} // 01:30 PDT, the first pass
	s := revelsim.New(revelsim.Options{Clock: clock.Now})
	a := s.Insert("Employee", map[string]any{"first_name": "before"})
	clock.Set(clock.Now().Add(40 * time.Minute)) // 01:10 PST, 40 minutes later
	b := s.Insert("Employee", map[string]any{"first_name": "after"})

	ra, _ := s.Get("Employee", a)
	rb, _ := s.Get("Employee", b)
	if ra["updated_date"] != "2026-11-01T01:30:00" || rb["updated_date"] != "2026-11-01T01:10:00" {
		t.Fatalf("updated_date %v then %v", ra["updated_date"], rb["updated_date"])
	}
	env := list(t, s, "/resources/Employee/?updated_date__gte=2026-11-01T01:00:00")
	wantIDs(t, "gte 01:00", ids(env), a, b)
	wantIDs(t, "gte 01:20", ids(list(t, s, "/resources/Employee/?updated_date__gte=2026-11-01T01:20:00")), a)
	wantIDs(t, "by text", ids(list(t, s, "/resources/Employee/?order_by=updated_date")), b, a)

	clock.Set(clock.Now().Add(10 * time.Minute)) // 01:20 PST: an edit moves A's text backwards
	if err := s.Update("Employee", a, map[string]any{"first_name": "edited"}); err != nil {
		t.Fatal(err)
	}
	if ra, _ = s.Get("Employee", a); ra["updated_date"] != "2026-11-01T01:20:00" {
		t.Errorf("after edit: %v", ra["updated_date"])
	}
	if env := list(t, s, "/resources/Employee/?updated_date__gte=2026-11-01T01:00:00"); env.Meta.TimeZone != "America/Los_Angeles" {
		t.Errorf("time_zone %q", env.Meta.TimeZone)
	}
}

func TestZoneOption(t *testing.T) {
	bkk, _ := time.LoadLocation("Asia/Bangkok")
	clock := &fakeClock{t: time.Date(2018, 8, 20, 10, 31, 7, 637840000, time.UTC)}
	s := revelsim.New(revelsim.Options{Zone: bkk, Clock: clock.Now})
	s.Insert("TimeSheetEntry", nil)
	env := list(t, s, "/resources/TimeSheetEntry/")
	if env.Meta.TimeZone != "Asia/Bangkok" || env.Objects[0]["created_date"] != "2018-08-20T17:31:07.637840" {
		t.Errorf("zone %q, created_date %v", env.Meta.TimeZone, env.Objects[0]["created_date"])
	}
}
