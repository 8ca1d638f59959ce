package revelsim

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/revel-connect/revel-connect/internal/jsonstring"
)

// param is one query parameter. Order matters: Tastypie builds next and
// previous from the request's QueryDict, which keeps first-seen order.
type param struct{ key, value string }

func parseParams(raw string) []param {
	var ps []param
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if kv == "" || err1 != nil || err2 != nil {
			continue
		}
		ps = append(ps, param{k, v})
	}
	return ps
}

func last(ps []param, key string) (string, bool) {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].key == key {
			return ps[i].value, true
		}
	}
	return "", false
}

// page is a parsed list request.
type page struct {
	limit, offset int
	order         []orderKey
	fields        []string // nil = every field
}

type orderKey struct {
	field string
	desc  bool
}

// orderable is the order_by whitelist when Options.Ordering allows it.
var orderable = map[string]bool{"id": true, "updated_date": true, "created_date": true}

// parsePage applies Tastypie's Paginator rules (get_limit, get_offset) and
// the configured order_by behaviour.
func (s *Server) parsePage(ps []param) (page, error) {
	p := page{limit: s.defaultLimit}
	if v, ok := last(ps, "limit"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, badRequest(fmt.Sprintf("Invalid limit '%s' provided. Please provide a positive integer.", v))
		}
		if n < 0 {
			return p, badRequest(fmt.Sprintf("Invalid limit '%s' provided. Please provide a positive integer >= 0.", v))
		}
		p.limit = n
	}
	if s.maxLimit > 0 && (p.limit == 0 || p.limit > s.maxLimit) {
		p.limit = s.maxLimit
	}
	if c := s.opts.Quirks.ClampLimit; c > 0 && (p.limit == 0 || p.limit > c) {
		p.limit = c
	}
	if v, ok := last(ps, "offset"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return p, badRequest(fmt.Sprintf("Invalid offset '%s' provided. Please provide an integer.", v))
		}
		if n < 0 {
			return p, badRequest(fmt.Sprintf("Invalid offset '%s' provided. Please provide a positive integer >= 0.", v))
		}
		p.offset = n
	}
	if s.opts.Quirks.IgnoreOffset {
		p.offset = 0
	}
	if s.opts.Quirks.IgnoreOrderBy {
		p.order = []orderKey{{field: "updated_date"}}
		p.fields = parseFields(ps)
		return p, nil
	}
	for _, kv := range ps {
		if kv.key != "order_by" || s.opts.Ordering == OrderingIgnored {
			continue
		}
		field, desc := strings.CutPrefix(kv.value, "-")
		if s.opts.Ordering == OrderingRejected || !orderable[field] {
			return p, badRequest(fmt.Sprintf("No matching '%s' field for ordering on.", field))
		}
		p.order = append(p.order, orderKey{field, desc})
	}
	p.fields = parseFields(ps)
	return p, nil
}

// parseFields reads fields=a,b (Revel's projection); nil = every field.
func parseFields(ps []param) []string {
	v, ok := last(ps, "fields")
	if !ok {
		return nil
	}
	fields := []string{}
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	return fields
}

// byID reports whether rows come out in primary-key order, the default.
func (p page) byID() bool {
	return len(p.order) == 0 || (len(p.order) == 1 && p.order[0] == orderKey{field: "id"})
}

// selectRows returns the filtered, ordered rows. Called under the read lock.
// The filtered list (without id bounds) and any sorted list are cached per
// data version, so offset paging over a filter scans once and keyset paging
// (order_by=id&id__gt=K) is a binary search per page.
func (t *table) selectRows(q *query, p page) []*row {
	rows := t.rows
	if len(q.conds) > 0 {
		rows = t.cached(q.sig, func() []*row {
			var out []*row
			for _, r := range t.rows {
				if matchAll(t, q.conds, r) {
					out = append(out, r)
				}
			}
			return out
		})
	}
	if p.byID() {
		return idRange(rows, q.lo, q.hi)
	}
	sig := q.sig + "|" + fmt.Sprint(p.order)
	rows = t.cached(sig, func() []*row { return t.sorted(rows, p.order) })
	if q.bounded() {
		rows = slices.DeleteFunc(slices.Clone(rows), func(r *row) bool { return !q.inBounds(r.id) })
	}
	return rows
}

