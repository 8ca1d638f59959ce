package revelapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tidwall/gjson"
)

// Paging is how successive pages of one query are requested.
type Paging string

// Paging modes.
const (
	// Keyset pages by primary key (order_by=id&id__gt=<last id>): rows
	// inserted or deleted between requests cannot shift it.
	Keyset Paging = "keyset"
	// Offset pages by limit/offset as Tastypie's next links do; it overlaps
	// pages to survive rows leaving the result between requests.
	Offset Paging = "offset"
	// Auto uses keyset paging unless the url orders the resource itself,
	// then offset paging.
	Auto Paging = "auto"
)

// Position is where paging resumes: the last id delivered (keyset) or the
// number of rows consumed and the id of the last of them (offset).
type Position struct {
	AfterID string
	Offset  int
	// LastID is the id of the row at Offset-1: a resumed offset page must
	// still hold it, or rows have shifted since the position was saved.
	LastID string
}

// Note is something a pager found wrong with the API and worked around:
// a change of paging mode (Fallback) or a repair. The caller logs and
// counts it; the pager has no logger.
type Note struct {
	// Cause is a short label for metrics, e.g. "id_gt_rejected".
	Cause string
	// Fallback is set when the paging mode changed for good: the caller
	// should remember Mode for the resource.
	Fallback bool
	// Message says what happened and what the pager did about it.
	Message string
}

// Causes of notes, the values of Note.Cause.
const (
	CauseOrderByRejected  = "order_by_rejected"  // 400 on order_by=id
	CauseIDGTRejected     = "id_gt_rejected"     // 400 on id__gt
	CauseUnordered        = "unordered"          // a keyset page out of id order
	CauseRowsSkipped      = "rows_skipped"       // total_count says keyset skipped rows
	CauseOrderByIgnored   = "order_by_ignored"   // a probe found order_by=id ignored
	CauseIDGTIgnored      = "id_gt_ignored"      // a keyset page repeated rows at or below id__gt
	CauseOffsetIgnored    = "offset_ignored"     // an offset page brought no new row
	CauseRowsShifted      = "rows_shifted"       // an offset page lost its overlap; re-read
	CauseResumeMisaligned = "resume_misaligned"  // a saved offset no longer lines up; re-read
	CauseDuplicateRow     = "duplicate_row"      // a row listed twice; returned once
	CauseLimitClamped     = "limit_clamped"      // the server serves fewer rows than asked
	CauseNextDropsFilters = "next_drops_filters" // meta.next lacks the query's filters
	CauseForeignNext      = "foreign_next"       // meta.next points off the origin
)

// ErrUnordered means keyset paging cannot be trusted for a resource and
// offset paging is not possible either (the url orders by another field,
// or offset paging failed too).
var ErrUnordered = errors.New("resource ignores order_by=id; keyset paging would skip rows")

// ErrNoProgress means an offset page brought no row not already read while
// the server said more rows remain: the server ignores offset, or the rows
// moved under the paging. It is an error, never the end of the listing.
var ErrNoProgress = errors.New("a page brought no new row though more remain")

// Pager walks the pages of one query and checks every page against the
// previous ones: ids ascending under keyset paging and total_count
// consistent with the rows read; under offset paging the overlap with the
// previous page still in place. Where a check fails it falls back from
// keyset to offset paging (or back) or re-reads, restarting the listing if
// need be; a row is returned at most once per Pager whatever is re-read.
type Pager struct {
	c       *Client
	query   *url.URL // every request is built from it, never from meta.next
	limit   int      // rows a page; lowered to what the server serves
	mode    Paging
	pos     Position
	keyset  bool // keyset paging may be used: the url has no order_by
	ordered bool // order_by=id is known to be honoured (no probe needed)
	tried   map[Paging]bool
	notes   []Note
	noted   map[string]bool
	done    bool

	returned idSet
	fresh    []int64 // ids of the page being checked, reused

	nextChecked bool // a meta.next link has been looked at

	// keyset: total_count of the first page and rows read since
	firstTotal int
	counted    bool
	read       int

	// offset: ids of the previous page (or the resumed position's last
	// id), in order; the anchor the next page must still overlap.
	prev    []string
	resumed bool
}

