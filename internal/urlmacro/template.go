// Package urlmacro expands the Cloud Elements date macros in a Revel resource
// URL, so poller URLs written for Cloud Elements keep working, and translates
// Cloud Elements employee-hub URLs into Revel paths.
//
// Macros (names case-insensitive) render the poll window [from, now]:
//
//	${DateTimeZone:ZONE:FORMAT}  from in ZONE
//	${gmtDate:FORMAT}            from in UTC
//	${date:FORMAT}, ${date}      from in UTC (not a server zone); default yyyy-MM-dd'T'HH:mm:ssXXX
//	${nowTimeZone:ZONE:FORMAT}   now in ZONE
//	${epoch}, ${epoch:ms}        from in Unix milliseconds; also ${milliseconds}
//	${epoch:s}, ${epoch:us}      from in Unix seconds, microseconds
//
// ZONE is anything timefmt.LoadZone accepts and FORMAT anything
// timefmt.Compile accepts.
package urlmacro

import (
	"fmt"
	"strings"
	"time"

	"github.com/revel-connect/revel-connect/internal/timefmt"
)

// Template is a parsed resource URL; all macro parsing and compilation is
// done once in Parse so Render is cheap on every poll.
type Template struct {
	text       string
	translated bool
	widened    []string
	segments   []segment
	sizeHint   int
}

// NaiveMacro is a date macro that renders a wall clock without its zone:
// the API reads it in the tenant's zone, so Zone must be that zone.
type NaiveMacro struct {
	Text    string // as written, e.g. ${gmtDate:yyyy-MM-dd'T'HH:mm:ss}
	Pattern string // its date pattern, e.g. yyyy-MM-dd'T'HH:mm:ss
	Zone    *time.Location
	// Now marks ${nowTimeZone:...}, the poll time rather than the cursor.
	Now bool
}

// segment is literal text, or a macro when macro is non-nil.
type segment struct {
	literal string
	macro   *macro
}

// renderedMacroSize is a generous estimate of one escaped macro value, used
// to size the render buffer once.
const renderedMacroSize = 48

// Parse parses a resource URL template: a path such as
// /resources/Employee/?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}
// or a Cloud Elements /hubs/employee/... URL, which is translated.
func Parse(raw string) (*Template, error) {
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
		return nil, fmt.Errorf("url %q: url must be a path such as /resources/Employee/; the host comes from subdomain or base_url", raw)
	}
	t := &Template{text: raw}
	if strings.HasPrefix(raw, "/hubs/") {
		text, err := translateHub(raw)
		if err != nil {
			return nil, err
		}
		t.text, t.translated = text, true
	}
	if err := checkPaging(t.text); err != nil {
		return nil, err
	}
	var err error
	if t.text, t.widened, err = widenStrictBounds(t.text); err != nil {
		return nil, err
	}
	if err := t.parseSegments(); err != nil {
		return nil, err
	}
	return t, nil
}

// widenStrictBounds makes each strict lower bound on a macro inclusive,
// field__gt=${...} becoming field__gte=${...}, and returns the keys it
// changed. A strict bound at the cursor skips a row stamped at the cursor
// but visible only after the poll; an inclusive one returns again the rows
// at the cursor already delivered, which suppression drops.
func widenStrictBounds(text string) (string, []string, error) {
	path, query, ok := strings.Cut(text, "?")
	if !ok {
		return text, nil, nil
	}
	params, err := splitOutsideMacros(query, '&')
	if err != nil {
		return "", nil, err
	}
	var widened []string
	for i, param := range params {
		key, value, _ := strings.Cut(param, "=")
		if !strings.HasSuffix(key, "__gt") {
			continue
		}
		if lower, err := holdsLowerBound(value); err != nil {
			return "", nil, err
		} else if lower {
			widened = append(widened, key)
			params[i] = key + "e=" + value
		}
	}
	if widened == nil {
		return text, nil, nil
	}
	return path + "?" + strings.Join(params, "&"), widened, nil
}

// holdsLowerBound reports whether value holds a macro that renders the
// poll's lower bound (any but nowTimeZone).
func holdsLowerBound(value string) (bool, error) {
	for {
		start := strings.Index(value, "${")
		if start < 0 {
			return false, nil
		}
		end, err := macroEnd(value, start)
		if err != nil {
			return false, err
		}
		m, err := parseMacro(value[start:end])
		if err != nil {
			return false, err
		}
		if m.kind != kindUpperBound {
			return true, nil
		}
		value = value[end:]
	}
}

// Widened returns the url's strict lower bounds (field__gt, or a hub
// where clause's field>) that are queried inclusively instead, as
// field__gte: the caller tells the user once.
func (t *Template) Widened() []string { return t.widened }

// NaiveMacros returns the date macros that render naive wall-clock text,
// with the zone each renders in.
func (t *Template) NaiveMacros() []NaiveMacro {
	var out []NaiveMacro
	for _, seg := range t.segments {
		if m := seg.macro; m != nil && m.kind != kindEpoch && m.layout.Naive() {
			out = append(out, NaiveMacro{Text: m.text, Pattern: m.layout.String(), Zone: m.loc, Now: m.kind == kindUpperBound})
		}
	}
	return out
}

