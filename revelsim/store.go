package revelsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/revel-connect/revel-connect/internal/jsonstring"
)

// ErrNotFound is returned by Update and Delete for an unknown resource or id.
var ErrNotFound = errors.New("revelsim: not found")

// kind is a column's type, inferred from its first non-null value. Filters
// convert the query string to it, the way Django converts a lookup value to
// the model field's type.
type kind uint8

const (
	kUnknown kind = iota // only nulls so far
	kText
	kDate // naive local datetime text
	kRef  // foreign-key URI such as "/enterprise/Establishment/26/"
	kNum
	kBool
	kOther // lists and objects: only isnull is meaningful
)

// absentT marks a field a row does not have (as opposed to JSON null).
type absentT struct{}

var absent any = absentT{}

func isAbsent(v any) bool { _, ok := v.(absentT); return ok }

// row is one record. vals is aligned with table.cols (a short slice means
// the trailing fields are absent), which is much smaller than a map per row
// when a million Employees are seeded.
type row struct {
	id   int64
	vals []any
	enc  atomic.Pointer[[]byte] // cached JSON object; nil after a change
}

// table holds one resource's rows ordered by id.
type table struct {
	res    *resource
	cols   []string
	colIdx map[string]int
	kinds  []kind
	keys   [][]byte // `"name": ` per column, pre-encoded
	order  []int    // column indexes sorted by name: Tastypie's sort_keys output
	rows   []*row   // ascending id: lookups and id ranges are binary searches
	nextID int64

	// version changes on every write; filtered/sorted row lists are cached
	// per version so successive pages do not rescan the table.
	version uint64
	cacheMu sync.Mutex
	cacheV  uint64
	cache   map[string][]*row
}

func newTable(r *resource) *table {
	t := &table{res: r, colIdx: map[string]int{}, nextID: 1}
	t.column("id")
	return t
}

// column returns the index of name, adding the column if needed.
func (t *table) column(name string) int {
	if i, ok := t.colIdx[name]; ok {
		return i
	}
	i := len(t.cols)
	t.cols = append(t.cols, name)
	t.colIdx[name] = i
	t.kinds = append(t.kinds, kUnknown)
	t.keys = append(t.keys, append(jsonstring.Append(nil, name), ": "...))
	t.order = append(t.order, i)
	slices.SortFunc(t.order, func(a, b int) int { return strings.Compare(t.cols[a], t.cols[b]) })
	return i
}

// set stores a normalized value in r.
func (t *table) set(r *row, name string, v any) { t.put(r, t.column(name), v) }

// put stores v in column c, learning the column kind on first non-null use.
func (t *table) put(r *row, c int, v any) {
	for len(r.vals) <= c {
		r.vals = append(r.vals, absent)
	}
	r.vals[c] = v
	if t.kinds[c] == kUnknown && v != nil {
		t.kinds[c] = kindOf(v)
	}
}

// value returns the field (absent if the row lacks it).
func (t *table) value(r *row, c int) any {
	if c < 0 || c >= len(r.vals) {
		return absent
	}
	return r.vals[c]
}

func (t *table) colKind(name string) (int, kind) {
	c, ok := t.colIdx[name]
	if !ok {
		return -1, kUnknown
	}
	return c, t.kinds[c]
}

// search returns the position of the first row in rows with id >= id.
func search(rows []*row, id int64) int {
	return sort.Search(len(rows), func(i int) bool { return rows[i].id >= id })
}

// find returns the row with id, or nil.
func (t *table) find(id int64) *row {
	if i := search(t.rows, id); i < len(t.rows) && t.rows[i].id == id {
		return t.rows[i]
	}
	return nil
}

func (t *table) add(r *row) {
	i := search(t.rows, r.id)
	t.rows = slices.Insert(t.rows, i, r)
	t.nextID = max(t.nextID, r.id+1)
	t.version++
}

func kindOf(v any) kind {
	switch v := v.(type) {
	case string:
		if _, ok := parseNaive(v); ok {
			return kDate
		}
		if _, ok := refID(v); ok && v[0] == '/' {
			return kRef
		}
		return kText
	case int64, float64:
		return kNum
	case bool:
		return kBool
	}
	return kOther
}

func (s *Server) table(resource string) *table { return s.tables[resource] }