// NewPager prepares paging of query (a path and query rendered from the
// resource's url) limit rows at a time, resuming at from.
func (c *Client) NewPager(query string, limit int, mode Paging, from Position) (*Pager, error) {
	u, err := c.Resolve(query)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, fmt.Errorf("page size %d: must be at least 1", limit)
	}
	p := &Pager{c: c, query: u, limit: limit, mode: mode, pos: from,
		keyset: !u.Query().Has("order_by"), tried: map[Paging]bool{}, noted: map[string]bool{}}
	if mode == Auto {
		p.mode = Offset
		if p.keyset {
			p.mode = Keyset
		}
	}
	if p.mode == Offset && from.Offset > 0 {
		p.resumed = true
		if from.LastID != "" {
			p.prev = []string{from.LastID}
		}
	}
	return p, nil
}

// AssumeOrdered tells the pager that the resource is known to honour
// order_by=id (a probe said so before), so a listing without total_count
// is not probed again.
func (p *Pager) AssumeOrdered() { p.ordered = true }

// Ordered reports whether order_by=id is known to be honoured: a probe
// found it so, or AssumeOrdered said so.
func (p *Pager) Ordered() bool { return p.ordered }

// Mode is the paging mode in effect.
func (p *Pager) Mode() Paging { return p.mode }

// Done reports whether the last page has been returned.
func (p *Pager) Done() bool { return p.done }

// Position is where paging would resume after the last page returned.
func (p *Pager) Position() Position { return p.pos }

// Notes returns what the pager worked around since the last call.
func (p *Pager) Notes() []Note {
	n := p.notes
	p.notes = nil
	return n
}

func (p *Pager) note(n Note) {
	p.notes = append(p.notes, n)
}

// noteOnce notes a cause at most once per pager.
func (p *Pager) noteOnce(cause, msg string) {
	if !p.noted[cause] {
		p.noted[cause] = true
		p.note(Note{Cause: cause, Message: msg})
	}
}

// fallback carries why keyset (or offset) paging cannot go on.
type fallback struct {
	cause string
	msg   string
}

func (f *fallback) Error() string { return f.msg }

// Next returns the next page, or io.EOF after the last one. Rows already
// returned, by this page's overlap or by a repair, are left out.
func (p *Pager) Next(ctx context.Context) (*Page, error) {
	for {
		if p.done {
			return nil, io.EOF
		}
		var page *Page
		var err error
		if p.mode == Keyset {
			page, err = p.nextKeyset(ctx)
		} else {
			page, err = p.nextOffset(ctx)
		}
		var fb *fallback
		if !errors.As(err, &fb) {
			return page, err
		}
		p.tried[p.mode] = true
		to := Offset
		if p.mode == Offset {
			to = Keyset
		}
		if p.tried[to] || (to == Keyset && !p.keyset) {
			if to == Offset {
				return nil, fmt.Errorf("%w: %s", ErrUnordered, fb.msg)
			}
			return nil, fmt.Errorf("%w: %s", ErrNoProgress, fb.msg)
		}
		// Start the listing again in the other mode; rows already
		// returned are left out, so nothing is repeated.
		p.note(Note{Cause: fb.cause, Fallback: true, Message: fmt.Sprintf("%s; switching to %s paging and reading the window again (rows already delivered are not repeated)", fb.msg, to)})
		p.mode, p.pos, p.prev, p.resumed, p.counted, p.read, p.done = to, Position{}, nil, false, false, 0, false
	}
}

func (p *Pager) keysetURL(afterID string, desc bool, limit int) *url.URL {
	u := *p.query
	q := u.Query()
	q.Set("order_by", "id")
	if desc {
		q.Set("order_by", "-id")
	}
	if afterID != "" {
		q.Set("id__gt", afterID)
	}
	q.Set("limit", strconv.Itoa(limit))
	u.RawQuery = q.Encode()
	return &u
}

