package poller

import (
	"context"
	"strconv"
	"strings"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// A cycle that finds a backlog reads it side by side (backfill_concurrency):
// Revel takes about half a second a page, so one page at a time is the
// API's latency times the pages, whatever the poller's own speed. Once two
// keyset pages have shown that order_by=id and id__gt are honoured, the
// rest of the window is split into id ranges, each read by a pager of its
// own. Only fetching runs side by side: every page still goes through the
// one page step, in the order it arrives, so suppression and the cursor
// are exactly as for one pager. Each id lies in one range, so an object's
// changes are never delivered out of order.

// splitWays returns how many ranges the rest of a cycle could be read in
// after a page, or 0 to go on with one pager: only under keyset paging,
// and only when more than one page remains, so a caught-up poll reads its
// one page as before. The cycle splits on the page after the one that
// first says so, once that page has shown id__gt honoured.
func splitWays(concurrency int, mode revelapi.Paging, page *revelapi.Page, limit int) int {
	if concurrency < 2 || mode != revelapi.Keyset || limit < 1 {
		return 0
	}
	if !page.HasTotal {
		if len(page.Objects) < limit {
			return 0
		}
		return concurrency // a full page and no count: assume a backlog
	}
	left := page.TotalCount - len(page.Objects) // rows above this page's last id
	pagesLeft := (left + limit - 1) / limit
	if pagesLeft < 2 {
		return 0
	}
	return min(concurrency, pagesLeft)
}

// splitIDs divides the ids above after, up to last, into at most n ranges
// of about equal width. The last range has no upper bound, so rows
// inserted while the cycle runs are read too. Nil when there is nothing
// to divide.
func splitIDs(after, last int64, n int) []checkpoint.Slice {
	span := last - after
	if n < 2 || span < 2 {
		return nil
	}
	n = int(min(int64(n), span))
	out := make([]checkpoint.Slice, n)
	lo := after
	for i := range out {
		out[i] = checkpoint.Slice{After: strconv.FormatInt(lo, 10), Paging: revelapi.Keyset}
		out[i].AfterID = out[i].After
		if i < n-1 {
			lo = after + span*int64(i+1)/int64(n)
			out[i].UpTo = strconv.FormatInt(lo, 10)
		}
	}
	return out
}

// sliceQuery bounds query to one range's ids.
func sliceQuery(query string, s checkpoint.Slice) string {
	sep := "&"
	if !strings.Contains(query, "?") {
		sep = "?"
	}
	query += sep + "id__gt=" + s.After
	if s.UpTo != "" {
		query += "&id__lte=" + s.UpTo
	}
	return query
}

// lastID is the largest id of a cycle's query, as a probe found it.
type lastID struct {
	id  int64
	ok  bool // false: the query selects no row
	err error
}

// probeLastID asks for the largest id of the pager's query in the
// background. LastID only reads the pager's query, so it may run while
// the pager reads its next page.
func probeLastID(ctx context.Context, pager *revelapi.Pager) <-chan lastID {
	ch := make(chan lastID, 1)
	go func() {
		id, ok, err := pager.LastID(ctx)
		ch <- lastID{id, ok, err}
	}()
	return ch
}

// splitAfter divides the ids above after, up to the probed last id, into
// ways ranges; nil when there is nothing to divide.
func splitAfter(after string, last lastID, ways int) []checkpoint.Slice {
	from, err := strconv.ParseInt(after, 10, 64)
	if err != nil || !last.ok || last.err != nil {
		return nil
	}
	return splitIDs(from, last.id, ways)
}

// readSlices reads every unfinished slice's pages side by side into the
// returned channel, each page tagged with its slice's index, until the
// slice's last page, an error, or ctx ends.
func (p *resourcePoller) readSlices(ctx context.Context, query string, slices []checkpoint.Slice) (<-chan fetched, error) {
	ch := make(chan fetched, len(slices))
	for i, s := range slices {
		if s.Done {
			continue
		}
		pager, err := p.client.NewPager(sliceQuery(query, s), p.conf.pageSize, s.Paging,
			revelapi.Position{AfterID: s.AfterID, Offset: s.Offset, LastID: s.LastID})
		if err != nil {
			return nil, err
		}
		pager.AssumeOrdered()
		go func() {
			for {
				page, err := pager.Next(ctx)
				f := fetched{slice: i, page: page, err: err, mode: pager.Mode(), pos: pager.Position(), done: pager.Done(),
					ordered: pager.Ordered(), notes: pager.Notes()}
				select {
				case ch <- f:
				case <-ctx.Done():
					return
				}
				if err != nil || f.done {
					return
				}
			}
		}()
	}
	return ch, nil
}

// lastSlice reports whether a page that ends slice i also ends the cycle:
// every other slice is done.
func lastSlice(slices []checkpoint.Slice, i int) bool {
	for j, s := range slices {
		if j != i && !s.Done {
			return false
		}
	}
	return true
}
