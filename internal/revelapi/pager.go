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
	// Auto uses keyset paging unless the resource rejects ordering by id,
	// then offset paging.
	Auto Paging = "auto"
)

// Position is where paging resumes: the last id delivered (keyset) or the
// number of rows consumed (offset).
type Position struct {
	AfterID string
	Offset  int
}

// ErrUnordered means a keyset page came back out of id order, so the
// resource ignores order_by and keyset paging would skip rows.
var ErrUnordered = errors.New("resource ignores order_by=id; keyset paging would skip rows")

// Pager walks the pages of one query.
type Pager struct {
	c     *Client
	query *url.URL
	limit int
	mode  Paging
	auto  bool
	pos   Position

	next      *url.URL // offset mode: the server's next link
	lastTotal int
	prevIDs   map[string]struct{}
	done      bool
}

// NewPager prepares paging of query (a path and query rendered from the
// resource's url) limit rows at a time, resuming at from.
func (c *Client) NewPager(query string, limit int, mode Paging, from Position) (*Pager, error) {
	u, err := c.Resolve(query)
	if err != nil {
		return nil, err
	}
	p := &Pager{c: c, query: u, limit: limit, mode: mode, pos: from, lastTotal: -1}
	if mode == Auto {
		p.mode, p.auto = Keyset, true
		if u.Query().Has("order_by") {
			p.mode, p.auto = Offset, false
		}
	}
	return p, nil
}

// Mode is the paging mode in effect (auto resolves on the first page).
func (p *Pager) Mode() Paging { return p.mode }

// Done reports whether the last page has been returned.
func (p *Pager) Done() bool { return p.done }

// Position is where paging would resume after the last page returned.
func (p *Pager) Position() Position { return p.pos }

// Next returns the next page, or io.EOF after the last one. Records already
// returned by the previous page are removed from an overlapping page.
func (p *Pager) Next(ctx context.Context) (*Page, error) {
	if p.done {
		return nil, io.EOF
	}
	if p.mode == Keyset {
		page, err := p.nextKeyset(ctx)
		if p.auto && p.pos.AfterID == "" && fallsBack(err) {
			// The resource will not order by id; offset paging still works.
			p.mode, p.auto = Offset, false
			return p.Next(ctx)
		}
		p.auto = false
		return page, err
	}
	return p.nextOffset(ctx)
}

func fallsBack(err error) bool {
	var se *StatusError
	return errors.Is(err, ErrUnordered) || errors.As(err, &se) && se.Code == http.StatusBadRequest
}

func (p *Pager) nextKeyset(ctx context.Context) (*Page, error) {
	u := *p.query
	q := u.Query()
	q.Set("order_by", "id")
	if p.pos.AfterID != "" {
		q.Set("id__gt", p.pos.AfterID)
	}
	q.Set("limit", strconv.Itoa(p.limit))
	u.RawQuery = q.Encode()
	page, err := p.c.Get(ctx, &u)
	if err != nil {
		return nil, err
	}
	last, err := strconv.ParseInt(p.pos.AfterID, 10, 64)
	if p.pos.AfterID == "" || err != nil {
		last = -1 << 63
	}
	after := p.pos.AfterID
	for _, o := range page.Objects {
		id := gjson.Get(o, "id")
		if id.Type != gjson.Number || id.Int() <= last {
			return nil, fmt.Errorf("%w (GET %s)", ErrUnordered, u.Redacted())
		}
		last, after = id.Int(), id.Raw
	}
	p.pos.AfterID = after
	n := len(page.Objects)
	p.done = n == 0 || (page.HasTotal && page.TotalCount <= n) || (!page.HasTotal && n < p.limit)
	return page, nil
}

func (p *Pager) nextOffset(ctx context.Context) (*Page, error) {
	back := 0
	if p.prevIDs != nil {
		back = min(len(p.prevIDs), max(1, p.limit/20))
	}
	page, err := p.fetchOffset(ctx, p.pos.Offset-back)
	if err != nil {
		return nil, err
	}
	if back > 0 && page.HasTotal && page.TotalCount < p.lastTotal {
		// Rows left the result, so this page slid back by as many; read
		// again from far enough back that none is skipped.
		if further := min(len(p.prevIDs), back+p.lastTotal-page.TotalCount); further > back {
			back = further
			if page, err = p.fetchOffset(ctx, p.pos.Offset-back); err != nil {
				return nil, err
			}
		}
	}
	start := max(p.pos.Offset-back, 0)
	fresh := page.Objects[:0:0]
	ids := make(map[string]struct{}, len(page.Objects))
	for _, o := range page.Objects {
		id := gjson.Get(o, "id").Raw
		ids[id] = struct{}{}
		if _, repeat := p.prevIDs[id]; repeat && id != "" {
			continue
		}
		fresh = append(fresh, o)
	}
	consumed := len(page.Objects)
	advanced := start+consumed > p.pos.Offset
	p.pos.Offset = max(start+consumed, p.pos.Offset)
	p.prevIDs = ids
	if page.HasTotal {
		p.lastTotal = page.TotalCount
	}
	// No row past the old position means the end was reached.
	p.done = !advanced || (page.HasTotal && p.pos.Offset >= page.TotalCount) || (!page.HasTotal && consumed < p.limit)
	page.Objects = fresh
	return page, nil
}

func (p *Pager) fetchOffset(ctx context.Context, offset int) (*Page, error) {
	offset = max(offset, 0)
	base := p.query
	if p.next != nil {
		base = p.next
	}
	u := *base
	q := u.Query()
	if !q.Has("limit") {
		q.Set("limit", strconv.Itoa(p.limit))
	}
	q.Set("offset", strconv.Itoa(offset))
	u.RawQuery = q.Encode()
	page, err := p.c.Get(ctx, &u)
	if err != nil {
		return nil, err
	}
	p.next = nil
	if page.Next != "" {
		// Follow the server's link for its parameters (a clamped limit,
		// say); the offset stays ours so overlap can be applied.
		if p.next, err = p.c.Resolve(page.Next); err != nil {
			return nil, err
		}
	}
	return page, nil
}