func (p *Pager) nextKeyset(ctx context.Context) (*Page, error) {
	u := p.keysetURL(p.pos.AfterID, false, p.limit)
	page, err := p.c.Get(ctx, u)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && se.Code == http.StatusBadRequest {
			if p.pos.AfterID != "" {
				return nil, &fallback{CauseIDGTRejected, fmt.Sprintf("Revel refused id__gt (%v)", err)}
			}
			return nil, &fallback{CauseOrderByRejected, fmt.Sprintf("Revel refused order_by=id (%v)", err)}
		}
		return nil, err
	}
	n := len(page.Objects)
	p.checkLinks(page, 0, n)

	last, err := strconv.ParseInt(p.pos.AfterID, 10, 64)
	if p.pos.AfterID == "" || err != nil {
		last = -1 << 63
	}
	after := p.pos.AfterID
	// Rows already returned are dropped by compacting the page in place;
	// their ids join the returned set only once the page passes.
	kept := 0
	p.fresh = p.fresh[:0]
	dup := ""
	for _, o := range page.Objects {
		id := gjson.Get(o, "id")
		if id.Type != gjson.Number {
			return nil, &fallback{CauseUnordered, fmt.Sprintf("a record has no numeric id to page by (GET %s)", shownURL(u))}
		}
		if id.Int() <= last {
			if id.Int() != last && !p.returned.has(id.Int()) {
				return nil, &fallback{CauseUnordered, fmt.Sprintf("the resource ignores order_by=id: id %s came after %d (GET %s)", id.Raw, last, shownURL(u))}
			}
			dup = id.Raw
			continue
		}
		last, after = id.Int(), id.Raw
		if p.returned.has(id.Int()) {
			continue // read again after a fallback
		}
		p.fresh = append(p.fresh, id.Int())
		page.Objects[kept] = o
		kept++
	}
	if n > 0 && after == p.pos.AfterID {
		return nil, &fallback{CauseIDGTIgnored, fmt.Sprintf("the resource ignores id__gt: a page after id %s repeated only rows already read (GET %s)", p.pos.AfterID, shownURL(u))}
	}

	done := n == 0 || lastPage(page, 0, n, p.limit, true)
	// With ids in order, rows read plus rows remaining is the first
	// page's total, unless rows ahead were deleted meanwhile. Less means
	// rows were skipped: the server does not order by id after all.
	if page.HasTotal {
		if !p.counted {
			p.firstTotal, p.counted = page.TotalCount, true
		} else if p.read+page.TotalCount < p.firstTotal {
			ok, err := p.probeOrder(ctx)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, &fallback{CauseRowsSkipped, fmt.Sprintf("total_count says keyset paging skipped %d rows: the resource ignores order_by=id", p.firstTotal-p.read-page.TotalCount)}
			}
			// Rows ahead were deleted; count from here.
			p.firstTotal, p.read = page.TotalCount, 0
		}
		p.read += n
	} else if !p.ordered && p.pos.AfterID == "" && !done {
		// Without total_count nothing above shows skipped rows; ask once.
		ok, err := p.probeOrder(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &fallback{CauseOrderByIgnored, "the resource ignores order_by=id (the same rows came first sorted both ways)"}
		}
		p.ordered = true
	}
	if dup != "" {
		p.noteOnce(CauseDuplicateRow, fmt.Sprintf("Revel listed record %s twice; it is delivered once", dup))
	}
	for _, id := range p.fresh {
		p.returned.addInt(id)
	}
	p.pos.AfterID, p.done = after, done
	page.Objects = page.Objects[:kept]
	return page, nil
}

// probeOrder asks for the first two rows sorted by id both ways: a server
// that honours order_by returns different rows in opposite orders, one
// that ignores it the same rows. Fewer than two rows cannot tell and pass.
func (p *Pager) probeOrder(ctx context.Context) (bool, error) {
	var first [2][]int64
	for i, desc := range []bool{false, true} {
		page, err := p.c.Get(ctx, p.keysetURL("", desc, 2))
		if err != nil {
			return false, err
		}
		for _, o := range page.Objects {
			first[i] = append(first[i], gjson.Get(o, "id").Int())
		}
	}
	asc, desc := first[0], first[1]
	if len(asc) < 2 || len(desc) < 2 {
		return true, nil
	}
	return asc[0] < asc[1] && desc[0] > desc[1], nil
}

// lastPage reports whether a page of n rows read at offset start ends the
// listing. Only the server can say so: total_count reached, or meta.next
// null; a short page proves nothing unless the meta says neither.
func lastPage(page *Page, start, n, limit int, keyset bool) bool {
	switch {
	case page.HasTotal && keyset:
		return page.TotalCount <= n
	case page.HasTotal:
		return start+n >= page.TotalCount
	case page.HasNext:
		return page.Next == ""
	default:
		return n < limit
	}
}

// checkLinks follows the limit the server applied and notes a next link
// that the pager would not follow as is. The pager never follows meta.next:
// requests are built from the window's own query.
func (p *Pager) checkLinks(page *Page, start, n int) {
	served := p.limit
	if page.Limit > 0 && page.Limit < served {
		served = page.Limit
	} else if n > 0 && n < served && !lastPage(page, start, n, n+1, p.mode == Keyset) {
		served = n
	}
	if served < p.limit {
		p.noteOnce(CauseLimitClamped, fmt.Sprintf("Revel serves %d rows a page where %d were asked; paging follows %d", served, p.limit, served))
		p.limit = served
	}
	if page.Next == "" || p.nextChecked {
		return
	}
	p.nextChecked = true // the server builds every link alike
	next, err := p.c.Resolve(page.Next)
	if errors.Is(err, ErrForeignLink) {
		p.noteOnce(CauseForeignNext, fmt.Sprintf("not following a link or redirect off the configured origin, so credentials stay with %s: %v", p.c.origin(), err))
		return
	}
	if err != nil {
		return
	}
	have := next.Query()
	for key := range p.query.Query() {
		if !have.Has(key) {
			p.noteOnce(CauseNextDropsFilters, fmt.Sprintf("Revel's meta.next drops %s from the query; paging builds its own requests instead", key))
			return
		}
	}
}

