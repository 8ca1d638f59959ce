package timefmt

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// field is what one run of pattern letters stands for.
type field uint8

const (
	fieldLiteral     field = iota
	fieldYear              // y
	fieldMonth             // M
	fieldDay               // d
	fieldHour              // H: 0-23
	fieldHourFrom1         // k: 1-24
	fieldHour12            // h: 1-12
	fieldHour12From0       // K: 0-11
	fieldMinute            // m
	fieldSecond            // s
	fieldFraction          // S: decimal fraction of the second
	fieldAmPm              // a
	fieldWeekday           // E
	fieldZoneName          // z
	fieldZoneRFC822        // Z
	fieldZoneISO           // X
)

var letterFields = map[byte]field{
	'y': fieldYear, 'M': fieldMonth, 'd': fieldDay,
	'H': fieldHour, 'k': fieldHourFrom1, 'h': fieldHour12, 'K': fieldHour12From0,
	'm': fieldMinute, 's': fieldSecond, 'S': fieldFraction,
	'a': fieldAmPm, 'E': fieldWeekday,
	'z': fieldZoneName, 'Z': fieldZoneRFC822, 'X': fieldZoneISO,
}

type item struct {
	field   field
	count   int    // number of pattern letters
	literal string // for fieldLiteral
	// width is the exact digit count to read when the next item is also
	// numeric ("yyyyMMdd"); 0 means read a variable number of digits.
	width int
	// optionalFraction marks a '.' or ',' literal directly before an S-run:
	// Revel omits both when the fraction is zero.
	optionalFraction bool
}

// Layout is a compiled Java SimpleDateFormat pattern, compiled once so that
// formatting and parsing per record do no pattern work.
type Layout struct {
	pattern string
	items   []item
	// epochUnit is non-zero for the non-pattern formats Cloud Elements used
	// for record dates ("milliseconds", "seconds").
	epochUnit time.Duration
	hasZone   bool
}

// Compile compiles a Java SimpleDateFormat pattern, or one of the Cloud
// Elements epoch formats "milliseconds", "seconds" and
// "10 digit integer Unix time" (case-insensitive).
//
// Unlike Java, S is always a decimal fraction of the second (SSS =
// milliseconds, SSSSSS = microseconds), yy parses with Go's fixed pivot
// (69-99 = 19xx) rather than relative to today, and every z-count renders
// the zone abbreviation.
//
// A Layout is immutable, so one pattern compiles once per process and is
// shared: a fleet replica's thousands of tenants mostly use the same few.
func Compile(pattern string) (*Layout, error) {
	if l, ok := compiled.Load(pattern); ok {
		return l.(*Layout), nil
	}
	l, err := compile(pattern)
	if err != nil {
		return nil, err
	}
	actual, _ := compiled.LoadOrStore(strings.Clone(pattern), l)
	return actual.(*Layout), nil
}

// compiled holds every pattern compiled: pattern -> *Layout.
var compiled sync.Map

func compile(pattern string) (*Layout, error) {
	switch strings.ToLower(pattern) {
	case "milliseconds":
		return &Layout{pattern: pattern, epochUnit: time.Millisecond}, nil
	case "seconds", "10 digit integer unix time":
		return &Layout{pattern: pattern, epochUnit: time.Second}, nil
	case "":
		return nil, errors.New("empty date pattern")
	}
	l := &Layout{pattern: pattern}
	var literal strings.Builder
	flushLiteral := func() {
		if literal.Len() > 0 {
			l.items = append(l.items, item{field: fieldLiteral, literal: literal.String()})
			literal.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\'':
			if i+1 < len(pattern) && pattern[i+1] == '\'' {
				literal.WriteByte('\'')
				i += 2
				continue
			}
			end, err := quotedLiteral(pattern, i+1, &literal)
			if err != nil {
				return nil, err
			}
			i = end
		case isASCIILetter(c):
			f, ok := letterFields[c]
			if !ok {
				return nil, unsupportedLetter(pattern, i)
			}
			count := 1
			for i+count < len(pattern) && pattern[i+count] == c {
				count++
			}
			if f == fieldFraction {
				splitFractionSeparator(&literal, l)
			}
			flushLiteral()
			l.items = append(l.items, item{field: f, count: count})
			if f == fieldZoneName || f == fieldZoneRFC822 || f == fieldZoneISO {
				l.hasZone = true
			}
			i += count
		default:
			literal.WriteByte(c)
			i++
		}
	}
	flushLiteral()
	for i := range l.items {
		if i+1 < len(l.items) && l.items[i].isNumeric() && l.items[i+1].isNumeric() {
			l.items[i].width = l.items[i].count
		}
	}
	return l, nil
}

// quotedLiteral copies a quoted literal starting after its opening quote and
// returns the index after the closing quote.
func quotedLiteral(pattern string, start int, literal *strings.Builder) (int, error) {
	for j := start; j < len(pattern); j++ {
		if pattern[j] != '\'' {
			literal.WriteByte(pattern[j])
			continue
		}
		if j+1 < len(pattern) && pattern[j+1] == '\'' {
			literal.WriteByte('\'')
			j++
			continue
		}
		return j + 1, nil
	}
	return 0, fmt.Errorf("unterminated quote in pattern %q", pattern)
}

// splitFractionSeparator moves a trailing '.' or ',' of the pending literal
// into its own optional item so Parse can skip it with the fraction.
func splitFractionSeparator(literal *strings.Builder, l *Layout) {
	text := literal.String()
	if text == "" {
		return
	}
	last := text[len(text)-1]
	if last != '.' && last != ',' {
		return
	}
	if len(text) > 1 {
		l.items = append(l.items, item{field: fieldLiteral, literal: text[:len(text)-1]})
	}
	l.items = append(l.items, item{field: fieldLiteral, literal: text[len(text)-1:], optionalFraction: true})
	literal.Reset()
}

func (it item) isNumeric() bool {
	switch it.field {
	case fieldYear, fieldDay, fieldHour, fieldHourFrom1, fieldHour12, fieldHour12From0,
		fieldMinute, fieldSecond, fieldFraction:
		return true
	case fieldMonth:
		return it.count <= 2
	}
	return false
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// Naive reports whether text in the layout names a wall clock without its
// zone: no zone letter and no epoch unit. Such text means an instant only
// together with a zone, which reader and writer must agree on.
func (l *Layout) Naive() bool { return !l.hasZone && l.epochUnit == 0 }

// String returns the pattern the layout was compiled from.
func (l *Layout) String() string { return l.pattern }

// javaLetters are the pattern letters of Java's SimpleDateFormat; any other
// ASCII letter in a pattern can only have been meant as text.
const javaLetters = "GyYMLwWDdFEuaHkKhmsSzZX"

// unsupportedLetter reports the letter at pattern[i] and, when it is no
// Java pattern letter (the T of an ISO date), the pattern with it quoted
// as text, which is what the author meant.
func unsupportedLetter(pattern string, i int) error {
	c := pattern[i]
	if strings.IndexByte(javaLetters, c) >= 0 {
		return fmt.Errorf("unsupported pattern letter '%c' in %q", c, pattern)
	}
	end := i
	for end < len(pattern) && isASCIILetter(pattern[end]) && strings.IndexByte(javaLetters, pattern[end]) < 0 {
		end++
	}
	fixed := pattern[:i] + "'" + pattern[i:end] + "'" + pattern[end:]
	return fmt.Errorf("unsupported pattern letter '%c' in %q: quote text in a pattern, as in %q", c, pattern, fixed)
}