// idRange is the sub-slice of id-ordered rows with lo <= id <= hi.
func idRange(rows []*row, lo, hi int64) []*row {
	i, j := search(rows, lo), len(rows)
	if hi < math.MaxInt64 {
		j = max(i, search(rows, hi+1))
	}
	return rows[i:j]
}

func matchAll(t *table, conds []cond, r *row) bool {
	for _, c := range conds {
		if !c.match(t.value(r, c.col)) {
			return false
		}
	}
	return true
}

// cached memoises a row list for the current data version.
func (t *table) cached(key string, build func() []*row) []*row {
	t.cacheMu.Lock()
	if t.cache == nil || t.cacheV != t.version || len(t.cache) >= maxCached {
		t.cache, t.cacheV = map[string][]*row{}, t.version
	}
	rows, ok := t.cache[key]
	t.cacheMu.Unlock()
	if ok {
		return rows
	}
	rows = build()
	t.cacheMu.Lock()
	if t.cacheV == t.version {
		t.cache[key] = rows
	}
	t.cacheMu.Unlock()
	return rows
}

// maxCached bounds the per-table cache; a million-row list is 8 MB.
const maxCached = 16

// sorted orders rows like PostgreSQL: NULLs last ascending, first
// descending, ties broken by id so offset paging is deterministic.
func (t *table) sorted(rows []*row, order []orderKey) []*row {
	n := len(order)
	keys := make([]sortKey, len(rows)*n) // row i's keys at i*n..i*n+n-1
	null := make([]bool, len(rows)*n)
	for i, r := range rows {
		for j, o := range order {
			if o.field == "id" {
				keys[i*n+j] = sortKey{n: r.id}
				continue
			}
			c, k := t.colKind(o.field)
			key, ok := valueKey(k, t.value(r, c))
			keys[i*n+j], null[i*n+j] = key, !ok
		}
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		for j, o := range order {
			c := 0
			switch na, nb := null[a*n+j], null[b*n+j]; {
			case na && nb:
			case na:
				c = 1
			case nb:
				c = -1
			default:
				c = compareKeys(keys[a*n+j], keys[b*n+j])
			}
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmpInt(rows[a].id, rows[b].id)
	})
	out := make([]*row, len(idx))
	for i, k := range idx {
		out[i] = rows[k]
	}
	return out
}

// bufPool recycles page buffers up to maxPooled bytes (a 1000-row
// Employee page is ~700 KB).
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooled = 4 << 20

// serveList answers GET /<prefix>/<Resource>/ with Tastypie's envelope.
func (s *Server) serveList(w http.ResponseWriter, r *http.Request, res *resource, f Fault) int {
	ps := parseParams(r.URL.RawQuery)
	p, err := s.parsePage(ps)
	if err != nil {
		return writeError(w, err)
	}
	if _, ok := last(ps, "id__gt"); ok && s.opts.Quirks.RejectIDGT {
		return writeError(w, badRequest("The 'id' field does not allow filtering."))
	}
	s.churn(res.name, ps)
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) > maxPooled { // an unclamped limit=0 page may be huge
			*bp = nil
		}
		bufPool.Put(bp)
	}()

	s.mu.RLock()
	t := s.table(res.name)
	q, err := compile(t, s.filters(ps))
	if err != nil {
		s.mu.RUnlock()
		return writeError(w, err)
	}
	rows := s.duplicate(t.selectRows(q, p))
	total := len(rows)
	pageRows := rows[min(p.offset, total):]
	if p.limit > 0 {
		pageRows = pageRows[:min(p.limit, len(pageRows))]
	}
	only := t.projection(p.fields)

	b := append((*bp)[:0], `{"meta": `...)
	b = s.appendMeta(b, res.uri(), ps, p, total, f.ForeignNext)
	b = append(b, `, "objects": [`...)
	for i, row := range pageRows {
		if i > 0 {
			b = append(b, ", "...)
		}
		if only != nil {
			b = t.appendRow(b, row, only)
		} else {
			b = t.appendRowJSON(b, row)
		}
	}
	s.mu.RUnlock()
	b = append(b, "]}"...)
	*bp = b

	if f.Truncate {
		b = b[:len(b)/2]
	}
	if d := s.currentLatency().wait(len(pageRows)); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return statusClientClosed
		}
	}
	return writeJSON(w, http.StatusOK, b)
}

