package revelsim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// badRequest is a client error rendered as Tastypie's 400 {"error": msg}.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// errMismatch is Tastypie's answer when a lookup value cannot be converted
// to the field's type (id=abc, updated_date__gte=yesterday).
const errMismatch = badRequest("Invalid resource lookup data provided (mismatched type).")

// lookups are Django's query terms as Tastypie recognises them.
var lookups = map[string]bool{
	"exact": true, "iexact": true, "gt": true, "gte": true, "lt": true, "lte": true,
	"range": true, "in": true, "isnull": true, "contains": true, "icontains": true,
	"startswith": true, "istartswith": true, "endswith": true, "iendswith": true,
}

// reserved parameters steer paging or auth and are never filters.
var reserved = map[string]bool{
	"limit": true, "offset": true, "order_by": true, "fields": true,
	"format": true, "api_key": true, "api_secret": true,
}

// cond is one compiled filter; v is the row's value (absent or nil for
// missing fields).
type cond struct {
	sig   string
	col   int
	match func(v any) bool
}

// query is a compiled filter set. Plain id comparisons become inclusive
// bounds so paging by id (order_by=id&id__gt=K) is a binary search; the
// other conditions form the cache key for the filtered row list.
type query struct {
	conds  []cond
	sig    string
	lo, hi int64
}

func (q *query) bounded() bool { return q.lo > math.MinInt64 || q.hi < math.MaxInt64 }

func (q *query) inBounds(id int64) bool { return id >= q.lo && id <= q.hi }

// compile turns request parameters into a query with Tastypie's rules:
// parameters naming no field are ignored (a misspelt updated_date_gte
// silently filters nothing, as on Revel), fields outside the whitelist are
// a 400, and values are converted to the column's type.
func compile(t *table, ps []param) (*query, error) {
	q := &query{lo: math.MinInt64, hi: math.MaxInt64}
	filtersActive := false
	for _, key := range distinctKeys(ps) {
		bits := strings.Split(key, "__")
		field, rest := bits[0], bits[1:]
		if reserved[key] || !t.isField(field) {
			continue
		}
		lookup := "exact"
		if n := len(rest); n > 0 && lookups[rest[n-1]] {
			lookup, rest = rest[n-1], rest[:n-1]
		}
		if !t.res.filterable[field] {
			return nil, badRequest(fmt.Sprintf("The '%s' field does not allow filtering.", field))
		}
		if len(rest) > 0 {
			if _, k := t.colKind(field); k == kRef {
				return nil, badRequest(fmt.Sprintf("Lookups are not allowed more than one level deep on the '%s' field.", field))
			}
			return nil, badRequest(fmt.Sprintf("The '%s' field does not support relations.", field))
		}
		filtersActive = filtersActive || field == "active"
		args := lookupArgs(ps, key, lookup)
		if field == "id" && q.bound(lookup, args) {
			continue
		}
		c, err := t.cond(field, lookup, args)
		if err != nil {
			return nil, err
		}
		q.conds = append(q.conds, c)
	}
	if t.res.defaultActive && !filtersActive {
		col, _ := t.colKind("active")
		q.conds = append(q.conds, cond{sig: "active(default)", col: col, match: func(v any) bool { return v != false }})
	}
	sigs := make([]string, len(q.conds))
	for i, c := range q.conds {
		sigs[i] = c.sig
	}
	slices.Sort(sigs)
	q.sig = strings.Join(sigs, "&")
	return q, nil
}

// bound folds an integer id comparison into the id bounds; it reports false
// for anything else (id__in, id=None, id=abc) so the generic path handles it.
func (q *query) bound(lookup string, args []string) bool {
	ns := make([]int64, len(args))
	for i, a := range args {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return false
		}
		ns[i] = n
	}
	switch {
	case lookup == "exact" && len(ns) == 1:
		q.lo, q.hi = max(q.lo, ns[0]), min(q.hi, ns[0])
	case lookup == "gt" && ns[0] < math.MaxInt64:
		q.lo = max(q.lo, ns[0]+1)
	case lookup == "gte":
		q.lo = max(q.lo, ns[0])
	case lookup == "lt" && ns[0] > math.MinInt64:
		q.hi = min(q.hi, ns[0]-1)
	case lookup == "lte":
		q.hi = min(q.hi, ns[0])
	case lookup == "range" && len(ns) == 2:
		q.lo, q.hi = max(q.lo, ns[0]), min(q.hi, ns[1])
	default:
		return false
	}
	return true
}

func (t *table) isField(name string) bool {
	_, ok := t.colIdx[name]
	return ok || t.res.filterable[name]
}

// lookupArgs returns the lookup's operands: for in and range every value
// of every repeated parameter split on commas (Tastypie's getlist), else
// the last value (QueryDict.get).
func lookupArgs(ps []param, key, lookup string) []string {
	var args []string
	for _, p := range ps {
		if p.key != key {
			continue
		}
		if lookup != "in" && lookup != "range" {
			args = []string{p.value}
		} else if p.value != "" {
			args = append(args, strings.Split(p.value, ",")...)
		}
	}
	return args
}

func distinctKeys(ps []param) []string {
	var keys []string
	seen := map[string]bool{}
	for _, p := range ps {
		if !seen[p.key] {
			seen[p.key] = true
			keys = append(keys, p.key)
		}
	}
	return keys
}

