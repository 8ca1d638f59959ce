package revelpoller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// idsPageSize is the listing's page size: ids are small, so pages are big.
const idsPageSize = 1000

// idsKey stores the id set beside the resource's checkpoint; a suffix, not
// a subdirectory, as the checkpoint's own key may be a file.
func (p *resourcePoller) idsKey() string { return checkpoint.IDsKey(p.key) }

func (p *resourcePoller) reconcileDue() bool {
	if p.conf.reconcile == 0 {
		return false
	}
	return p.known == nil || !p.now().Before(p.known.ListedAt.Add(p.conf.reconcile))
}

// reconcileQuery is the resource's url without its macros and paging: the
// whole resource, as far as the url's other filters select it, ids only.
func reconcileQuery(template string) (string, error) {
	path, query, _ := strings.Cut(template, "?")
	var keep []string
	for _, kv := range strings.Split(query, "&") {
		if kv != "" && !strings.Contains(kv, "${") {
			keep = append(keep, kv)
		}
	}
	q, err := url.ParseQuery(strings.Join(keep, "&"))
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
	listedAt := p.now()
	addedBefore := p.added
	p.added = nil
	query, err := reconcileQuery(p.conf.url.String())
	if err != nil {
		return err
	}
	pager, err := p.client.NewPager(query, idsPageSize, revelapi.Keyset, revelapi.Position{})
	if err != nil {
		return err
	}
	var listed []int64 // ascending: keyset pages by id
	for !pager.Done() {
		page, err := pager.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.added = mergeAdded(addedBefore, p.added)
			return fmt.Errorf("listing ids: %w", err)
		}
		for _, o := range page.Objects {
			listed = append(listed, gjson.Get(o, "id").Int())
		}
	}
	// Seen before: the last listing, and every record announced since.
	seen := checkpoint.NewIDs(listedAt, nil)
	if p.known != nil {
		seen = p.known
	}
	gone := p.withoutAuditGone(seen.With(idsOf(addedBefore)).Missing(listed))
	next := checkpoint.NewIDs(listedAt, listed)
	p.known = next
	p.metrics.known.Set(int64(next.Len()), p.conf.objectType)
	p.log.Debugf("listed %d ids, %d deleted since the last listing", len(listed), len(gone))
	return p.emitDeletes(ctx, gone, next)
}

// emitDeletes delivers DELETED events for ids, in pages, and saves ids as
// the new baseline once every page is acknowledged.
func (p *resourcePoller) emitDeletes(ctx context.Context, ids []int64, baseline *checkpoint.IDs) error {
	save := func(ctx context.Context) {
		if err := checkpoint.SaveIDs(ctx, p.store, p.idsKey(), baseline); err != nil {
			p.metrics.commitFails.Incr(1, p.conf.objectType)
			p.log.Warnf("id set not saved; the next listing finds these deletions again: %v", err)
		}
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
		if err := p.deliver(ctx, events, when, ack); err != nil {
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
