package timefmt

import (
	"fmt"
	"strings"
	"sync"
	"time"

	// Embedded so zone ids resolve in minimal container images without
	// /usr/share/zoneinfo; the system database is still preferred.
	_ "time/tzdata"
)

// javaShortIDs is java.time.ZoneId.SHORT_IDS minus the fixed-offset entries:
// Cloud Elements resolved ids such as PST through this table, so PST observes
// DST exactly like America/Los_Angeles.
var javaShortIDs = map[string]string{
	"ACT": "Australia/Darwin",
	"AET": "Australia/Sydney",
	"AGT": "America/Argentina/Buenos_Aires",
	"ART": "Africa/Cairo",
	"AST": "America/Anchorage",
	"BET": "America/Sao_Paulo",
	"BST": "Asia/Dhaka",
	"CAT": "Africa/Harare",
	"CNT": "America/St_Johns",
	"CST": "America/Chicago",
	"CTT": "Asia/Shanghai",
	"EAT": "Africa/Addis_Ababa",
	"ECT": "Europe/Paris",
	"IET": "America/Indiana/Indianapolis",
	"IST": "Asia/Kolkata",
	"JST": "Asia/Tokyo",
	"MIT": "Pacific/Apia",
	"NET": "Asia/Yerevan",
	"NST": "Pacific/Auckland",
	"PLT": "Asia/Karachi",
	"PNT": "America/Phoenix",
	"PRT": "America/Puerto_Rico",
	"PST": "America/Los_Angeles",
	"SST": "Pacific/Guadalcanal",
	"VST": "Asia/Ho_Chi_Minh",

	// Not Java ids: daylight-time spellings users write meaning the region.
	"PDT": "America/Los_Angeles",
	"MDT": "America/Denver",
	"CDT": "America/Chicago",
	"EDT": "America/New_York",
}

// javaFixedIDs are the SHORT_IDS entries Java maps to fixed offsets, so EST
// stays -05:00 all summer.
var javaFixedIDs = map[string]int{
	"EST": -5 * 3600,
	"MST": -7 * 3600,
	"HST": -10 * 3600,
}

var zoneCache sync.Map // id -> *time.Location

// LoadZone resolves a zone id as Cloud Elements (Java) accepted it: an IANA
// name, a Java short id such as PST (case-insensitive), GMT/UTC/UT/Z, or an
// offset such as -8:00, +0530, GMT-8 or UTC+1. Results are cached because
// callers resolve ids per request.
func LoadZone(id string) (*time.Location, error) {
	if cached, ok := zoneCache.Load(id); ok {
		return cached.(*time.Location), nil
	}
	loc, err := resolveZone(id)
	if err != nil {
		return nil, err
	}
	cached, _ := zoneCache.LoadOrStore(id, loc)
	return cached.(*time.Location), nil
}

const acceptedZones = "an IANA name such as America/Los_Angeles, a Java short id such as PST, or an offset such as -08:00"

func resolveZone(id string) (*time.Location, error) {
	if id == "" {
		return nil, fmt.Errorf("empty time zone id: use %s", acceptedZones)
	}
	upper := strings.ToUpper(id)
	if region, ok := javaShortIDs[upper]; ok {
		return time.LoadLocation(region)
	}
	if offset, ok := javaFixedIDs[upper]; ok {
		return time.FixedZone(upper, offset), nil
	}
	switch upper {
	case "GMT", "UTC", "UT", "Z":
		return time.UTC, nil
	}
	if offset, ok := parseZoneOffsetID(upper); ok {
		return offsetZone(offset), nil
	}
	// "Local" would make the tenant's zone depend on the server's.
	if id != "Local" {
		if loc, err := time.LoadLocation(id); err == nil {
			return loc, nil
		}
	}
	return nil, fmt.Errorf("unknown time zone %q: use %s", id, acceptedZones)
}

// parseZoneOffsetID accepts [GMT|UTC|UT]±H[H][[:]MM] as a whole id.
func parseZoneOffsetID(upper string) (int, bool) {
	for _, prefix := range []string{"GMT", "UTC", "UT"} {
		if rest, ok := strings.CutPrefix(upper, prefix); ok && rest != "" && (rest[0] == '+' || rest[0] == '-') {
			upper = rest
			break
		}
	}
	offset, n, ok := parseOffset(upper)
	if !ok || n != len(upper) {
		return 0, false
	}
	return offset, true
}

// offsetZone names fixed zones like "-08:00" so that rendered 'z' text and
// error messages stay readable.
func offsetZone(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	return time.FixedZone(string(appendOffset(nil, offset, true, true)), offset)
}

// parseOffset reads "Z" or ±H, ±HH, ±HMM, ±HHMM, ±H:MM, ±HH:MM at the start of
// s and returns the offset in seconds east of UTC and the bytes consumed.
func parseOffset(s string) (offset, n int, ok bool) {
	if s == "" {
		return 0, 0, false
	}
	if s[0] == 'Z' {
		return 0, 1, true
	}
	if s[0] != '+' && s[0] != '-' {
		return 0, 0, false
	}
	digits := 0
	for 1+digits < len(s) && digits < 4 && isDigit(s[1+digits]) {
		digits++
	}
	var hours, minutes int
	switch digits {
	case 1, 2:
		hours = atoi(s[1 : 1+digits])
		n = 1 + digits
		if n+3 <= len(s) && s[n] == ':' && isDigit(s[n+1]) && isDigit(s[n+2]) {
			minutes = atoi(s[n+1 : n+3])
			n += 3
		}
	case 3, 4:
		hours = atoi(s[1 : digits-1])
		minutes = atoi(s[digits-1 : digits+1])
		n = 1 + digits
	default:
		return 0, 0, false
	}
	if hours > 18 || minutes > 59 {
		return 0, 0, false
	}
	offset = hours*3600 + minutes*60
	if s[0] == '-' {
		offset = -offset
	}
	return offset, n, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// atoi converts a short run of ASCII digits already checked by the caller.
func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// SameClock reports whether a and b read the same wall clock at from and on
// the first of each of the 12 months after it: zones that differ only in
// name (PST and America/Los_Angeles) agree, zones that differ in offset or
// daylight rules do not.
func SameClock(a, b *time.Location, from time.Time) bool {
	for i := 0; i <= 12; i++ {
		t := from
		if i > 0 {
			y, m, _ := from.Date()
			t = time.Date(y, m+time.Month(i), 1, 12, 0, 0, 0, time.UTC)
		}
		_, x := t.In(a).Zone()
		_, y := t.In(b).Zone()
		if x != y {
			return false
		}
	}
	return true
}
