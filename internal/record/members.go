package record

import (
	"iter"
	"strings"

	"github.com/tidwall/gjson"
)

// members yields the key (as written between its quotes, still escaped)
// and raw value of each member of the JSON object obj, in order; nothing
// when obj is not an object. Read finds all of a record's fields in one
// such pass, where a query per field rescans the record each time.
//
// obj must be valid JSON, as every record of a validated page is. On
// anything else the walk stops early or yields nonsense, but never panics
// or loops.
func members(obj string) iter.Seq2[string, string] {
	return func(yield func(key, value string) bool) {
		i := skipSpace(obj, 0)
		if i >= len(obj) || obj[i] != '{' {
			return
		}
		for i = skipSpace(obj, i+1); i < len(obj) && obj[i] == '"'; {
			end := stringEnd(obj, i)
			key := obj[i+1 : max(i+1, end-1)]
			i = skipSpace(obj, end)
			if i >= len(obj) || obj[i] != ':' {
				return
			}
			start := skipSpace(obj, i+1)
			end = valueEnd(obj, start)
			if end <= start || !yield(key, obj[start:end]) {
				return
			}
			if i = skipSpace(obj, end); i >= len(obj) || obj[i] != ',' {
				return
			}
			i = skipSpace(obj, i+1)
		}
	}
}

// keyIs reports whether a key from members names want, unescaping it first
// if it has escapes, as gjson does when it matches a path.
func keyIs(key, want string) bool {
	if key == want {
		return true
	}
	return strings.IndexByte(key, '\\') >= 0 && gjson.Parse(`"`+key+`"`).Str == want
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string whose opening quote is
// at s[i]. The closing quote is found with IndexByte, which scans many
// bytes at a time, and is real unless an odd run of backslashes precedes it.
func stringEnd(s string, i int) int {
	for i++; ; i++ {
		j := strings.IndexByte(s[i:], '"')
		if j < 0 {
			return len(s)
		}
		i += j
		backslashes := 0
		for k := i - 1; s[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i + 1
		}
	}
}

// valueEnd returns the index just past the value starting at s[i].
func valueEnd(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '"':
		return stringEnd(s, i)
	case '{', '[':
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '"':
				i = stringEnd(s, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	// A number, true, false or null runs to the next delimiter.
	for i < len(s) {
		switch s[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
