package revelsim

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/revel-connect/revel-connect/internal/jsonstring"
)

// The encoder writes what Tastypie's json.dumps(sort_keys=True,
// ensure_ascii=False) writes: sorted keys, ", " and ": " separators, UTF-8
// text and Python float reprs ("0.0", "15.5"). Hand-rolled because
// encoding/json on a map costs ~18µs per Employee, far too slow for a
// million rows.

// appendRowJSON appends r's cached encoding, encoding and caching it (at
// its exact size) on first use. It runs under the read lock; racing
// builders store identical bytes.
func (t *table) appendRowJSON(b []byte, r *row) []byte {
	if p := r.enc.Load(); p != nil {
		return append(b, *p...)
	}
	start := len(b)
	b = t.appendRow(b, r, nil)
	enc := slices.Clone(b[start:])
	r.enc.Store(&enc)
	return b
}

// appendRow encodes r; a non-nil only restricts it to those column indexes
// (already in name order), which is how fields= projects.
func (t *table) appendRow(b []byte, r *row, only []int) []byte {
	cols := t.order
	if only != nil {
		cols = only
	}
	b = append(b, '{')
	first := true
	for _, c := range cols {
		v := t.value(r, c)
		if isAbsent(v) {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = append(b, t.keys[c]...)
		b = appendValue(b, v)
	}
	return append(b, '}')
}

func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		return jsonstring.Append(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendFloat(b, v)
	case json.RawMessage:
		return append(b, v...)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = jsonstring.Append(b, k)
			b = append(b, ": "...)
			b = appendValue(b, v[k])
		}
		return append(b, '}')
	}
	panic("revelsim: unnormalized value") // normalize admits only the types above
}

// appendFloat mimics Python's float repr: shortest round-trip digits and a
// ".0" on integral values.
func appendFloat(b []byte, f float64) []byte {
	start := len(b)
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
	} else {
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	if !slices.ContainsFunc(b[start:], func(c byte) bool { return c == '.' || c == 'e' }) {
		b = append(b, ".0"...)
	}
	return b
}
