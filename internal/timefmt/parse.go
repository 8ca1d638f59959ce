package timefmt

import (
	"fmt"
	"strings"
	"time"
)

// fields collects parsed values before they are resolved to an instant.
type fields struct {
	year, month, day           int
	hour, minute, second, nsec int
	clock12, pm                bool
	offset                     int
	hasOffset                  bool
	zoneAbbr                   string // a z value that is a name, resolved last
}

// Parse parses value with the layout and resolves the wall time in loc (UTC
// if nil); an offset in the value decides the instant instead, and the result
// is expressed in loc either way.
//
// It is lenient where Revel needs it: an S-run takes 1 to 9 digits as a
// decimal fraction, a '.' or ',' before an S-run may be missing together
// with the fraction, a fraction after seconds is read even when the pattern
// has none (Revel writes "17:31:07.637840" for "HH:mm:ss"; Java would ignore
// the rest, which we read as the fraction it is), and when the pattern has
// no zone letter a trailing zone designator ("Z", "+07:00", "-0800") is
// honoured.
//
// Zone text in z and Z fields is read as Java's SimpleDateFormat reads it:
// an offset (-0800, -08:00, GMT-08:00, GMT), or a zone name, which stands
// for a fixed offset: a standard-time name such as PST is the zone's
// standard offset even in summer, a daylight name such as PDT its daylight
// offset. Names are looked up in loc first, then in a table of common ones.
func (l *Layout) Parse(value string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if l.epochUnit != 0 {
		return l.parseEpoch(value, loc)
	}
	f := fields{year: 1970, month: 1, day: 1}
	pos, err := l.parseItems(value, &f)
	if err != nil {
		return time.Time{}, err
	}
	if pos < len(value) {
		offset, n, ok := parseOffset(value[pos:])
		if l.hasZone || !ok || pos+n != len(value) {
			return time.Time{}, l.parseError(value, fmt.Sprintf("unexpected text %q at the end", value[pos:]))
		}
		f.offset, f.hasOffset = offset, true
	}
	if reason := f.validate(); reason != "" {
		return time.Time{}, l.parseError(value, reason)
	}
	if f.clock12 && f.pm {
		f.hour += 12
	}
	switch {
	case f.hasOffset:
		utc := time.Date(f.year, time.Month(f.month), f.day, f.hour, f.minute, f.second, f.nsec, time.UTC)
		return utc.Add(-time.Duration(f.offset) * time.Second).In(loc), nil
	case f.zoneAbbr != "":
		t, ok := resolveZoneName(&f, loc)
		if !ok {
			return time.Time{}, l.parseError(value, fmt.Sprintf("unknown time zone %q", f.zoneAbbr))
		}
		return t.In(loc), nil
	}
	return WallTime(loc, f.year, time.Month(f.month), f.day, f.hour, f.minute, f.second, f.nsec), nil
}

// parseItems consumes value item by item and returns the position reached.
func (l *Layout) parseItems(value string, f *fields) (int, error) {
	pos := 0
	for i := 0; i < len(l.items); i++ {
		it := &l.items[i]
		rest := value[pos:]
		switch it.field {
		case fieldLiteral:
			if strings.HasPrefix(rest, it.literal) {
				pos += len(it.literal)
				continue
			}
			if it.optionalFraction && (rest == "" || !isDigit(rest[0])) {
				i++ // no separator and no digits: the fraction is absent
				continue
			}
			return 0, l.parseError(value, fmt.Sprintf("expected %q at %q", it.literal, rest))
		case fieldFraction:
			minDigits, maxDigits := 1, 9
			if it.width > 0 {
				minDigits, maxDigits = min(it.width, 9), min(it.width, 9)
			}
			v, n := readDigits(rest, maxDigits)
			if n < minDigits {
				return 0, l.parseError(value, fmt.Sprintf("expected fraction digits at %q", rest))
			}
			f.nsec = v * pow10[9-n]
			pos += n
		case fieldAmPm, fieldWeekday:
			n, err := l.parseText(value, pos, it, f)
			if err != nil {
				return 0, err
			}
			pos += n
		case fieldZoneName, fieldZoneRFC822, fieldZoneISO:
			n, ok := parseZoneText(rest, it.field, f)
			if !ok {
				return 0, l.parseError(value, fmt.Sprintf("expected a time zone at %q", rest))
			}
			pos += n
		default:
			var n int
			var err error
			if it.field == fieldMonth && it.count >= 3 {
				n, err = l.parseText(value, pos, it, f)
			} else {
				n, err = l.parseNumber(value, pos, it, f)
			}
			if err != nil {
				return 0, err
			}
			pos += n
			if it.field == fieldSecond && !l.fractionNext(i) {
				pos += readFraction(value[pos:], f)
			}
		}
	}
	return pos, nil
}

