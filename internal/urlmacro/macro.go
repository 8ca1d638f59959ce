package urlmacro

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/revel-connect/revel-connect/internal/timefmt"
)

type macroKind uint8

const (
	kindLowerBound macroKind = iota // from, rendered in loc
	kindUpperBound                  // now, rendered in loc
	kindEpoch                       // from, as a count of unit since 1970
)

type macro struct {
	text   string // as written, "${...}"
	kind   macroKind
	loc    *time.Location
	layout *timefmt.Layout
	unit   time.Duration
}

// defaultDateLayout renders ${date} without a format; Cloud Elements never
// documented its default, so ISO-8601 with offset is the unambiguous choice.
const defaultDateLayout = "yyyy-MM-dd'T'HH:mm:ssXXX"

var epochUnits = map[string]time.Duration{"": time.Millisecond, "ms": time.Millisecond, "s": time.Second, "us": time.Microsecond}

// parseMacro compiles one "${...}" macro. Names are case-insensitive
// because Revel's documentation writes DateTimeZone where Cloud Elements
// writes dateTimeZone. ${date} renders in UTC here, not in a server's zone
// as Cloud Elements did, so a template means the same on every host.
func parseMacro(text string) (*macro, error) {
	body := text[2 : len(text)-1]
	name, args, hasArgs := strings.Cut(body, ":")
	fail := func(format string, a ...any) error {
		return fmt.Errorf("macro %q: %s", text, fmt.Sprintf(format, a...))
	}
	switch strings.ToLower(name) {
	case "datetimezone", "nowtimezone":
		kind := kindLowerBound
		if strings.EqualFold(name, "nowtimezone") {
			kind = kindUpperBound
		}
		zoneLen := zoneLength(args)
		if !hasArgs || zoneLen == 0 || zoneLen >= len(args) || args[zoneLen] != ':' {
			return nil, fail("expected ${%s:ZONE:FORMAT}, e.g. ${%s:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}", name, name)
		}
		loc, err := timefmt.LoadZone(args[:zoneLen])
		if err != nil {
			return nil, fail("%v", err)
		}
		layout, err := compileFormat(args[zoneLen+1:])
		if err != nil {
			return nil, fail("%v", err)
		}
		return &macro{kind: kind, loc: loc, layout: layout}, nil
	case "gmtdate", "date":
		pattern := args
		if !hasArgs && strings.EqualFold(name, "date") {
			pattern = defaultDateLayout
		} else if !hasArgs {
			return nil, fail("expected ${%s:FORMAT}, e.g. ${%s:%s}", name, name, defaultDateLayout)
		}
		layout, err := compileFormat(pattern)
		if err != nil {
			return nil, fail("%v", err)
		}
		return &macro{kind: kindLowerBound, loc: time.UTC, layout: layout}, nil
	case "epoch":
		unit, ok := epochUnits[strings.ToLower(args)]
		if !ok || hasArgs && args == "" {
			return nil, fail("unknown epoch unit %q: use ${epoch} or ${epoch:ms} for milliseconds, ${epoch:s} for seconds, ${epoch:us} for microseconds", args)
		}
		return &macro{kind: kindEpoch, unit: unit}, nil
	case "milliseconds":
		if hasArgs {
			return nil, fail("${milliseconds} takes no format")
		}
		return &macro{kind: kindEpoch, unit: time.Millisecond}, nil
	}
	return nil, fail("unknown macro %q: use DateTimeZone, nowTimeZone, gmtDate, date, epoch or milliseconds", name)
}

func compileFormat(pattern string) (*timefmt.Layout, error) {
	if pattern == "" {
		return nil, errors.New("empty format")
	}
	return timefmt.Compile(pattern)
}

// zoneLength returns the length of the zone at the start of args. Offsets
// contain ':' themselves ("-8:00:HH:mm", "GMT+05:30:HH:mm"), so a zone that
// starts with a sign, or GMT/UTC and a sign, is read as [+-]H[H][[:]MM];
// any other zone ends at the first ':'.
func zoneLength(args string) int {
	prefix := 0
	if len(args) > 3 && (strings.EqualFold(args[:3], "GMT") || strings.EqualFold(args[:3], "UTC")) &&
		(args[3] == '+' || args[3] == '-') {
		prefix = 3
	}
	if prefix < len(args) && (args[prefix] == '+' || args[prefix] == '-') {
		return prefix + offsetLength(args[prefix:])
	}
	if i := strings.IndexByte(args, ':'); i >= 0 {
		return i
	}
	return len(args)
}

// offsetLength measures ±H, ±HH, ±HHMM, ±H:MM or ±HH:MM at the start of s.
func offsetLength(s string) int {
	digits := 0
	for 1+digits < len(s) && digits < 4 && isDigit(s[1+digits]) {
		digits++
	}
	n := 1 + digits
	if digits <= 2 && n+3 <= len(s) && s[n] == ':' && isDigit(s[n+1]) && isDigit(s[n+2]) {
		n += 3
	}
	return n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// truncate returns the earliest instant whose rendering as a lower bound
// matches t's: a pattern without t's smallest digits (".SSS" against
// microsecond dates, no seconds, an epoch in seconds) renders t rounded
// down, and the query matches rows from there. The wall clock is rendered
// and read back in UTC, so a zone's transitions play no part; a pattern
// that cannot be read back, or drops more than a day, is left as it is.
func (m *macro) truncate(t time.Time) time.Time {
	if m.kind == kindEpoch {
		return t.Truncate(m.unit)
	}
	_, offset := t.In(m.loc).Zone()
	wall := t.Add(time.Duration(offset) * time.Second).UTC()
	back, err := m.layout.Parse(m.layout.Format(wall), time.UTC)
	if err != nil {
		return t
	}
	if cut := wall.Sub(back); cut > 0 && cut <= 24*time.Hour {
		return t.Add(-cut)
	}
	return t
}

// appendValue renders the macro for a poll window [from, now].
func (m *macro) appendValue(dst []byte, from, now time.Time) []byte {
	switch m.kind {
	case kindLowerBound:
		return m.layout.AppendFormat(dst, timefmt.LowestWallClock(from, now, m.loc).In(m.loc))
	case kindUpperBound:
		return m.layout.AppendFormat(dst, now.In(m.loc))
	}
	switch m.unit {
	case time.Second:
		return strconv.AppendInt(dst, from.Unix(), 10)
	case time.Microsecond:
		return strconv.AppendInt(dst, from.UnixMicro(), 10)
	}
	return strconv.AppendInt(dst, from.UnixMilli(), 10)
}
