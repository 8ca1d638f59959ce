package urlmacro

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/revel-connect/revel-connect/internal/timefmt"
)

// datePatternRuns are pattern fragments that never occur in a real Revel
// URL outside a macro.
// A quoted 'T' counts only next to a pattern letter, so a where value 'T'
// is not mistaken for one.
var datePatternRuns = []string{"yyyy", "yy-MM", "MM-dd", "HH:mm", "mm:ss", "ss.SSS", "d'T'", "'T'H"}

// epochUnitValues are what ${epoch:s}, ${epoch:ms} and ${epoch:us} become.
var epochUnitValues = []string{"s", "ms", "us"}

// CheckSwallowed detects macros that Benthos consumed before the plugin saw
// the URL. Benthos reads ${NAME:default} in YAML as an environment variable
// with a default, so ${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS} arrives
// as PST:yyyy-MM-dd'T'HH:mm:ss.SSS and ${epoch:s} as s; the macro must be
// written ${{DateTimeZone:...}}. The error names the fragment and the
// escaped macro to write instead.
func CheckSwallowed(raw string) error {
	text := raw
	if hasPercentEscape(raw) {
		if decoded, err := url.PathUnescape(raw); err == nil {
			text = decoded
		}
	}
	masked := maskMacros(text)
	for _, run := range datePatternRuns {
		if i := strings.Index(masked, run); i >= 0 {
			start, end := fragmentBounds(masked, i)
			fragment := unquoteFragment(strings.TrimSpace(masked[start:end]))
			return swallowedError(fragment, guessMacro(fragment, masked[:start]))
		}
	}
	for i := 0; i < len(masked); i++ {
		if !isOperatorByte(masked[i]) {
			continue
		}
		start, end := fragmentBounds(masked, i+1)
		value := unquoteFragment(strings.TrimSpace(masked[start:end]))
		for _, unit := range epochUnitValues {
			if value == unit {
				return swallowedError(value, "epoch:"+unit)
			}
		}
	}
	return nil
}

func swallowedError(fragment, macro string) error {
	return fmt.Errorf("url has %q outside a macro: Benthos substituted the macro as an environment variable when it read the YAML; write it as ${{%s}}", fragment, macro)
}

// maskMacros blanks out "${...}" spans with NUL bytes, keeping positions, so
// only text outside macros is inspected. An unterminated macro masks the
// rest; Parse reports it.
func maskMacros(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		if b[i] != '$' || i+1 >= len(b) || b[i+1] != '{' {
			continue
		}
		end, err := macroEnd(s, i)
		if err != nil {
			end = len(b)
		}
		for j := i; j < end; j++ {
			b[j] = 0
		}
		i = end - 1
	}
	return string(b)
}

func isOperatorByte(c byte) bool { return c == '=' || c == '<' || c == '>' }

// fragmentBounds widens position i to the value around it: back to the
// operator or parameter start, forward to the next parameter, where-clause
// " and ", or macro.
func fragmentBounds(masked string, i int) (start, end int) {
	start = i
	for start > 0 && !strings.ContainsRune("=<>&?\x00", rune(masked[start-1])) {
		start--
	}
	end = i
	for end < len(masked) && masked[end] != '&' && masked[end] != 0 {
		end++
	}
	if and := indexFold(masked[start:end], " and "); and >= 0 {
		end = start + and
	}
	return start, end
}

// indexFold is a case-insensitive strings.Index that keeps byte offsets
// valid for any input (strings.ToLower may change the length).
func indexFold(s, substr string) int {
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return i
		}
	}
	return -1
}

// unquoteFragment strips the quotes of a where-clause value.
func unquoteFragment(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return s[1 : len(s)-1]
	}
	return s
}

// guessMacro suggests the macro a swallowed default came from: a leading
// zone means DateTimeZone (nowTimeZone for an upper bound), otherwise
// gmtDate.
func guessMacro(fragment, before string) string {
	zoneLen := zoneLength(fragment)
	if zoneLen == 0 || zoneLen >= len(fragment) || fragment[zoneLen] != ':' {
		return "gmtDate:" + fragment
	}
	if _, err := timefmt.LoadZone(fragment[:zoneLen]); err != nil {
		return "gmtDate:" + fragment
	}
	if isUpperBound(before) {
		return "nowTimeZone:" + fragment
	}
	return "DateTimeZone:" + fragment
}

// isUpperBound reports whether the text before a value ends with a "less
// than" comparison: "<", "<=", "__lt=" or "__lte=".
func isUpperBound(before string) bool {
	before = strings.TrimRight(before, " '")
	if strings.HasSuffix(before, "<") || strings.HasSuffix(before, "<=") {
		return true
	}
	key, ok := strings.CutSuffix(before, "=")
	return ok && (strings.HasSuffix(key, "__lt") || strings.HasSuffix(key, "__lte"))
}