func (p *Pager) nextOffset(ctx context.Context) (*Page, error) {
	// Each page starts back over the tail of the one before: the rows
	// there must still be in place, or rows have moved.
	back := 0
	if len(p.prev) > 0 {
		back = min(len(p.prev), max(1, p.limit/20), p.limit-1)
	}
	start := max(p.pos.Offset-back, 0)
	if p.resumed && len(p.prev) == 0 {
		// A saved offset without its last id cannot be checked.
		p.note(Note{Cause: CauseResumeMisaligned, Message: fmt.Sprintf("the saved offset %d cannot be checked (no last id); reading the window again (rows already delivered are not repeated)", p.pos.Offset)})
		start = 0
	}
	page, err := p.fetchOffset(ctx, start)
	if err != nil {
		return nil, err
	}
	ids := pageIDs(page.Objects)
	end := -1 // index of the last row of the previous page found here
	tail := p.prev[len(p.prev)-back:]
	if back > 0 {
		end = overlapEnd(ids, tail)
	}
	// No row of the previous page (or the resumed position's last row)
	// here: rows moved back past the overlap, and reading on would skip
	// them. Walk back until the overlap is found, or the window's start.
	walked := false
	if back > 0 && start > 0 && end < 0 {
		cause, what := CauseRowsShifted, "rows moved between two page requests"
		if p.resumed {
			cause, what = CauseResumeMisaligned, fmt.Sprintf("the saved offset %d no longer lines up with the rows", p.pos.Offset)
		}
		p.note(Note{Cause: cause, Message: fmt.Sprintf("%s (the page at offset %d lost its overlap with the rows before it); reading back until it lines up (rows already delivered are not repeated)", what, start)})
		for walked = true; start > 0 && end < 0; end = overlapEnd(ids, tail) {
			start = max(start-p.limit, 0)
			if page, err = p.fetchOffset(ctx, start); err != nil {
				return nil, err
			}
			ids = pageIDs(page.Objects)
		}
	}
	p.resumed = false
	n := len(page.Objects)
	p.checkLinks(page, start, n)
	done := lastPage(page, start, n, p.limit, false)
	// A page with nothing past the previous page's rows, while the
	// server says more remain, is an error, never the end: the server
	// ignores offset (it sent the same rows again), or rows keep moving.
	if !done && !walked && (n == 0 || end >= n-1) {
		return nil, &fallback{CauseOffsetIgnored, fmt.Sprintf("the page at offset %d brought no row past the ones before it though more remain: the resource ignores offset, or rows moved under the paging", start)}
	}

	kept := 0
	for i, o := range page.Objects {
		if id := ids[i]; id != "" && !p.returned.add(id) {
			if i > 0 && ids[i-1] == id {
				p.noteOnce(CauseDuplicateRow, fmt.Sprintf("Revel listed record %s twice; it is delivered once", id))
			}
			continue
		}
		page.Objects[kept] = o
		kept++
	}
	p.pos.Offset, p.done = start+n, done
	if n > 0 {
		p.pos.LastID = ids[n-1]
		p.prev = ids
	}
	page.Objects = page.Objects[:kept]
	return page, nil
}

// pageIDs are the objects' ids as JSON text ("" where absent).
func pageIDs(objects []string) []string {
	ids := make([]string, len(objects))
	for i, o := range objects {
		ids[i] = gjson.Get(o, "id").Raw
	}
	return ids
}

// overlapEnd is where in ids the overlap with the previous page ends: the
// index of the last of tail (the previous page's last rows) found, at its
// first occurrence as a row may be listed twice; -1 if none is there.
func overlapEnd(ids, tail []string) int {
	for k := len(tail) - 1; k >= 0; k-- {
		for i, id := range ids {
			if id == tail[k] {
				return i
			}
		}
	}
	return -1
}

func (p *Pager) fetchOffset(ctx context.Context, offset int) (*Page, error) {
	u := *p.query
	q := u.Query()
	q.Set("limit", strconv.Itoa(p.limit))
	q.Set("offset", strconv.Itoa(offset))
	u.RawQuery = q.Encode()
	return p.c.Get(ctx, &u)
}
