// Package record reads the fields the poller needs (id, dates, deleted flag)
// out of a raw Revel object without decoding the rest of it.
package record

import (
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
)

// Path is a compiled JSON path as Cloud Elements wrote them: dot segments
// ("user.id"), array indexes ("roles[0]") and quoted segments
// ("['Modified Time']"), with an optional leading "$.".
type Path struct {
	text  string
	query string // gjson syntax
	// key is the member name when the path is one segment, which the
	// fields of a record are found by in a single pass; "" otherwise.
	key string
}

// CompilePath validates p and translates it to the query syntax used at
// run time.
func CompilePath(p string) (Path, error) {
	src := strings.TrimSpace(p)
	src = strings.TrimPrefix(src, "$")
	src = strings.TrimPrefix(src, ".")
	if src == "" {
		return Path{}, fmt.Errorf("empty JSON path %q", p)
	}
	var segs, names []string
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == '.':
			if i+1 >= len(src) || src[i+1] == '.' || i == 0 {
				return Path{}, fmt.Errorf("JSON path %q has an empty segment", p)
			}
			i++
		case c == '[':
			end := strings.IndexByte(src[i:], ']')
			if end < 0 {
				return Path{}, fmt.Errorf("JSON path %q has an unclosed [", p)
			}
			inner := src[i+1 : i+end]
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				inner = inner[1 : len(inner)-1]
			} else if !isDigits(inner) {
				return Path{}, fmt.Errorf("JSON path %q: [%s] is neither an index nor a quoted name", p, inner)
			}
			if inner == "" {
				return Path{}, fmt.Errorf("JSON path %q has an empty segment", p)
			}
			segs, names = append(segs, gjson.Escape(inner)), append(names, inner)
			i += end + 1
		default:
			end := strings.IndexAny(src[i:], ".[")
			if end < 0 {
				end = len(src) - i
			}
			segs, names = append(segs, gjson.Escape(src[i:i+end])), append(names, src[i:i+end])
			i += end
		}
	}
	path := Path{text: p, query: strings.Join(segs, ".")}
	if len(names) == 1 {
		path.key = names[0]
	}
	return path, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the path as written.
func (p Path) String() string { return p.text }

// IsZero reports whether the path was never set.
func (p Path) IsZero() bool { return p.query == "" }