// cond compiles one generic condition.
func (t *table) cond(field, lookup string, args []string) (cond, error) {
	col, k := t.colKind(field)
	c := cond{sig: field + "__" + lookup + "=" + strings.Join(args, "\x00"), col: col}
	arg := ""
	if len(args) > 0 {
		arg = args[len(args)-1]
	}
	switch lookup {
	case "isnull":
		want, ok := parseBool(arg)
		if !ok {
			return c, errMismatch
		}
		c.match = func(v any) bool { return isNull(v) == want }
		return c, nil
	case "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith":
		fold := lookup[0] == 'i'
		op := map[string]func(string, string) bool{
			"contains": strings.Contains, "startswith": strings.HasPrefix, "endswith": strings.HasSuffix,
		}[strings.TrimPrefix(lookup, "i")]
		if fold {
			arg = strings.ToLower(arg)
		}
		c.match = func(v any) bool {
			s, ok := text(v)
			if fold {
				s = strings.ToLower(s)
			}
			return ok && op(s, arg)
		}
		return c, nil
	}
	if (lookup == "exact" || lookup == "iexact") && isNoneArg(arg) {
		c.match = isNull // Tastypie turns "None" into None, i.e. IS NULL
		return c, nil
	}
	keys := make([]sortKey, len(args))
	for i, a := range args {
		var ok bool
		if keys[i], ok = convert(k, a); !ok {
			return c, errMismatch
		}
	}
	if k == kUnknown || k == kOther {
		c.match = func(any) bool { return false } // nothing but nulls to compare
		return c, nil
	}
	if len(keys) == 0 || (lookup == "range" && len(keys) != 2) {
		if lookup == "in" {
			c.match = func(any) bool { return false }
			return c, nil
		}
		return c, errMismatch
	}
	eq := func(a, b sortKey) bool { return compareKeys(a, b) == 0 }
	if lookup == "iexact" && k == kText {
		eq = func(a, b sortKey) bool { return strings.EqualFold(a.s, b.s) }
	}
	want := keys[0]
	var pred func(sortKey) bool
	switch lookup {
	case "exact", "iexact":
		pred = func(x sortKey) bool { return eq(x, want) }
	case "gt":
		pred = func(x sortKey) bool { return compareKeys(x, want) > 0 }
	case "gte":
		pred = func(x sortKey) bool { return compareKeys(x, want) >= 0 }
	case "lt":
		pred = func(x sortKey) bool { return compareKeys(x, want) < 0 }
	case "lte":
		pred = func(x sortKey) bool { return compareKeys(x, want) <= 0 }
	case "range":
		pred = func(x sortKey) bool { return compareKeys(x, keys[0]) >= 0 && compareKeys(x, keys[1]) <= 0 }
	case "in":
		pred = func(x sortKey) bool { return slices.ContainsFunc(keys, func(y sortKey) bool { return eq(x, y) }) }
	}
	c.match = func(v any) bool {
		x, ok := valueKey(k, v)
		return ok && pred(x)
	}
	return c, nil
}

// sortKey is a value reduced to something comparable for its column kind:
// dates become wall-clock microseconds, foreign keys their integer id.
type sortKey struct {
	n int64
	f float64
	s string
}

func compareKeys(a, b sortKey) int {
	switch {
	case a.n != b.n:
		return cmpInt(a.n, b.n)
	case a.f != b.f:
		if a.f < b.f {
			return -1
		}
		return 1
	}
	return strings.Compare(a.s, b.s)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// convert parses a query value for a column of kind k.
func convert(k kind, s string) (sortKey, bool) {
	switch k {
	case kDate:
		n, ok := parseNaive(s)
		return sortKey{n: n}, ok
	case kRef:
		n, ok := refID(s)
		return sortKey{n: n}, ok
	case kNum:
		f, err := strconv.ParseFloat(s, 64)
		return sortKey{f: f}, err == nil && !math.IsNaN(f)
	case kBool:
		b, ok := parseBool(s)
		return boolKey(b), ok
	}
	return sortKey{s: s}, true
}

// valueKey reduces a stored value; ok is false for nulls and for values
// that do not fit the column's kind (they match no comparison, like NULL).
func valueKey(k kind, v any) (sortKey, bool) {
	switch v := v.(type) {
	case string:
		switch k {
		case kDate:
			n, ok := parseNaive(v)
			return sortKey{n: n}, ok
		case kRef:
			n, ok := refID(v)
			return sortKey{n: n}, ok
		case kText:
			return sortKey{s: v}, true
		}
	case int64:
		if k == kNum {
			return sortKey{f: float64(v)}, true
		}
	case float64:
		if k == kNum {
			return sortKey{f: v}, true
		}
	case bool:
		if k == kBool {
			return boolKey(v), true
		}
	}
	return sortKey{}, false
}

func boolKey(b bool) sortKey {
	if b {
		return sortKey{n: 1}
	}
	return sortKey{}
}

// parseBool accepts what Tastypie and Django's BooleanField accept.
func parseBool(s string) (bool, bool) {
	switch s {
	case "true", "True", "1", "t":
		return true, true
	case "false", "False", "0", "f":
		return false, true
	}
	return false, false
}

func isNoneArg(s string) bool { return s == "None" || s == "none" || s == "nil" }

func isNull(v any) bool { return v == nil || isAbsent(v) }

// text is the value as SQL would cast it for contains/startswith lookups.
func text(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return string(appendFloat(nil, v)), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}
