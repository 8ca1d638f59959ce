package revelsim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Quirks make the tenant misbehave on purpose, one field per behaviour, so
// a client can be tested against each way a real tenant might page.
// Revel documents none of its paging (its docs show limit and offset only;
// Tastypie's defaults are the best guide): whether a resource
// honours order_by or id__gt, how it clamps limit and whether it always
// sends total_count are unknown. The zero value is a well-behaved Tastypie.
type Quirks struct {
	// IgnoreOrderBy serves every list ordered by updated_date (ties by id)
	// whatever order_by asks. Pages can still look ascending by id, yet
	// paging by id__gt skips the rows edited since.
	IgnoreOrderBy bool
	// RejectIDGT answers any request filtering on id__gt with 400
	// {"error": "The 'id' field does not allow filtering."}, as Tastypie
	// does for a field outside the resource's whitelist. The first page
	// (no id__gt) is served.
	RejectIDGT bool
	// ClampLimit, if > 0, serves at most that many rows a page (limit=0
	// included), reports the clamped limit in meta.limit and leaves
	// meta.total_count out; meta.next still leads on until the end.
	ClampLimit int
	// DuplicateID lists the row with this id twice, side by side, in
	// every list that holds it, counted twice in total_count: a join that
	// repeats a row. 0 = none.
	DuplicateID int64
	// IgnoreOffset serves every page from the first row, whatever offset
	// asks (meta.offset says 0).
	IgnoreOffset bool
	// NextDropsFilters builds meta.next from limit and offset only,
	// dropping the request's filters, order_by and fields.
	NextDropsFilters bool
	// IgnoreDateFilters serves lists as if no created_date or updated_date
	// filter was given: every cycle of a poller gets every row again.
	IgnoreDateFilters bool
	// Churn is how many requests for a later page (offset > 0, or id__gt
	// set) first edit one row, insert one and delete one, in the listed
	// resource: the rows under a client's paging move between its
	// requests. -1 = every such request; 0 = none. The edited row cycles
	// through the rows; the deleted one is the second oldest, so every row
	// after it shifts back.
	Churn int
	// LateCommit makes inserts and edits visible only some time after
	// they are stamped, as a transaction committing late does; see
	// SetLateCommit to change it while serving.
	LateCommit LateCommit
}

// Profile is a named set of quirks, selectable with
// `revel-connect simulator --profile NAME`.
type Profile struct {
	Name, Description string
	Quirks            Quirks
}

// Profiles are the named misbehaviours, each exercised end to end by the
// test suite.
var Profiles = []Profile{
	{"ignores-order-by", "serves lists by updated_date whatever order_by asks", Quirks{IgnoreOrderBy: true}},
	{"rejects-id-gt", "answers 400 to id__gt, the keyset paging filter", Quirks{RejectIDGT: true}},
	{"clamps-limit", "serves at most 10 rows a page and no total_count", Quirks{ClampLimit: 10}},
	{"repeats-row", "lists record 3 twice", Quirks{DuplicateID: 3}},
	{"ignores-offset", "serves every page from the first row", Quirks{IgnoreOffset: true}},
	{"drops-filters-from-next", "builds meta.next without the request's filters", Quirks{NextDropsFilters: true}},
	{"ignores-date-filter", "ignores created_date and updated_date filters", Quirks{IgnoreDateFilters: true}},
	{"churns", "edits, inserts and deletes a row before every later page", Quirks{Churn: -1}},
	{"commits-late", "makes each insert and edit visible 2s after it is stamped, as a transaction committing late", Quirks{LateCommit: LateCommit{Delay: 2 * time.Second}}},
}

// LookupProfile returns the named profile's quirks.
func LookupProfile(name string) (Quirks, error) {
	for _, p := range Profiles {
		if p.Name == name {
			return p.Quirks, nil
		}
	}
	names := make([]string, len(Profiles))
	for i, p := range Profiles {
		names[i] = p.Name
	}
	return Quirks{}, fmt.Errorf("unknown profile %q; choose one of %s", name, strings.Join(names, ", "))
}

// filters drops the date filters from ps when Quirks.IgnoreDateFilters
// says so.
func (s *Server) filters(ps []param) []param {
	if !s.opts.Quirks.IgnoreDateFilters {
		return ps
	}
	return slices.DeleteFunc(slices.Clone(ps), func(p param) bool {
		return strings.HasPrefix(p.key, "updated_date") || strings.HasPrefix(p.key, "created_date")
	})
}

// laterPage reports whether a list request continues a listing: it skips
// rows by offset or by id.
func laterPage(ps []param) bool {
	if v, ok := last(ps, "offset"); ok && v != "0" && v != "" {
		return true
	}
	_, ok := last(ps, "id__gt")
	return ok
}

// churn applies Quirks.Churn before a later page of resource is served.
func (s *Server) churn(resource string, ps []param) {
	if s.opts.Quirks.Churn == 0 || !laterPage(ps) {
		return
	}
	s.churnMu.Lock()
	if s.churned >= s.opts.Quirks.Churn && s.opts.Quirks.Churn > 0 {
		s.churnMu.Unlock()
		return
	}
	n := s.churned
	s.churned++
	s.churnMu.Unlock()

	s.mu.RLock()
	t := s.table(resource)
	ids := make([]int64, len(t.rows))
	for i, r := range t.rows {
		ids[i] = r.id
	}
	s.mu.RUnlock()
	if len(ids) < 3 {
		return
	}
	_ = s.Update(resource, ids[n%len(ids)], map[string]any{})
	s.Insert(resource, nil)
	_ = s.Delete(resource, ids[1])
}

// duplicate repeats the row Quirks.DuplicateID where it occurs in rows,
// which may be a cached list and is not modified.
func (s *Server) duplicate(rows []*row) []*row {
	id := s.opts.Quirks.DuplicateID
	if id == 0 {
		return rows
	}
	i := slices.IndexFunc(rows, func(r *row) bool { return r.id == id })
	if i < 0 {
		return rows
	}
	return slices.Insert(slices.Clone(rows), i, rows[i])
}
