package revelsim

import (
	"math/rand/v2"
	"time"
)

// The simulated restaurant's day, in the tenant's own zone, so that its
// history looks local whatever zone it is given: staff clock in from 07:00
// to 16:00 and work shifts of hours; orders come in from 11:00 until the
// kitchen closes at 22:00.
const (
	staffFrom, staffUntil   = 7, 16  // local hours within which shifts start
	ordersFrom, ordersUntil = 11, 22 // local hours within which orders are taken
	minShift                = 4 * time.Hour
	maxShift                = 9 * time.Hour
	orderEvery              = 65 * time.Minute // between seeded orders, within opening hours
	// orderSettles is how long a seeded order takes to be edited and paid;
	// the newest is that old, so its history ends before now.
	orderSettles = 10 * time.Minute
)

// localClock returns hour:min on the local date days after t's (days < 0
// is in the past) in zone.
func localClock(t time.Time, zone *time.Location, days, hour, min int) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d+days, hour, min, 0, 0, zone)
}

// inHours reports whether t's local hour in zone is within [from, until).
func inHours(t time.Time, zone *time.Location, from, until int) bool {
	h := t.In(zone).Hour()
	return h >= from && h < until
}

// orderTimes returns n order times in opening hours, oldest first, every
// step apart while the restaurant is open, the newest orderSettles before
// now.
func orderTimes(now time.Time, zone *time.Location, n int, step time.Duration) []time.Time {
	out := make([]time.Time, n)
	t := now.Add(-orderSettles)
	for i := n - 1; i >= 0; {
		switch h := t.In(zone).Hour(); {
		case h >= ordersUntil: // after closing: the last orders of the evening
			t = localClock(t, zone, 0, ordersUntil-1, 50)
		case h < ordersFrom: // before opening: the evening before
			t = localClock(t, zone, -1, ordersUntil-1, 50)
		default:
			out[i] = t.Truncate(time.Second)
			i--
			t = t.Add(-step)
		}
	}
	return out
}

// shift is one seeded TimeSheetEntry's clock times; out is zero while it
// is open.
type shift struct{ in, out time.Time }

// seedShifts returns an employee's three latest shifts before now, newest
// first, each starting in staff hours and all finished, except that with
// open the newest is still running when the local time allows a shift that
// started in staff hours to have lasted between minShift and maxShift.
func seedShifts(now time.Time, zone *time.Location, rnd *rand.Rand, open bool) []shift {
	var out []shift
	earliest, latest := localClock(now, zone, 0, staffFrom, 0), localClock(now, zone, 0, staffUntil, 0)
	if t := now.Add(-maxShift); t.After(earliest) {
		earliest = t
	}
	if t := now.Add(-minShift); t.Before(latest) {
		latest = t
	}
	days := 0
	if open && !latest.Before(earliest) {
		out = append(out, shift{in: earliest.Add(time.Duration(rnd.Int64N(int64(latest.Sub(earliest)) + 1))).Truncate(time.Minute)})
		days = 1
	}
	for ; len(out) < 3; days++ {
		in := localClock(now, zone, -days, staffFrom+rnd.IntN(staffUntil-staffFrom), 15*rnd.IntN(4))
		length := minShift + 2*time.Hour + time.Duration(rnd.IntN(int(maxShift-minShift-2*time.Hour)/int(time.Minute)))*time.Minute
		if end := in.Add(length); end.Before(now) && (len(out) == 0 || end.Before(out[len(out)-1].in)) {
			out = append(out, shift{in: in, out: end})
		}
	}
	return out
}