// fractionNext reports whether the pattern itself reads what follows the
// seconds item at i: a fraction, or a literal starting with its separator.
func (l *Layout) fractionNext(i int) bool {
	if i+1 >= len(l.items) {
		return false
	}
	next := &l.items[i+1]
	switch next.field {
	case fieldFraction:
		return true
	case fieldLiteral:
		return next.literal[0] == '.' || next.literal[0] == ','
	}
	return false
}

// readFraction reads a '.' or ',' and up to 9 digits (further digits are
// dropped, beyond a nanosecond) into f and returns the bytes consumed; 0
// when s does not start with a separator and a digit.
func readFraction(s string, f *fields) int {
	if len(s) < 2 || (s[0] != '.' && s[0] != ',') || !isDigit(s[1]) {
		return 0
	}
	v, n := readDigits(s[1:], 9)
	f.nsec = v * pow10[9-n]
	n++
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

var pow10 = [...]int{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// parseNumber reads one numeric field; ranges are checked in validate.
func (l *Layout) parseNumber(value string, pos int, it *item, f *fields) (int, error) {
	rest := value[pos:]
	minDigits, maxDigits := 1, max(2, it.count)
	switch {
	case it.width > 0:
		minDigits, maxDigits = it.width, it.width
	case it.field == fieldYear && it.count == 2:
		minDigits = 2
	case it.field == fieldYear:
		maxDigits = 9
	}
	v, n := readDigits(rest, maxDigits)
	if n < minDigits {
		if minDigits == 1 {
			return 0, l.parseError(value, fmt.Sprintf("expected a number at %q", rest))
		}
		return 0, l.parseError(value, fmt.Sprintf("expected %d digits at %q", minDigits, rest))
	}
	switch it.field {
	case fieldYear:
		f.year = v
		if it.count == 2 {
			f.year = twoDigitYear(v)
		}
	case fieldMonth:
		f.month = v
	case fieldDay:
		f.day = v
	case fieldHour:
		f.hour = v
	case fieldHourFrom1:
		if v < 1 || v > 24 {
			return 0, l.parseError(value, "hour out of range")
		}
		f.hour = v % 24
	case fieldHour12:
		if v < 1 || v > 12 {
			return 0, l.parseError(value, "hour out of range")
		}
		f.hour, f.clock12 = v%12, true
	case fieldHour12From0:
		if v > 11 {
			return 0, l.parseError(value, "hour out of range")
		}
		f.hour, f.clock12 = v, true
	case fieldMinute:
		f.minute = v
	case fieldSecond:
		f.second = v
	}
	return n, nil
}

// twoDigitYear uses Go's fixed pivot instead of Java's "80 years before
// today", so a parse never depends on the current date.
func twoDigitYear(v int) int {
	if v >= 69 {
		return 1900 + v
	}
	return 2000 + v
}

// parseText reads month names, weekday names and AM/PM case-insensitively,
// accepting the long or the short form whatever the letter count.
func (l *Layout) parseText(value string, pos int, it *item, f *fields) (int, error) {
	rest := value[pos:]
	switch it.field {
	case fieldMonth:
		if i, n := matchName(rest, longMonthNames[:]); n > 0 {
			f.month = i + 1
			return n, nil
		}
		return 0, l.parseError(value, fmt.Sprintf("expected a month name at %q", rest))
	case fieldWeekday:
		// The weekday is checked for form only: Java ignores it too.
		if _, n := matchName(rest, longDayNames[:]); n > 0 {
			return n, nil
		}
		return 0, l.parseError(value, fmt.Sprintf("expected a weekday name at %q", rest))
	default:
		if len(rest) >= 2 && (rest[1] == 'M' || rest[1] == 'm') {
			switch rest[0] {
			case 'A', 'a':
				f.pm = false
				return 2, nil
			case 'P', 'p':
				f.pm = true
				return 2, nil
			}
		}
		return 0, l.parseError(value, fmt.Sprintf("expected AM or PM at %q", rest))
	}
}

// matchName returns the index of the long or three-letter name that prefixes
// s and its length, preferring the long form.
func matchName(s string, names []string) (index, n int) {
	for i, name := range names {
		if len(s) >= len(name) && strings.EqualFold(s[:len(name)], name) {
			return i, len(name)
		}
	}
	for i, name := range names {
		if len(s) >= 3 && strings.EqualFold(s[:3], name[:3]) {
			return i, 3
		}
	}
	return 0, 0
}

// parseZoneText reads zone text: "Z" or an offset for every zone letter;
// for z and Z also GMT, UTC or UT with an optional offset, and a zone name,
// as Java's SimpleDateFormat accepts general time zones for both.
func parseZoneText(s string, kind field, f *fields) (int, bool) {
	if offset, n, ok := parseOffset(s); ok {
		f.offset, f.hasOffset = offset, true
		return n, true
	}
	if kind == fieldZoneISO {
		return 0, false
	}
	if name, offset, ok := longZoneName(s); ok {
		f.offset, f.hasOffset = offset, true
		return len(name), true
	}
	letters := 0
	for letters < len(s) && isASCIILetter(s[letters]) {
		letters++
	}
	if letters == 0 {
		return 0, false
	}
	name := s[:letters]
	if strings.EqualFold(name, "GMT") || strings.EqualFold(name, "UTC") || strings.EqualFold(name, "UT") {
		if offset, n, ok := parseOffset(s[letters:]); ok && s[letters] != 'Z' {
			f.offset, f.hasOffset = offset, true
			return letters + n, true
		}
		f.offset, f.hasOffset = 0, true
		return letters, true
	}
	f.zoneAbbr = name
	return letters, true
}

// resolveZoneName resolves a wall time written with a zone name to the
// fixed offset Java gives that name. loc's own names come first: at the
// wall time itself (which covers historical names such as LMT), then
// anywhere in that year (PST in July is still -08:00). Other names come
// from zoneNames.
func resolveZoneName(f *fields, loc *time.Location) (time.Time, bool) {
	wall := time.Date(f.year, time.Month(f.month), f.day, f.hour, f.minute, f.second, f.nsec, time.UTC)
	at := func(offset int) time.Time { return wall.Add(-time.Duration(offset) * time.Second) }
	guess := WallTime(loc, f.year, time.Month(f.month), f.day, f.hour, f.minute, f.second, f.nsec)
	start, end := guess.ZoneBounds()
	_, offset := guess.Zone()
	candidates := [3]int{offset, offset, offset}
	if !start.IsZero() {
		_, candidates[1] = start.Add(-time.Nanosecond).Zone()
	}
	if !end.IsZero() {
		_, candidates[2] = end.Zone()
	}
	for _, candidate := range candidates {
		t := at(candidate).In(loc)
		if name, got := t.Zone(); got == candidate && strings.EqualFold(name, f.zoneAbbr) {
			return t, true
		}
	}
	for month := time.January; month <= time.December; month++ {
		if name, offset := time.Date(f.year, month, 1, 12, 0, 0, 0, loc).Zone(); strings.EqualFold(name, f.zoneAbbr) {
			return at(offset), true
		}
	}
	for _, z := range zoneNames {
		if strings.EqualFold(z.name, f.zoneAbbr) {
			return at(z.offset), true
		}
	}
	return time.Time{}, false
}

// zoneName is a zone name and the fixed offset (seconds east of UTC) Java's
// SimpleDateFormat parses it as: standard names are standard time all year,
// daylight names daylight time.
type zoneName struct {
	name   string
	offset int
}

// zoneNames are the common short names of Java's English zone strings
// (java.text.DateFormatSymbols.getZoneStrings) that a tenant's zone does
// not already name. Ambiguous ones (BST, IST, CST outside the US) follow
// Java's US-first resolution.
var zoneNames = [...]zoneName{
	{"PST", -8 * 3600}, {"PDT", -7 * 3600},
	{"MST", -7 * 3600}, {"MDT", -6 * 3600},
	{"CST", -6 * 3600}, {"CDT", -5 * 3600},
	{"EST", -5 * 3600}, {"EDT", -4 * 3600},
	{"AKST", -9 * 3600}, {"AKDT", -8 * 3600},
	{"HST", -10 * 3600}, {"HDT", -9 * 3600},
	{"AST", -4 * 3600}, {"ADT", -3 * 3600},
	{"NST", -(3*3600 + 1800)}, {"NDT", -(2*3600 + 1800)},
	{"WET", 0}, {"WEST", 3600}, {"BST", 3600},
	{"CET", 3600}, {"CEST", 2 * 3600},
	{"EET", 2 * 3600}, {"EEST", 3 * 3600},
	{"MSK", 3 * 3600}, {"IST", 5*3600 + 1800},
	{"ICT", 7 * 3600}, {"SGT", 8 * 3600}, {"HKT", 8 * 3600}, {"AWST", 8 * 3600},
	{"JST", 9 * 3600}, {"KST", 9 * 3600},
	{"ACST", 9*3600 + 1800}, {"ACDT", 10*3600 + 1800},
	{"AEST", 10 * 3600}, {"AEDT", 11 * 3600},
	{"NZST", 12 * 3600}, {"NZDT", 13 * 3600},
}

// longZoneNames are the long names Java's z also parses.
var longZoneNames = [...]zoneName{
	{"Pacific Standard Time", -8 * 3600}, {"Pacific Daylight Time", -7 * 3600},
	{"Mountain Standard Time", -7 * 3600}, {"Mountain Daylight Time", -6 * 3600},
	{"Central Standard Time", -6 * 3600}, {"Central Daylight Time", -5 * 3600},
	{"Eastern Standard Time", -5 * 3600}, {"Eastern Daylight Time", -4 * 3600},
	{"Alaska Standard Time", -9 * 3600}, {"Alaska Daylight Time", -8 * 3600},
	{"Hawaii Standard Time", -10 * 3600}, {"Hawaii Daylight Time", -9 * 3600},
	{"Greenwich Mean Time", 0}, {"Coordinated Universal Time", 0},
}

// longZoneName matches a long zone name at the start of s.
func longZoneName(s string) (string, int, bool) {
	for _, z := range longZoneNames {
		if len(s) >= len(z.name) && strings.EqualFold(s[:len(z.name)], z.name) {
			return z.name, z.offset, true
		}
	}
	return "", 0, false
}

// validate range-checks the parsed fields; Java's lenient roll-over would
// turn a bad date into a wrong cursor.
func (f *fields) validate() string {
	switch {
	case f.month < 1 || f.month > 12:
		return "month out of range"
	case f.day < 1 || f.day > daysIn(f.month, f.year):
		return "day out of range"
	case f.hour > 23:
		return "hour out of range"
	case f.minute > 59:
		return "minute out of range"
	case f.second > 59:
		return "second out of range"
	}
	return ""
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// readDigits reads up to maxDigits ASCII digits.
func readDigits(s string, maxDigits int) (value, n int) {
	for n < len(s) && n < maxDigits && isDigit(s[n]) {
		value = value*10 + int(s[n]-'0')
		n++
	}
	return value, n
}

// parseEpoch reads an integer count of l.epochUnit with an optional decimal
// fraction ("1534778974.5").
func (l *Layout) parseEpoch(value string, loc *time.Location) (time.Time, error) {
	s := value
	negative := strings.HasPrefix(s, "-")
	if negative {
		s = s[1:]
	}
	whole, n := readDigits(s, 18)
	if n == 0 {
		return time.Time{}, l.parseError(value, "expected an integer")
	}
	if n < len(s) && isDigit(s[n]) {
		return time.Time{}, l.parseError(value, "integer out of range")
	}
	s = s[n:]
	fraction := 0
	if strings.HasPrefix(s, ".") {
		digits := 0
		fraction, digits = readDigits(s[1:], 9)
		if digits == 0 {
			return time.Time{}, l.parseError(value, "expected digits after '.'")
		}
		fraction *= pow10[9-digits]
		s = s[1+digits:]
	}
	if s != "" {
		return time.Time{}, l.parseError(value, fmt.Sprintf("unexpected text %q at the end", s))
	}
	perSecond := int(time.Second / l.epochUnit)
	sec := whole / perSecond
	nsec := (whole%perSecond)*int(l.epochUnit) + fraction/perSecond
	if negative {
		sec, nsec = -sec, -nsec
	}
	return time.Unix(int64(sec), int64(nsec)).In(loc), nil
}

func (l *Layout) parseError(value, reason string) error {
	return fmt.Errorf("parsing %q as %q: %s", value, l.pattern, reason)
}
