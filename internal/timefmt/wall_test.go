package timefmt

import (
	"testing"
	"time"
)

func utcAt(year int, month time.Month, day, hour, min, sec int) time.Time {
	return time.Date(year, month, day, hour, min, sec, 0, time.UTC)
}

func TestWallTime(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	london := mustZone(t, "Europe/London")
	sydney := mustZone(t, "Australia/Sydney")
	est := mustZone(t, "EST")
	tests := []struct {
		name                string
		loc                 *time.Location
		year                int
		month               time.Month
		day, hour, min, sec int
		want                time.Time
		wantZone            string
	}{
		{"LA before spring gap", la, 2026, 3, 8, 1, 59, 0, utcAt(2026, 3, 8, 9, 59, 0), "PST"},
		{"LA in spring gap moves forward", la, 2026, 3, 8, 2, 30, 0, utcAt(2026, 3, 8, 10, 30, 0), "PDT"},
		{"LA gap start", la, 2026, 3, 8, 2, 0, 0, utcAt(2026, 3, 8, 10, 0, 0), "PDT"},
		{"LA after spring gap", la, 2026, 3, 8, 3, 0, 0, utcAt(2026, 3, 8, 10, 0, 0), "PDT"},
		{"LA before repeated hour", la, 2026, 11, 1, 0, 59, 0, utcAt(2026, 11, 1, 7, 59, 0), "PDT"},
		{"LA repeated hour start is first pass", la, 2026, 11, 1, 1, 0, 0, utcAt(2026, 11, 1, 8, 0, 0), "PDT"},
		{"LA repeated hour is first pass", la, 2026, 11, 1, 1, 30, 0, utcAt(2026, 11, 1, 8, 30, 0), "PDT"},
		{"LA after repeated hour", la, 2026, 11, 1, 2, 0, 0, utcAt(2026, 11, 1, 10, 0, 0), "PST"},
		{"London in spring gap moves forward", london, 2026, 3, 29, 1, 30, 0, utcAt(2026, 3, 29, 1, 30, 0), "BST"},
		{"London repeated hour is first pass", london, 2026, 10, 25, 1, 30, 0, utcAt(2026, 10, 25, 0, 30, 0), "BST"},
		{"London repeated hour start", london, 2026, 10, 25, 1, 0, 0, utcAt(2026, 10, 25, 0, 0, 0), "BST"},
		{"London after repeated hour", london, 2026, 10, 25, 2, 0, 0, utcAt(2026, 10, 25, 2, 0, 0), "GMT"},
		{"Sydney repeated hour is first pass", sydney, 2026, 4, 5, 2, 30, 0, utcAt(2026, 4, 4, 15, 30, 0), "AEDT"},
		{"EST has no DST", est, 2026, 7, 1, 12, 0, 0, utcAt(2026, 7, 1, 17, 0, 0), "EST"},
		{"UTC normalises like time.Date", time.UTC, 2026, 1, 31, 25, 0, 0, utcAt(2026, 2, 1, 1, 0, 0), "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WallTime(tt.loc, tt.year, tt.month, tt.day, tt.hour, tt.min, tt.sec, 0)
			if !got.Equal(tt.want) {
				t.Errorf("WallTime = %v (%v UTC), want %v UTC", got, got.UTC(), tt.want)
			}
			if name, _ := got.Zone(); name != tt.wantZone || got.Location() != tt.loc {
				t.Errorf("WallTime zone = %s in %v, want %s in %v", name, got.Location(), tt.wantZone, tt.loc)
			}
		})
	}
}

