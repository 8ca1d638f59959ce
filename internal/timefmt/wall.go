package timefmt

import "time"

// WallTime is time.Date made deterministic around DST transitions, matching
// Java's LocalDateTime.atZone. A wall clock that occurs twice (the autumn
// repeated hour) resolves to the EARLIER instant: a cursor must never be
// ahead of real time, and resolving early only costs a repeat that
// suppression absorbs. A wall clock in the spring-forward gap is moved
// forward by the gap (02:30 becomes 03:30 PDT); time.Date moves it forward
// or backward depending on the zone.
func WallTime(loc *time.Location, year int, month time.Month, day, hour, min, sec, nsec int) time.Time {
	t := time.Date(year, month, day, hour, min, sec, nsec, loc)
	wall := time.Date(year, month, day, hour, min, sec, nsec, time.UTC).Unix()
	_, offset := t.Zone()
	if skew := wall - (t.Unix() + int64(offset)); skew != 0 {
		if skew > 0 { // in a gap, time.Date went backward
			return t.Add(time.Duration(skew) * time.Second)
		}
		return t
	}
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, previousOffset := start.Add(-time.Nanosecond).Zone()
	if drop := previousOffset - offset; drop > 0 {
		if earlier := t.Add(-time.Duration(drop) * time.Second); earlier.Before(start) {
			return earlier
		}
	}
	return t
}

// LowestWallClock returns the instant in [from, now] whose wall clock in loc
// reads lowest. That is from, unless a fall-back transition in (from, now]
// turns the clock back below from's reading: a URL macro that renders the
// lower bound as naive local text must then render the transition, or it
// would skip records written in the repeated hour.
func LowestWallClock(from, now time.Time, loc *time.Location) time.Time {
	lowest, lowestWall := from, wallClock(from.In(loc))
	for t := from.In(loc); ; {
		_, end := t.ZoneBounds()
		if end.IsZero() || end.After(now) {
			return lowest
		}
		_, before := end.Add(-time.Nanosecond).Zone()
		if _, after := end.Zone(); after < before {
			if w := wallClock(end); w.Before(lowestWall) {
				lowest, lowestWall = end, w
			}
		}
		t = end
	}
}

// EarliestReach returns how far back a naive local lower bound rendered from
// t can reach: within the offset drop either side of a fall-back transition
// the same wall clock also names an instant one drop earlier. Suppression of
// already-emitted changes must be kept back to that instant.
func EarliestReach(t time.Time, loc *time.Location) time.Time {
	return earliestReach(t, loc)
}

// EarliestReachOver is the minimum of EarliestReach(t, loc) for t in
// [from, to]. EarliestReach is not monotonic near a fall-back, so a bound
// that will only be known to lie in [from, to] needs this.
func EarliestReachOver(from, to time.Time, loc *time.Location) time.Time {
	lowest := earliestReach(from, loc)
	for t := from; !t.After(to); {
		_, end := t.In(loc).ZoneBounds()
		if end.IsZero() {
			break
		}
		_, before := end.Add(-time.Nanosecond).In(loc).Zone()
		_, after := end.In(loc).Zone()
		if drop := time.Duration(before-after) * time.Second; drop > 0 {
			// EarliestReach is lowest at the start of the window [T-d, T+d).
			if at := later(from, end.Add(-drop)); !at.After(to) {
				if r := at.Add(-drop); r.Before(lowest) {
					lowest = r
				}
			}
		}
		t = end
	}
	return lowest
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earliestReach(t time.Time, loc *time.Location) time.Time {
	local := t.In(loc)
	_, offset := local.Zone()
	start, end := local.ZoneBounds()
	if !start.IsZero() {
		_, previousOffset := start.Add(-time.Nanosecond).Zone()
		if drop := time.Duration(previousOffset-offset) * time.Second; drop > 0 && t.Before(start.Add(drop)) {
			return t.Add(-drop)
		}
	}
	if !end.IsZero() {
		_, nextOffset := end.Zone()
		if drop := time.Duration(offset-nextOffset) * time.Second; drop > 0 && !t.Before(end.Add(-drop)) {
			return t.Add(-drop)
		}
	}
	return t
}

// wallClock is t's wall-clock reading as a UTC time, for comparing readings.
func wallClock(t time.Time) time.Time {
	_, offset := t.Zone()
	return t.UTC().Add(time.Duration(offset) * time.Second)
}