// Insert adds a record and returns its id. It assigns id (auto-increment
// per resource; an explicit "id" field is honoured), resource_uri, and
// created_date/updated_date = Clock() as naive local text unless fields
// sets them. String values are stored verbatim, so tests can insert
// "2026-06-01T00:21:19" or "...:07.5"; time.Time values are rendered as
// naive local text in Options.Zone. Insert panics on an unknown resource,
// a duplicate id or a value that cannot be encoded as JSON: those are bugs
// in the calling test.
func (s *Server) Insert(resource string, fields map[string]any) int64 {
	now := s.naive(s.clock())
	vals := s.normalizeFields(fields)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(resource)
	if t == nil {
		panic(fmt.Sprintf("revelsim: Insert into unknown resource %q", resource))
	}
	id := t.nextID
	if v, ok := vals["id"]; ok {
		n, ok := v.(int64)
		if !ok || n <= 0 {
			panic(fmt.Sprintf("revelsim: Insert %s: id must be a positive integer, got %v", resource, v))
		}
		id = n
	}
	if t.find(id) != nil {
		panic(fmt.Sprintf("revelsim: Insert %s: duplicate id %d", resource, id))
	}
	r := &row{id: id}
	t.set(r, "id", id)
	t.set(r, "resource_uri", t.res.uri()+strconv.FormatInt(id, 10)+"/")
	t.set(r, "created_date", now)
	t.set(r, "updated_date", now)
	for _, k := range sortedKeys(vals) { // sorted: column order must not depend on map order
		if k != "id" {
			t.set(r, k, vals[k])
		}
	}
	if s.commitLater(func() { t.add(r) }) {
		t.nextID = max(t.nextID, id+1) // the id is taken now, as a sequence does
		return id
	}
	t.add(r)
	return id
}

// Update merges fields into a record and bumps updated_date to Clock()
// unless fields sets it. Setting a field to nil renders JSON null (an open
// shift's clock_out, say).
func (s *Server) Update(resource string, id int64, fields map[string]any) error {
	now := s.naive(s.clock())
	vals := s.normalizeFields(fields)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(resource)
	var r *row
	if t != nil {
		r = t.find(id)
	}
	if r == nil {
		return fmt.Errorf("%w: %s %d", ErrNotFound, resource, id)
	}
	if v, ok := vals["id"]; ok && v != id {
		return fmt.Errorf("revelsim: Update %s %d: id cannot change", resource, id)
	}
	if _, ok := vals["updated_date"]; !ok {
		vals["updated_date"] = now
	}
	apply := func() {
		for _, k := range sortedKeys(vals) {
			t.set(r, k, vals[k])
		}
		r.enc.Store(nil)
		t.version++
	}
	if !s.commitLater(apply) {
		apply()
	}
	return nil
}

// Delete removes a record outright, as Revel does for TimeSheetEntry; the
// row simply stops appearing. Revel never hard-deletes Employees ("You
// cannot delete an employee entry", Revel support's "Creating Employees"),
// but the simulator does not stop a test from doing so.
func (s *Server) Delete(resource string, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(resource)
	if t == nil || t.find(id) == nil {
		return fmt.Errorf("%w: %s %d", ErrNotFound, resource, id)
	}
	i := search(t.rows, id)
	t.rows = slices.Delete(t.rows, i, i+1)
	t.version++
	return nil
}

// Get returns a deep copy of a record's fields.
func (s *Server) Get(resource string, id int64) (map[string]any, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.table(resource)
	var r *row
	if t != nil {
		r = t.find(id)
	}
	if r == nil {
		return nil, false
	}
	m := make(map[string]any, len(r.vals))
	for c, v := range r.vals {
		if !isAbsent(v) {
			m[t.cols[c]] = deepCopy(v)
		}
	}
	return m, true
}

// Count returns the number of records stored, ignoring any default filter.
func (s *Server) Count(resource string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if t := s.table(resource); t != nil {
		return len(t.rows)
	}
	return 0
}

func (s *Server) normalizeFields(fields map[string]any) map[string]any {
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		out[k] = s.normalize(k, v)
	}
	return out
}

// normalize reduces a caller's value to the few types the encoder and the
// filters understand: nil, bool, string, int64, float64, []any,
// map[string]any and json.RawMessage. Anything else is stored as its JSON
// encoding.
func (s *Server) normalize(field string, v any) any {
	switch v := v.(type) {
	case nil:
		return nil
	case time.Time:
		return s.naive(v)
	case *time.Time:
		if v == nil {
			return nil
		}
		return s.naive(*v)
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, err := v.Float64()
		if err != nil {
			panic(fmt.Sprintf("revelsim: field %q: %v", field, err))
		}
		return s.normalize(field, f)
	case json.RawMessage:
		if !json.Valid(v) {
			panic(fmt.Sprintf("revelsim: field %q: invalid json.RawMessage", field))
		}
		return slices.Clone(v)
	case map[string]any:
		return s.normalizeFields(v)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		return rv.Bool()
	case reflect.String:
		return rv.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			panic(fmt.Sprintf("revelsim: field %q: %v is not valid JSON", field, f))
		}
		return f
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = s.normalize(field, rv.Index(i).Interface())
		}
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("revelsim: field %q: %v", field, err))
	}
	return json.RawMessage(b)
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case json.RawMessage:
		return slices.Clone(v)
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