func TestLowestWallClock(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	london := mustZone(t, "Europe/London")
	fallBack := utcAt(2026, 11, 1, 9, 0, 0) // 02:00 PDT becomes 01:00 PST
	tests := []struct {
		name      string
		loc       *time.Location
		from, now time.Time
		want      time.Time
	}{
		{"from in first pass, now in second pass", la, utcAt(2026, 11, 1, 8, 50, 0), utcAt(2026, 11, 1, 9, 20, 0), fallBack},
		{"now exactly at the transition", la, utcAt(2026, 11, 1, 8, 50, 0), fallBack, fallBack},
		{"now before the transition", la, utcAt(2026, 11, 1, 8, 50, 0), utcAt(2026, 11, 1, 8, 55, 0), utcAt(2026, 11, 1, 8, 50, 0)},
		{"from before the repeated hour", la, utcAt(2026, 11, 1, 7, 30, 0), utcAt(2026, 11, 1, 9, 20, 0), utcAt(2026, 11, 1, 7, 30, 0)},
		{"from at the repeated hour start reads the same", la, utcAt(2026, 11, 1, 8, 0, 0), utcAt(2026, 11, 1, 9, 20, 0), utcAt(2026, 11, 1, 8, 0, 0)},
		{"from at the transition", la, fallBack, utcAt(2026, 11, 1, 9, 20, 0), fallBack},
		{"from in second pass", la, utcAt(2026, 11, 1, 9, 10, 0), utcAt(2026, 11, 1, 12, 0, 0), utcAt(2026, 11, 1, 9, 10, 0)},
		{"now before from", la, utcAt(2026, 11, 1, 8, 50, 0), utcAt(2026, 11, 1, 8, 0, 0), utcAt(2026, 11, 1, 8, 50, 0)},
		{"spring forward never lowers", la, utcAt(2026, 3, 8, 9, 50, 0), utcAt(2026, 3, 8, 11, 0, 0), utcAt(2026, 3, 8, 9, 50, 0)},
		{"several transitions", la, utcAt(2026, 11, 1, 8, 30, 0), utcAt(2027, 6, 1, 0, 0, 0), fallBack},
		{"a year from March", la, utcAt(2026, 3, 1, 0, 0, 0), utcAt(2027, 3, 1, 0, 0, 0), utcAt(2026, 3, 1, 0, 0, 0)},
		{"London", london, utcAt(2026, 10, 25, 0, 40, 0), utcAt(2026, 10, 25, 1, 10, 0), utcAt(2026, 10, 25, 1, 0, 0)},
		{"UTC", time.UTC, utcAt(2026, 11, 1, 8, 50, 0), utcAt(2026, 11, 1, 9, 20, 0), utcAt(2026, 11, 1, 8, 50, 0)},
		{"EST", mustZone(t, "EST"), utcAt(2026, 11, 1, 5, 50, 0), utcAt(2026, 11, 1, 7, 20, 0), utcAt(2026, 11, 1, 5, 50, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LowestWallClock(tt.from, tt.now, tt.loc)
			if !got.Equal(tt.want) {
				t.Errorf("LowestWallClock = %v, want %v", got.UTC(), tt.want)
			}
		})
	}
}

func TestLowestWallClockRendersTransitionText(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	from := utcAt(2026, 11, 1, 8, 50, 0) // 01:50 PDT
	now := utcAt(2026, 11, 1, 9, 20, 0)  // 01:20 PST
	got := LowestWallClock(from, now, la).In(la).Format("15:04:05 MST")
	if got != "01:00:00 PST" {
		t.Errorf("lower bound reads %s, want 01:00:00 PST", got)
	}
}