// appendMeta writes Tastypie's meta object, keys sorted as json.dumps
// sorts them, plus Revel's time_zone.
func (s *Server) appendMeta(b []byte, path string, ps []param, p page, total int, foreignNext string) []byte {
	b = append(b, `{"limit": `...)
	b = strconv.AppendInt(b, int64(p.limit), 10)
	if s.opts.Quirks.NextDropsFilters {
		ps = nil
	}
	if p.limit > 0 { // Tastypie emits next/previous only for a non-zero limit
		next := "" // null once offset+limit reaches total_count
		if p.offset+p.limit < total {
			next = pageURI(path, ps, p.limit, p.offset+p.limit)
		}
		if foreignNext != "" {
			next = strings.TrimSuffix(foreignNext, "/") + pageURI(path, ps, p.limit, p.offset+p.limit)
		}
		b = append(b, `, "next": `...)
		b = appendNullable(b, next)
	}
	b = append(b, `, "offset": `...)
	b = strconv.AppendInt(b, int64(p.offset), 10)
	if p.limit > 0 {
		prev := "" // Tastypie quirk: null whenever offset < limit, even if offset > 0
		if p.offset-p.limit >= 0 {
			prev = pageURI(path, ps, p.limit, p.offset-p.limit)
		}
		b = append(b, `, "previous": `...)
		b = appendNullable(b, prev)
	}
	b = append(b, `, "time_zone": `...)
	b = jsonstring.Append(b, s.zone.String())
	if s.opts.Quirks.ClampLimit <= 0 {
		b = append(b, `, "total_count": `...)
		b = strconv.AppendInt(b, int64(total), 10)
	}
	return append(b, '}')
}

// projection maps fields= names to column indexes in output order; nil
// means every field.
func (t *table) projection(fields []string) []int {
	if fields == nil {
		return nil
	}
	only := []int{}
	for _, c := range t.order {
		if slices.Contains(fields, t.cols[c]) {
			only = append(only, c)
		}
	}
	return only
}

// pageURI builds a relative next/previous link the way Tastypie's
// _generate_uri does: the list path, every original parameter except
// limit/offset grouped by first-seen key, then limit and offset.
func pageURI(path string, ps []param, limit, offset int) string {
	var b strings.Builder
	b.WriteString(path)
	b.WriteByte('?')
	for _, key := range distinctKeys(ps) {
		if key == "limit" || key == "offset" {
			continue
		}
		for _, p := range ps {
			if p.key == key {
				b.WriteString(url.QueryEscape(p.key) + "=" + url.QueryEscape(p.value) + "&")
			}
		}
	}
	fmt.Fprintf(&b, "limit=%d&offset=%d", limit, offset)
	return b.String()
}

func appendNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return jsonstring.Append(b, s)
}

func writeJSON(w http.ResponseWriter, status int, body []byte) int {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client went away; nothing to do
	return status
}

func writeError(w http.ResponseWriter, err error) int {
	b := append([]byte(`{"error": `), jsonstring.Append(nil, err.Error())...)
	return writeJSON(w, http.StatusBadRequest, append(b, '}'))
}