func (t *Template) parseSegments() error {
	text := t.text
	for {
		start := strings.Index(text, "${")
		if start < 0 {
			break
		}
		end, err := macroEnd(text, start)
		if err != nil {
			return err
		}
		m, err := parseMacro(text[start:end])
		if err != nil {
			return err
		}
		m.text = text[start:end]
		if start > 0 {
			t.segments = append(t.segments, segment{literal: text[:start]})
		}
		t.segments = append(t.segments, segment{macro: m})
		t.sizeHint += start + renderedMacroSize
		text = text[end:]
	}
	if text != "" {
		t.segments = append(t.segments, segment{literal: text})
		t.sizeHint += len(text)
	}
	return nil
}

// checkPaging rejects limit and offset: the client pages through results
// itself and would fight a fixed window in the template.
func checkPaging(text string) error {
	_, query, ok := strings.Cut(text, "?")
	if !ok {
		return nil
	}
	params, err := splitOutsideMacros(query, '&')
	if err != nil {
		return err
	}
	for _, param := range params {
		key, _, _ := strings.Cut(param, "=")
		if strings.EqualFold(key, "limit") || strings.EqualFold(key, "offset") {
			return fmt.Errorf("url sets %q: remove it and set page_size instead; the client owns paging", key)
		}
	}
	return nil
}

// String returns the template in Revel form (after hub translation), with
// its macros intact.
func (t *Template) String() string { return t.text }

// Translated reports whether the template was a Cloud Elements /hubs/ URL.
func (t *Template) Translated() bool { return t.translated }

// Render substitutes the macros: lower-bound macros render from, nowTimeZone
// renders now. Values are query-escaped; the rest is kept as written.
//
// A lower bound rendered in a zone renders timefmt.LowestWallClock(from,
// now, zone) instead of from, so a naive bound in the autumn repeated hour
// reaches back to the start of the second pass.
func (t *Template) Render(from, now time.Time) string {
	var b strings.Builder
	b.Grow(t.sizeHint)
	var scratch [64]byte
	for _, seg := range t.segments {
		if seg.macro == nil {
			b.WriteString(seg.literal)
			continue
		}
		writeQueryEscaped(&b, seg.macro.appendValue(scratch[:0], from, now))
	}
	return b.String()
}

// Reach returns the earliest instant a lower bound rendered from from can
// match (see timefmt.EarliestReach, and truncate: a pattern renders only
// the digits it has); suppression state must be kept back to it.
func (t *Template) Reach(from time.Time) time.Time {
	reach := from
	for _, seg := range t.segments {
		if seg.macro == nil || seg.macro.kind == kindUpperBound {
			continue
		}
		r := from
		if seg.macro.kind == kindLowerBound {
			r = timefmt.EarliestReach(from, seg.macro.loc)
		}
		if r = seg.macro.truncate(r); r.Before(reach) {
			reach = r
		}
	}
	return reach
}

// ReachOver is the earliest Reach(t) for t in [from, to]: what a lower bound
// known only to lie in that range may reach back to.
func (t *Template) ReachOver(from, to time.Time) time.Time {
	reach := from
	for _, seg := range t.segments {
		if seg.macro == nil || seg.macro.kind == kindUpperBound {
			continue
		}
		r := from
		if seg.macro.kind == kindLowerBound {
			r = timefmt.EarliestReachOver(from, to, seg.macro.loc)
		}
		if r = seg.macro.truncate(r); r.Before(reach) {
			reach = r
		}
	}
	return reach
}

// writeQueryEscaped writes v escaped exactly as url.QueryEscape would,
// without allocating a string per value.
func writeQueryEscaped(b *strings.Builder, v []byte) {
	const upperhex = "0123456789ABCDEF"
	for _, c := range v {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(upperhex[c>>4])
			b.WriteByte(upperhex[c&15])
		}
	}
}

// EscapeForBenthos doubles the braces of each ${...} macro in raw, the form
// a Benthos config file needs: Benthos would otherwise substitute the macro
// as an environment variable. A macro with a '}' in its date pattern cannot
// be written that way.
func EscapeForBenthos(raw string) (string, error) {
	var b strings.Builder
	for {
		start := strings.Index(raw, "${")
		if start < 0 {
			break
		}
		end, err := macroEnd(raw, start)
		if err != nil {
			return "", err
		}
		inner := raw[start+2 : end-1]
		if strings.Contains(inner, "}") {
			return "", fmt.Errorf("macro %q has a } in its pattern, which cannot be written in a Benthos config", raw[start:end])
		}
		b.WriteString(raw[:start])
		b.WriteString("${{" + inner + "}}")
		raw = raw[end:]
	}
	b.WriteString(raw)
	return b.String(), nil
}

// macroEnd returns the index just past the macro that starts at s[start:]
// with "${". A '}' inside a quoted literal of the format does not end it.
func macroEnd(s string, start int) (int, error) {
	inQuote := false
	for i := start + 2; i < len(s); i++ {
		switch s[i] {
		case '\'':
			inQuote = !inQuote
		case '}':
			if !inQuote {
				return i + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("unterminated macro %q: expected a closing }", s[start:])
}

// splitOutsideMacros splits s at sep, ignoring separators inside macros.
func splitOutsideMacros(s string, sep byte) ([]string, error) {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			end, err := macroEnd(s, i)
			if err != nil {
				return nil, err
			}
			i = end - 1
		case s[i] == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:]), nil
}
