package revelsim_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// TestSeedKeepsLocalBusinessHours: whatever the zone and the time of day,
// the seeded shifts start in staff hours (07:00-16:00 local) and last
// hours, orders fall in opening hours (11:00-22:00 local), nothing is
// dated after now, and the history reaches up to the last opening hours.
func TestSeedKeepsLocalBusinessHours(t *testing.T) {
	zones := []string{"America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata", "UTC", "Pacific/Auckland"}
	clocks := []struct {
		local    string // the clock, local to the zone
		openWant int    // open shifts expected
	}{
		{"2026-06-15T12:00", 3},
		{"2026-06-15T03:00", 0}, // the middle of the night
		{"2026-06-15T23:30", 3}, // closing staff, in since the afternoon
		{"2026-06-15T09:00", 0}, // no shift can be 4 hours old yet
		{"2026-03-08T15:00", 3}, // the day Los Angeles springs forward
		{"2026-11-01T01:30", 0}, // Los Angeles' repeated hour
	}
	for _, zn := range zones {
		zone, err := time.LoadLocation(zn)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range clocks {
			now, _ := time.ParseInLocation("2006-01-02T15:04", c.local, zone)
			t.Run(zn+" "+c.local, func(t *testing.T) {
				s := revelsim.New(revelsim.Options{Zone: zone, Clock: func() time.Time { return now }})
				revelsim.SeedTenant(s, rand.New(rand.NewPCG(7, 8)))
				at := func(v any) time.Time {
					text, _ := v.(string)
					tm, err := time.ParseInLocation("2006-01-02T15:04:05.999999", text, zone)
					if err != nil {
						t.Fatalf("date %q: %v", text, err)
					}
					return tm
				}
				notAfterNow := func(what string, rec map[string]any, keys ...string) {
					for _, k := range keys {
						if v := rec[k]; v != nil && at(v).After(now) {
							t.Errorf("%s %v: %s %v is after now (%s)", what, rec["id"], k, v, now.Format(time.DateTime))
						}
					}
				}
				open := 0
				for _, e := range list(t, s, "/resources/TimeSheetEntry/?limit=1000").Objects {
					in := at(e["clock_in"])
					if h := in.Hour(); h < 7 || h >= 16 {
						t.Errorf("shift %v starts at %s local", e["id"], in.Format("15:04"))
					}
					if e["clock_out"] == nil {
						open++
						if d := now.Sub(in); d < 4*time.Hour || d > 9*time.Hour {
							t.Errorf("open shift %v has run %s", e["id"], d)
						}
					} else if d := at(e["clock_out"]).Sub(in); d < 6*time.Hour || d > 9*time.Hour {
						t.Errorf("shift %v lasted %s, want 6-9 hours", e["id"], d)
					}
					notAfterNow("shift", e, "clock_in", "clock_out", "created_date", "updated_date")
				}
				if open != c.openWant {
					t.Errorf("%d open shifts, want %d", open, c.openWant)
				}
				var newest time.Time
				for _, o := range list(t, s, "/resources/Order/?limit=1000").Objects {
					created := at(o["created_date"])
					if h := created.Hour(); h < 11 || h >= 22 {
						t.Errorf("order %v taken at %s local", o["id"], created.Format("15:04"))
					}
					if created.After(newest) {
						newest = created
					}
					notAfterNow("order", o, "created_date", "updated_date")
				}
				for _, p := range list(t, s, "/resources/Payment/?limit=1000").Objects {
					notAfterNow("payment", p, "created_date", "updated_date", "payment_date")
				}
				// The newest order is from the last opening hours: today's,
				// or yesterday's before today's opening.
				if age := now.Sub(newest); age > 24*time.Hour || (now.Hour() >= 12 && now.Hour() < 22 && age > time.Hour) {
					t.Errorf("the newest order is %s old at %s local", age, c.local)
				}
				for _, ts := range list(t, s, "/resources/TimeSchedule/?limit=1000").Objects {
					if start := at(ts["start"]); start.Hour() < 7 || start.Hour() >= 16 || !start.After(now) {
						t.Errorf("schedule %v starts %s", ts["id"], start.Format(time.DateTime))
					}
				}
			})
		}
	}
}

// TestGeneratorClocksInOnlyInStaffHours: at night the generator opens no
// shift, and changes something else instead.
func TestGeneratorClocksInOnlyInStaffHours(t *testing.T) {
	zone, _ := time.LoadLocation("Asia/Tokyo")
	for local, wantClockIns := range map[string]bool{"2026-06-15T03:00": false, "2026-06-15T10:00": true} {
		now, _ := time.ParseInLocation("2006-01-02T15:04", local, zone)
		clock := &fakeClock{t: now}
		s := revelsim.New(revelsim.Options{Zone: zone, Clock: clock.Now})
		revelsim.SeedTenant(s, rand.New(rand.NewPCG(1, 2)))
		g := revelsim.NewGenerator(s)
		rnd := rand.New(rand.NewPCG(3, 4))
		clockIns := 0
		for range 300 {
			clock.Set(clock.Now().Add(time.Second))
			if c := g.Step(rnd); c.Op == "insert" && c.Resource == "TimeSheetEntry" {
				clockIns++
			}
		}
		if (clockIns > 0) != wantClockIns {
			t.Errorf("%s local: %d clock-ins in 300 steps", local, clockIns)
		}
	}
}
