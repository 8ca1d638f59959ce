package poller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// idsPageSize is the listing's page size: ids are small, so pages are big.
const idsPageSize = 1000

// idsKey stores the id set beside the resource's checkpoint.
func (p *resourcePoller) idsKey() string { return checkpoint.IDsKey(p.key) }

func (p *resourcePoller) reconcileDue() bool {
	if p.conf.reconcile == 0 {
		return false
	}
	return p.listing != nil || p.known == nil || !p.now().Before(p.known.ListedAt.Add(p.conf.reconcile))
}

// fullListing is a listing of every id under way; like the audit, it
// spends the poll's request budget and resumes at the next poll.
type fullListing struct {
	listedAt time.Time
	added    map[int64]struct{} // ids emitted before it began
	pager    *revelapi.Pager
	listed   []int64
}

// reconcileQuery is the resource's url without its macros and paging: the
// whole resource, as far as the url's other filters select it, ids only.
func reconcileQuery(template string) (string, error) {
	path, query, _ := strings.Cut(template, "?")
	q, err := url.ParseQuery(stripMacros(query))
	if err != nil {
		return "", err
	}
	q.Set("fields", "id")
	return path + "?" + q.Encode(), nil
}

// reconcile lists every id of the resource and emits DELETED for each id
// seen before (in the last listing, or emitted since) that is now gone:
// Revel deletes some records, timesheet entries among them, outright. The
// new id set is saved once those events are acknowledged, so a crash lists
// again and finds the same deletions.
func (p *resourcePoller) reconcile(ctx context.Context) error {
	run := p.listing
	if run == nil {
		query, err := reconcileQuery(p.conf.url.String())
		if err != nil {
			return err
		}
		pager, err := p.client.NewPager(query, idsPageSize, revelapi.Keyset, revelapi.Position{})
		if err != nil {
			return err
		}
		run = &fullListing{listedAt: p.now(), added: p.added, pager: pager}
		p.added = nil
	}
	p.listing = nil
	for !run.pager.Done() {
		if !p.spend() {
			p.listing = run
			return nil
		}
		page, err := run.pager.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.added = mergeAdded(run.added, p.added)
			return fmt.Errorf("listing ids: %w", err)
		}
		for _, o := range page.Objects {
			run.listed = append(run.listed, gjson.Get(o, "id").Int())
		}
	}
	for _, n := range run.pager.Notes() {
		if cause := "listing " + n.Cause; !p.warned[cause] {
			if p.warned == nil {
				p.warned = map[string]bool{}
			}
			p.warned[cause] = true
			p.log.Warnf("id listing of %s: %s", p.conf.objectType, n.Message)
		}
	}
	// Seen before: the last listing, and every record announced since.
	// Keyset pages come in id order, so the listing becomes the new set
	// as it is, without a copy; a resource that ignores order_by=id is
	// listed by offset, in its own order, and sorted here.
	if !slices.IsSorted(run.listed) {
		slices.Sort(run.listed)
		run.listed = slices.Compact(run.listed)
	}
	gone := checkpoint.NewIDs(run.listedAt, idsOf(run.added)).Missing(run.listed)
	if p.known != nil {
		gone = append(gone, p.known.Missing(run.listed)...)
		slices.Sort(gone)
		gone = slices.Compact(gone)
	}
	gone = p.withoutAuditGone(gone)
	next := checkpoint.SortedIDs(run.listedAt, run.listed)
	p.known = next
	p.metrics.known.Set(int64(next.Len()), p.conf.objectType)
	p.log.Debugf("listed %d ids, %d deleted since the last listing", next.Len(), len(gone))
	return p.emitDeletes(ctx, gone, next)
}

// emitDeletes delivers DELETED events for ids, in pages, and saves ids as
// the new baseline once every page is acknowledged.
func (p *resourcePoller) emitDeletes(ctx context.Context, ids []int64, baseline *checkpoint.IDs) error {
	save := func(ctx context.Context) {
		err := checkpoint.SaveIDs(ctx, p.store, p.idsKey(), baseline)
		if err != nil {
			p.metrics.commitFails.Incr(1, p.conf.objectType)
		}
		// Not saved, the next listing finds these deletions again.
		p.saveOutcome(err)
	}
	if len(ids) == 0 {
		save(ctx)
		return nil
	}
	pages := (len(ids) + p.conf.pageSize - 1) / p.conf.pageSize
	var pending atomic.Int64
	pending.Store(int64(pages))
	ack := func(ctx context.Context) {
		if pending.Add(-1) == 0 {
			save(ctx)
		}
	}
	when := p.now()
	for i := 0; i < len(ids); i += p.conf.pageSize {
		chunk := ids[i:min(i+p.conf.pageSize, len(ids))]
		events := make([]event.Event, len(chunk))
		for j, id := range chunk {
			events[j] = event.NewDeleted(p.input.instance.ID, p.conf.objectType, id, when)
		}
		p.metrics.auditMissed.Incr(int64(len(events)), p.conf.objectType)
		tracked, err := p.tracker.Track(ctx, p.state)
		if err != nil {
			return err
		}
		if err := p.deliver(ctx, events, when, func(ctx context.Context) { ack(ctx); tracked(ctx) }); err != nil {
			return err
		}
	}
	return nil
}

func mergeAdded(a, b map[int64]struct{}) map[int64]struct{} {
	if a == nil {
		return b
	}
	for id := range b {
		a[id] = struct{}{}
	}
	return a
}

func idsOf(m map[int64]struct{}) []int64 {
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	return out
}
