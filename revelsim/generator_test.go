package revelsim_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

var losAngeles = func() *time.Location {
	z, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		panic(err)
	}
	return z
}()

func seededTenant(clock *fakeClock) *revelsim.Server {
	s := revelsim.New(revelsim.Options{Clock: clock.Now})
	revelsim.SeedTenant(s, rand.New(rand.NewPCG(3, 4)))
	return s
}

// TestGeneratorChanges checks each change against what the server then
// serves: inserts and updates are stamped with the clock, edits touch only
// records older than two seconds, voids are soft, punches hard-deleted.
func TestGeneratorChanges(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 15, 19, 0, 0, 0, time.UTC)}
	s := seededTenant(clock)
	g := revelsim.NewGenerator(s)
	rnd := rand.New(rand.NewPCG(5, 6))
	kinds := map[string]int{}
	for range 400 {
		clock.Set(clock.Now().Add(time.Second))
		now := clock.Now().In(losAngeles).Format("2006-01-02T15:04:05")
		c := g.Step(rnd)
		kinds[c.Op+" "+c.Resource]++
		got, ok := s.Get(c.Resource, c.ID)
		if c.Op == "delete" {
			if ok {
				t.Errorf("%v: still served", c)
			}
			continue
		}
		if !ok {
			t.Fatalf("%v: not found", c)
		}
		if got["updated_date"] != now {
			t.Errorf("%v: updated_date %v, want %s", c, got["updated_date"], now)
		}
		created, _ := time.ParseInLocation("2006-01-02T15:04:05.999999", got["created_date"].(string), losAngeles)
		switch age := clock.Now().Sub(created); {
		case c.Op == "insert" && got["created_date"] != now:
			t.Errorf("%v: created_date %v, want %s", c, got["created_date"], now)
		case c.Op == "update" && age < 2*time.Second:
			t.Errorf("%v: edited %s after its creation; a poller would call it CREATED", c, age)
		}
		switch {
		case strings.HasPrefix(c.Note, "voided"):
			items := list(t, s, "/resources/OrderItem/?limit=0&order="+strconv.FormatInt(c.ID, 10))
			if got["deleted"] != true || len(items.Objects) == 0 {
				t.Errorf("%v: order %v with %d items", c, got, len(items.Objects))
			}
			for _, it := range items.Objects {
				if it["deleted"] != true || it["deleted_date"] != now {
					t.Errorf("%v: item %v not deleted with the order", c, it)
				}
			}
		case c.Note == "clocked out":
			if got["clock_out"] != now {
				t.Errorf("%v: clock_out %v", c, got["clock_out"])
			}
			in, _ := time.ParseInLocation("2006-01-02T15:04:05.999999", got["clock_in"].(string), losAngeles)
			if d := clock.Now().Sub(in); d < 4*time.Hour {
				t.Errorf("%v: a shift of %s; shifts last hours", c, d)
			}
		case strings.HasPrefix(c.Note, "paid"):
			payments := list(t, s, "/resources/Payment/?order="+strconv.FormatInt(c.ID, 10))
			if got["closed"] != true || got["remaining_due"] != 0.0 || len(payments.Objects) != 1 ||
				payments.Objects[0]["amount"] != got["final_total"] {
				t.Errorf("%v: order %v, payments %v", c, got, payments.Objects)
			}
		}
	}
	for _, k := range []string{"insert Order", "update Order", "insert TimeSheetEntry", "update TimeSheetEntry",
		"delete TimeSheetEntry", "insert Employee", "update Employee", "update Payment"} {
		if kinds[k] == 0 {
			t.Errorf("no %q in 400 steps: %v", k, kinds)
		}
	}
}

// With the clock standing still nothing the generator creates ever becomes
// old enough to edit, so every edit lands on the seeded history.
func TestGeneratorLeavesNewRecordsAlone(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 15, 19, 0, 0, 0, time.UTC)}
	s := seededTenant(clock)
	seeded := map[string]int{}
	for _, r := range []string{"Order", "TimeSheetEntry", "Employee", "Payment"} {
		seeded[r] = s.Count(r)
	}
	g := revelsim.NewGenerator(s)
	rnd := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		if c := g.Step(rnd); c.Op != "insert" && c.ID > int64(seeded[c.Resource]) {
			t.Fatalf("%v: edits a record the generator created at this same instant", c)
		}
	}
	if s.Count("Order") <= seeded["Order"] {
		t.Errorf("no orders opened")
	}
}

func TestGeneratorIsDeterministic(t *testing.T) {
	run := func() ([]revelsim.Change, string) {
		clock := &fakeClock{t: time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC)} // 01:30 PDT, the hour that repeats
		s := seededTenant(clock)
		g := revelsim.NewGenerator(s)
		rnd := rand.New(rand.NewPCG(9, 10))
		var changes []revelsim.Change
		for range 150 {
			clock.Set(clock.Now().Add(30 * time.Second))
			changes = append(changes, g.Step(rnd))
		}
		return changes, fetch(t, s, "/resources/Order/?limit=0").Body.String()
	}
	a, ordersA := run()
	b, ordersB := run()
	if !slices.Equal(a, b) || ordersA != ordersB {
		t.Error("equal seeds and clocks made different changes")
	}
}

func TestGeneratorOnAnEmptyTenant(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 15, 19, 0, 0, 0, time.UTC)}
	s := revelsim.New(revelsim.Options{Clock: clock.Now})
	g := revelsim.NewGenerator(s)
	rnd := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		clock.Set(clock.Now().Add(time.Second))
		g.Step(rnd)
	}
	for _, r := range []string{"Order", "OrderItem", "Payment", "Employee", "TimeSheetEntry"} {
		if s.Count(r) == 0 {
			t.Errorf("no %s after 200 steps on an empty tenant", r)
		}
	}
}

func TestGeneratorRunStopsWithItsContext(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	changes := make(chan revelsim.Change, 64)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		revelsim.NewGenerator(s).Run(ctx, time.Millisecond, rand.New(rand.NewPCG(1, 2)), func(c revelsim.Change) {
			select {
			case changes <- c:
			default:
			}
		})
		close(stopped)
	}()
	for range 3 {
		select {
		case c := <-changes:
			if _, ok := s.Get(c.Resource, c.ID); !ok && c.Op != "delete" {
				t.Errorf("%v: not found", c)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run made no changes")
		}
	}
	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}
