package revelsim

import (
	"strconv"
	"strings"
	"time"
)

// Revel's datetimes are naive wall-clock text in the tenant zone, both in
// objects and in filter values (Revel's FAQ filter examples, such as
// created_date__gte=2014-12-01T19:58:25; a public pipeline showed them to be
// local time on a US tenant). The simulator compares them
// the way Django does with naive datetimes: as wall-clock readings, never as
// strings and never converted through UTC.

// naive renders an instant as Revel does: wall-clock text in the tenant
// zone, Python isoformat style (microseconds only when non-zero). Across the
// autumn fall-back this text runs backwards, which is the point.
func (s *Server) naive(t time.Time) string {
	t = t.In(s.zone)
	b := t.AppendFormat(make([]byte, 0, 26), "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.', byte('0'+us/100000), byte('0'+us/10000%10), byte('0'+us/1000%10),
			byte('0'+us/100%10), byte('0'+us/10%10), byte('0'+us%10))
	}
	return string(b)
}

// parseNaive parses the forms Django's parse_datetime/parse_date accept
// without an offset: "YYYY-MM-DD" or "YYYY-MM-DD[T ]HH:MM[:SS[.f]]" with up
// to 6 significant fraction digits. It returns the wall-clock reading as
// microseconds since 1970-01-01T00:00:00, so "…:07.5" equals "…:07.500000".
// Offsets ("Z", "+02:00") are rejected: Revel filters take local text, and a
// client sending UTC should fail loudly rather than match the wrong rows.
func parseNaive(s string) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	var h, mi, sec, us int
	if rest := s[10:]; rest != "" {
		if len(rest) < 6 || (rest[0] != 'T' && rest[0] != ' ') || rest[3] != ':' {
			return 0, false
		}
		var okh, okm bool
		h, okh = digits(rest[1:3])
		mi, okm = digits(rest[4:6])
		if !okh || !okm {
			return 0, false
		}
		rest = rest[6:]
		if rest != "" {
			if len(rest) < 3 || rest[0] != ':' {
				return 0, false
			}
			var oks bool
			if sec, oks = digits(rest[1:3]); !oks {
				return 0, false
			}
			rest = rest[3:]
		}
		if rest != "" {
			frac := rest[1:]
			if (rest[0] != '.' && rest[0] != ',') || frac == "" || len(frac) > 12 {
				return 0, false
			}
			frac = (frac + "00000")[:6] // digits beyond 6 are dropped, as Django does
			var okf bool
			if us, okf = digits(frac); !okf || !allDigits(rest[1:]) {
				return 0, false
			}
		}
	}
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // 2026-02-30 and friends
		return 0, false
	}
	return t.Unix()*1e6 + int64(us), true
}

func digits(s string) (int, bool) {
	if !allDigits(s) || s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// refID extracts the primary key a foreign-key filter compares: a bare
// integer ("26") or the last segment of a URI ("/enterprise/Establishment/26/").
func refID(s string) (int64, bool) {
	if strings.HasPrefix(s, "/") && strings.HasSuffix(s, "/") {
		s = s[strings.LastIndexByte(s[:len(s)-1], '/')+1 : len(s)-1]
	}
	if !allDigits(s) || s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