func TestEarliestReach(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	lordHowe := mustZone(t, "Australia/Lord_Howe") // DST is 30 minutes
	tests := []struct {
		name string
		loc  *time.Location
		t    time.Time
		want time.Time
	}{
		{"before the window", la, utcAt(2026, 11, 1, 7, 59, 59), utcAt(2026, 11, 1, 7, 59, 59)},
		{"first pass start", la, utcAt(2026, 11, 1, 8, 0, 0), utcAt(2026, 11, 1, 7, 0, 0)},
		{"first pass", la, utcAt(2026, 11, 1, 8, 50, 0), utcAt(2026, 11, 1, 7, 50, 0)},
		{"at the transition", la, utcAt(2026, 11, 1, 9, 0, 0), utcAt(2026, 11, 1, 8, 0, 0)},
		{"second pass end", la, utcAt(2026, 11, 1, 9, 59, 59), utcAt(2026, 11, 1, 8, 59, 59)},
		{"after the window", la, utcAt(2026, 11, 1, 10, 0, 0), utcAt(2026, 11, 1, 10, 0, 0)},
		{"spring forward", la, utcAt(2026, 3, 8, 10, 0, 0), utcAt(2026, 3, 8, 10, 0, 0)},
		{"summer", la, utcAt(2026, 7, 1, 0, 0, 0), utcAt(2026, 7, 1, 0, 0, 0)},
		{"thirty minute drop", lordHowe, utcAt(2026, 4, 4, 15, 10, 0), utcAt(2026, 4, 4, 14, 40, 0)},
		{"after thirty minute drop", lordHowe, utcAt(2026, 4, 4, 15, 30, 0), utcAt(2026, 4, 4, 15, 30, 0)},
		{"UTC", time.UTC, utcAt(2026, 11, 1, 9, 0, 0), utcAt(2026, 11, 1, 9, 0, 0)},
		{"EST", mustZone(t, "EST"), utcAt(2026, 11, 1, 6, 0, 0), utcAt(2026, 11, 1, 6, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EarliestReach(tt.t, tt.loc); !got.Equal(tt.want) {
				t.Errorf("EarliestReach(%v) = %v, want %v", tt.t, got.UTC(), tt.want)
			}
		})
	}
}

func TestEarliestReachOver(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	tests := []struct {
		name     string
		loc      *time.Location
		from, to time.Time
		want     time.Time
	}{
		{"before the window", la, utcAt(2026, 11, 1, 7, 0, 0), utcAt(2026, 11, 1, 7, 30, 0), utcAt(2026, 11, 1, 7, 0, 0)},
		{"entering the window", la, utcAt(2026, 11, 1, 7, 30, 0), utcAt(2026, 11, 1, 8, 30, 0), utcAt(2026, 11, 1, 7, 0, 0)},
		{"inside the window", la, utcAt(2026, 11, 1, 8, 30, 0), utcAt(2026, 11, 1, 9, 30, 0), utcAt(2026, 11, 1, 7, 30, 0)},
		{"leaving the window", la, utcAt(2026, 11, 1, 9, 0, 0), utcAt(2026, 11, 1, 12, 0, 0), utcAt(2026, 11, 1, 8, 0, 0)},
		{"after the window", la, utcAt(2026, 11, 1, 10, 0, 0), utcAt(2026, 11, 1, 11, 0, 0), utcAt(2026, 11, 1, 10, 0, 0)},
		{"a day before", la, utcAt(2026, 10, 31, 7, 0, 0), utcAt(2026, 11, 2, 0, 0, 0), utcAt(2026, 10, 31, 7, 0, 0)},
		{"empty range", la, utcAt(2026, 11, 1, 8, 30, 0), utcAt(2026, 11, 1, 8, 30, 0), utcAt(2026, 11, 1, 7, 30, 0)},
		{"UTC", time.UTC, utcAt(2026, 11, 1, 8, 0, 0), utcAt(2026, 11, 1, 12, 0, 0), utcAt(2026, 11, 1, 8, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EarliestReachOver(tt.from, tt.to, tt.loc)
			if !got.Equal(tt.want) {
				t.Errorf("EarliestReachOver = %v, want %v", got.UTC(), tt.want)
			}
			// It is the minimum of EarliestReach over the range.
			for at := tt.from; !at.After(tt.to); at = at.Add(time.Minute) {
				if r := EarliestReach(at, tt.loc); r.Before(got) {
					t.Fatalf("EarliestReach(%v) = %v is below the reported minimum %v", at.UTC(), r.UTC(), got.UTC())
				}
			}
		})
	}
}
