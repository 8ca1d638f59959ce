package poller

import (
	"testing"
	"time"
)

func TestCycleLine(t *testing.T) {
	cursor := time.Date(2026, 11, 29, 10, 0, 0, 0, time.FixedZone("PST", -8*3600))
	tests := []struct {
		name      string
		pages     int
		changes   [3]int64
		cursor    time.Time
		first     bool
		sinceInfo time.Duration
		info      bool
		msg       string
	}{
		{"changes", 2, [3]int64{3, 9, 0}, cursor, false, time.Second, true,
			"12 changes (3 created, 9 updated) in 2 pages; cursor 2026-11-29T18:00:00Z; next poll in 15m0s"},
		{"deletes only", 0, [3]int64{0, 0, 4}, cursor, false, time.Second, true,
			"4 changes (4 deleted) in 0 pages; cursor 2026-11-29T18:00:00Z; next poll in 15m0s"},
		{"quiet", 1, [3]int64{}, cursor, false, time.Minute, false,
			"no changes in 1 page; cursor 2026-11-29T18:00:00Z; next poll in 15m0s"},
		{"quiet first", 1, [3]int64{}, time.Time{}, true, 0, true,
			"no changes in 1 page; cursor not set yet; next poll in 15m0s"},
		{"quiet heartbeat", 1, [3]int64{}, cursor, false, heartbeat, true,
			"no changes in 1 page; cursor 2026-11-29T18:00:00Z; next poll in 15m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, msg := cycleLine(tt.pages, tt.changes, tt.cursor, 15*time.Minute, tt.first, tt.sinceInfo)
			if info != tt.info || msg != tt.msg {
				t.Errorf("cycleLine = %v %q, want %v %q", info, msg, tt.info, tt.msg)
			}
		})
	}
}

func TestRepeatLimiter(t *testing.T) {
	var l repeatLimiter
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		what    string
		at      time.Duration
		ok      bool
		repeats int
	}{
		{"bad credentials", 0, true, 0},
		{"bad credentials", 500 * time.Millisecond, false, 0},
		{"bad credentials", time.Second, false, 0},
		{"bad credentials", repeatWindow, true, 2},
		{"timeout", repeatWindow + time.Second, true, 0},
		{"bad credentials", repeatWindow + 2*time.Second, true, 0},
	}
	for i, s := range steps {
		ok, repeats := l.allow(s.what, t0.Add(s.at))
		if ok != s.ok || repeats != s.repeats {
			t.Errorf("step %d (%s at %s): allow = %v, %d; want %v, %d", i, s.what, s.at, ok, repeats, s.ok, s.repeats)
		}
	}
	l.reset()
	if ok, _ := l.allow("timeout", t0.Add(repeatWindow+3*time.Second)); !ok {
		t.Error("after reset, a failure is logged at once")
	}
}
