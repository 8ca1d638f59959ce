package timefmt

import (
	"strconv"
	"time"
)

var (
	longMonthNames = [...]string{"January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"}
	longDayNames = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// Format renders t in t.Location().
func (l *Layout) Format(t time.Time) string {
	var buf [64]byte
	return string(l.AppendFormat(buf[:0], t))
}

// AppendFormat appends t rendered in t.Location() to dst, so callers building
// URLs can format without an intermediate string.
func (l *Layout) AppendFormat(dst []byte, t time.Time) []byte {
	switch l.epochUnit {
	case time.Millisecond:
		return strconv.AppendInt(dst, t.UnixMilli(), 10)
	case time.Second:
		return strconv.AppendInt(dst, t.Unix(), 10)
	}
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	for _, it := range l.items {
		switch it.field {
		case fieldLiteral:
			dst = append(dst, it.literal...)
		case fieldYear:
			if year < 0 {
				dst = append(dst, '-')
			}
			if it.count == 2 {
				dst = appendPadded(dst, abs(year)%100, 2)
			} else {
				dst = appendPadded(dst, abs(year), it.count)
			}
		case fieldMonth:
			switch {
			case it.count <= 2:
				dst = appendPadded(dst, int(month), it.count)
			case it.count == 3:
				dst = append(dst, longMonthNames[month-1][:3]...)
			default:
				dst = append(dst, longMonthNames[month-1]...)
			}
		case fieldDay:
			dst = appendPadded(dst, day, it.count)
		case fieldHour:
			dst = appendPadded(dst, hour, it.count)
		case fieldHourFrom1:
			if hour == 0 {
				dst = appendPadded(dst, 24, it.count)
			} else {
				dst = appendPadded(dst, hour, it.count)
			}
		case fieldHour12:
			if hour%12 == 0 {
				dst = appendPadded(dst, 12, it.count)
			} else {
				dst = appendPadded(dst, hour%12, it.count)
			}
		case fieldHour12From0:
			dst = appendPadded(dst, hour%12, it.count)
		case fieldMinute:
			dst = appendPadded(dst, minute, it.count)
		case fieldSecond:
			dst = appendPadded(dst, second, it.count)
		case fieldFraction:
			dst = appendFraction(dst, t.Nanosecond(), it.count)
		case fieldAmPm:
			if hour < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case fieldWeekday:
			name := longDayNames[t.Weekday()]
			if it.count <= 3 {
				name = name[:3]
			}
			dst = append(dst, name...)
		case fieldZoneName:
			// Same as t.Format("MST"): the abbreviation, or -0700 if unnamed.
			name, offset := t.Zone()
			if name != "" {
				dst = append(dst, name...)
			} else {
				dst = appendOffset(dst, offset, true, false)
			}
		case fieldZoneRFC822:
			_, offset := t.Zone()
			dst = appendOffset(dst, offset, true, false)
		case fieldZoneISO:
			_, offset := t.Zone()
			if offset == 0 {
				dst = append(dst, 'Z')
			} else {
				dst = appendOffset(dst, offset, it.count >= 2, it.count >= 3)
			}
		}
	}
	return dst
}

// appendPadded appends a non-negative v zero-padded to width digits.
func appendPadded(dst []byte, v, width int) []byte {
	var digits [20]byte
	i := len(digits)
	for v >= 10 {
		i--
		digits[i] = byte('0' + v%10)
		v /= 10
	}
	i--
	digits[i] = byte('0' + v)
	for n := len(digits) - i; n < width; n++ {
		dst = append(dst, '0')
	}
	return append(dst, digits[i:]...)
}

// appendFraction appends the first count digits of the decimal fraction of
// the second, padding with zeros beyond nanosecond precision.
func appendFraction(dst []byte, nsec, count int) []byte {
	var digits [9]byte
	for i := 8; i >= 0; i-- {
		digits[i] = byte('0' + nsec%10)
		nsec /= 10
	}
	dst = append(dst, digits[:min(count, 9)]...)
	for n := 9; n < count; n++ {
		dst = append(dst, '0')
	}
	return dst
}

// appendOffset appends ±HH, ±HHMM or ±HH:MM.
func appendOffset(dst []byte, offset int, withMinutes, colon bool) []byte {
	if offset < 0 {
		dst = append(dst, '-')
		offset = -offset
	} else {
		dst = append(dst, '+')
	}
	minutes := offset / 60
	dst = appendPadded(dst, minutes/60, 2)
	if !withMinutes {
		return dst
	}
	if colon {
		dst = append(dst, ':')
	}
	return appendPadded(dst, minutes%60, 2)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
