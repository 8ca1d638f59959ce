package poller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// The completeness audit. Every audit_interval it lists (id, version) of
// the records whose version lies in the last audit_lookback, ids only and
// paged by id, and compares the listing with the ledger of delivered
// changes: a change older than the cursor's reach that was never delivered
// was missed by the cursor (made visible late, skipped by paging, hidden by
// the API); an id delivered within the window and no longer listed was
// deleted outright. Missed records are fetched whole (id__in) and delivered
// as the event the cycle would have made, with the same event id, through
// the same acknowledgement-gated path.

// auditFetchBatch is how many ids one id__in request asks for: short
// enough for any URL length limit.
const auditFetchBatch = 100

// auditSample is how many ids a WARN line names.
const auditSample = 5

// auditBounds are the versions (Unix ns) an audit judges: [from, to).
// Before from, the ledger does not know what was delivered, or the listing
// does not cover it; from to on, the next cycle's query reads it anyway.
type auditBounds struct{ from, to int64 }

func (b auditBounds) holds(v int64) bool { return v >= b.from && v < b.to }

// listedRow is one row of the audit's listing.
type listedRow struct {
	id      int64
	version int64
	dated   bool // false: the version could not be read, so it is not judged
}

// recordedRow is a delivered change the ledger holds.
type recordedRow struct{ id, version int64 }

// compareListing is the audit's decision. listed and recorded must be
// ascending by id and cover the same id range. A listed row is missed when
// its version is within b and the ledger holds no delivery of it (nor of a
// later version). With deletes, a recorded id within b that is not listed
// is gone: the listing would hold it, since versions only grow.
func compareListing(listed []listedRow, recorded []recordedRow, b auditBounds, deletes bool) (missed, gone []int64) {
	j := 0
	for _, row := range listed {
		for ; j < len(recorded) && recorded[j].id < row.id; j++ {
			if deletes && b.holds(recorded[j].version) {
				gone = append(gone, recorded[j].id)
			}
		}
		delivered := j < len(recorded) && recorded[j].id == row.id && recorded[j].version >= row.version
		if j < len(recorded) && recorded[j].id == row.id {
			j++
		}
		if row.dated && b.holds(row.version) && !delivered {
			missed = append(missed, row.id)
		}
	}
	for ; j < len(recorded); j++ {
		if deletes && b.holds(recorded[j].version) {
			gone = append(gone, recorded[j].id)
		}
	}
	return missed, gone
}

// auditRun is an audit under way; it survives polls that ran out of
// request budget, not restarts (a restart audits again from the start).
type auditRun struct {
	started time.Time
	bounds  auditBounds
	pager   *revelapi.Pager
	listed  bool  // the listing is read to its end
	after   int64 // ids up to here have been compared
	fetch   []int64
	// gone are ids judged deleted; they are delivered only once the whole
	// listing was read by id: a listing the pager had to re-read another
	// way (the resource ignores order_by=id) judges no deletions.
	gone     []int64
	fellBack bool
	found    int // changes delivered so far
	deleted  int // of them, hard deletes
	sample   []string
}

func (p *resourcePoller) auditDue() bool {
	if p.ledger == nil {
		return false
	}
	return p.auditing != nil || !p.now().Before(p.auditNext)
}

// ledgerKey stores the ledger beside the resource's checkpoint.
func (p *resourcePoller) ledgerKey() string { return checkpoint.LedgerKey(p.key) }

// loadLedger reads the resource's ledger, or starts one that vouches for
// changes the next cycle delivers: from the cursor's reach, or, mid-cycle,
// from now (the pages already delivered in this cycle are not in it).
func (p *resourcePoller) loadLedger(ctx context.Context) error {
	p.ledgerStore = &checkpoint.LedgerStore{Store: p.store, Key: p.ledgerKey()}
	l, err := p.ledgerStore.Load(ctx)
	if err != nil {
		return err
	}
	now := p.now()
	if l == nil {
		since := p.conf.url.Reach(windowFrom(p.conf, p.state.Cursor))
		if p.state.Cycle != nil {
			since = now
		}
		l = checkpoint.NewLedger(since)
	}
	p.ledger = l
	p.auditNext = now.Add(p.conf.audit)
	if at := l.AuditedAt(); !at.IsZero() {
		p.auditNext = at.Add(p.conf.audit)
	}
	return nil
}

// ledgerEntries are what events tell the ledger: the version of a dated
// change, or the removal of a hard-deleted id. Ids that are not integers
// are left out: the audit lists and fetches by integer id.
func ledgerEntries(events []event.Event) []checkpoint.Entry {
	entries := make([]checkpoint.Entry, 0, len(events))
	for i := range events {
		e := &events[i]
		id, err := strconv.ParseInt(e.ObjectID, 10, 64)
		switch {
		case err != nil:
		case e.Undated && e.Type == event.Deleted:
			entries = append(entries, checkpoint.Entry{ID: id, Removed: true})
		case !e.Undated:
			entries = append(entries, checkpoint.Entry{ID: id, Version: e.Date.UnixNano()})
		}
	}
	return entries
}

// ledgerAck marks events as emitted and returns ack wrapped so that, once
// they are acknowledged, they enter the ledger and the ledger is saved
// before the checkpoint moves.
func (p *resourcePoller) ledgerAck(events []event.Event, ack func(context.Context)) func(context.Context) {
	if p.ledger == nil {
		return ack
	}
	entries := ledgerEntries(events)
	p.ledger.Emit(entries)
	return func(ctx context.Context) {
		p.ledger.Ack(entries)
		if err := p.ledgerStore.Save(ctx, p.ledger); err != nil {
			p.metrics.commitFails.Incr(1, p.conf.objectType)
			p.log.Errorf("audit ledger not saved (the next acknowledgement retries; after a restart the audit may deliver these changes again): %v", err)
		}
		ack(ctx)
	}
}

// auditWindow is the earliest version an audit starting at now lists.
func (p *resourcePoller) auditWindow(now time.Time) time.Time {
	return now.Add(-p.conf.auditLookback)
}

// audit advances the audit under way, or starts one, until it ends or the
// poll's request budget is spent; the next poll resumes it. An audit that
// fails is logged and given up until the next audit_interval: it must not
// hold up polling.
func (p *resourcePoller) audit(ctx context.Context) error {
	err := p.advanceAudit(ctx)
	if err == nil || ctx.Err() != nil {
		return err
	}
	p.log.Errorf("audit of %s failed, next in %s: %v", p.conf.objectType, p.conf.audit, err)
	p.auditing = nil
	p.auditNext = p.now().Add(p.conf.audit)
	return nil
}

func (p *resourcePoller) advanceAudit(ctx context.Context) error {
	run := p.auditing
	if run == nil {
		var err error
		if run, err = p.startAudit(); err != nil {
			return err
		}
		p.auditing = run
	}
	for {
		switch {
		case len(run.fetch) > 0:
			if !p.spend() {
				return nil
			}
			batch := run.fetch[:min(auditFetchBatch, len(run.fetch))]
			if err := p.auditFetch(ctx, run, batch); err != nil {
				return err
			}
			run.fetch = run.fetch[len(batch):]
		case run.listed && len(run.gone) > 0:
			batch := run.gone[:min(p.conf.pageSize, len(run.gone))]
			if err := p.auditDeletes(ctx, run, batch); err != nil {
				return err
			}
			run.gone = run.gone[len(batch):]
		case !run.listed:
			if !p.spend() {
				return nil
			}
			if err := p.auditList(ctx, run); err != nil {
				return err
			}
		default:
			return p.finishAudit(ctx, run)
		}
	}
}

// spend takes one request from the poll's budget, if any is left.
func (p *resourcePoller) spend() bool {
	if p.input.maxRequests == 0 {
		return true
	}
	if p.requests.Load() >= int64(p.input.maxRequests) {
		p.log.Debugf("the audit has spent this poll's requests; it resumes next poll")
		return false
	}
	return true
}

func (p *resourcePoller) startAudit() (*auditRun, error) {
	now := p.now()
	window := p.auditWindow(now)
	from := max(window.UnixNano(), p.ledger.Since().UnixNano())
	to := p.conf.url.Reach(windowFrom(p.conf, p.state.Cursor)).UnixNano()
	query, err := auditQuery(p.conf, window, now)
	if err != nil {
		return nil, err
	}
	// Page as the poll learned to: a resource found to ignore order_by=id
	// is listed by offset (and judged for missed changes only), one found
	// to honour it is not probed again.
	mode := revelapi.Auto
	if p.state.Paging != "" {
		mode = p.state.Paging
	}
	pager, err := p.client.NewPager(query, idsPageSize, mode, revelapi.Position{})
	if err != nil {
		return nil, err
	}
	if p.state.Paging == revelapi.Keyset {
		pager.AssumeOrdered()
	}
	return &auditRun{started: now, bounds: auditBounds{from: from, to: to}, pager: pager, after: math.MinInt64}, nil
}

// auditQuery is the resource's url with its lower bound at window and only
// the id and version fields.
func auditQuery(rc *resourceConfig, window, now time.Time) (string, error) {
	path, query, _ := strings.Cut(rc.url.Render(window, now), "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", err
	}
	version := rc.fields.Created.Path
	if rc.fields.FilterByUpdatedDate {
		version = rc.fields.Updated.Path
	}
	id, v := rc.fields.ID.String(), version.String()
	if plainName(id) && plainName(v) {
		q.Set("fields", id+","+v)
	}
	q.Del("order_by") // the pager orders by id
	return path + "?" + q.Encode(), nil
}

// plainName reports whether a JSON path is one top-level member, which
// Revel's fields= can select.
func plainName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// auditList reads one page of the listing and compares it with the
// ledger over the id range it covers.
func (p *resourcePoller) auditList(ctx context.Context, run *auditRun) error {
	page, err := run.pager.Next(ctx)
	eof := errors.Is(err, io.EOF)
	if eof {
		page = &revelapi.Page{} // the end: ids past the last compared are gone
	} else if err != nil {
		return fmt.Errorf("audit listing: %w", err)
	}
	rows := make([]listedRow, 0, len(page.Objects))
	for _, o := range page.Objects {
		r := p.conf.fields.Read(o)
		id, err := strconv.ParseInt(r.ID, 10, 64)
		if err != nil {
			continue
		}
		row := listedRow{id: id, dated: r.VersionErr == nil}
		if row.dated {
			row.version = r.Version.UnixNano()
		}
		rows = append(rows, row)
	}
	for _, n := range run.pager.Notes() {
		run.fellBack = run.fellBack || n.Fallback
		if cause := "audit " + n.Cause; !p.warned[cause] {
			if p.warned == nil {
				p.warned = map[string]bool{}
			}
			p.warned[cause] = true
			p.log.Warnf("audit listing of %s: %s", p.conf.objectType, n.Message)
		}
	}
	keyset := run.pager.Mode() == revelapi.Keyset && !run.fellBack
	if !keyset {
		// Offset pages are not in id order and may shift: compare what
		// they hold, but judge no deletions from them.
		slices.SortFunc(rows, func(a, b listedRow) int { return cmp.Compare(a.id, b.id) })
	}
	upTo := run.after
	if len(rows) > 0 {
		upTo = max(upTo, rows[len(rows)-1].id)
	}
	run.listed = eof || run.pager.Done()
	if run.listed && keyset {
		upTo = math.MaxInt64
	}
	var recorded []recordedRow
	if keyset {
		p.ledger.Between(run.after, upTo, func(id, v int64) {
			recorded = append(recorded, recordedRow{id, v})
		})
	}
	recorded = p.withDelivered(rows, recorded)
	missed, gone := compareListing(rows, recorded, run.bounds, keyset)
	run.after = upTo
	run.fetch = append(run.fetch, missed...)
	for _, id := range gone {
		if !p.ledger.RemovalPending(id) {
			run.gone = append(run.gone, id)
		}
	}
	if run.fellBack && len(run.gone) > 0 {
		p.log.Warnf("audit of %s: the listing could not be read in id order, so this audit reports no deletions (%d candidates dropped); audit_full_interval finds them", p.conf.objectType, len(run.gone))
		run.gone = nil
	}
	return nil
}

// withDelivered completes recorded with what the ledger counts as
// delivered, changes awaiting acknowledgement included: a later version of
// a recorded id, and listed ids known only that way.
func (p *resourcePoller) withDelivered(rows []listedRow, recorded []recordedRow) []recordedRow {
	for i, r := range recorded {
		if v, ok := p.ledger.Delivered(r.id); ok && v > r.version {
			recorded[i].version = v
		}
	}
	n := len(recorded)
	for _, r := range rows {
		if _, found := slices.BinarySearchFunc(recorded[:n], r.id, func(x recordedRow, id int64) int { return cmp.Compare(x.id, id) }); found {
			continue
		}
		if v, ok := p.ledger.Delivered(r.id); ok {
			recorded = append(recorded, recordedRow{r.id, v})
		}
	}
	if len(recorded) > n {
		slices.SortFunc(recorded, func(a, b recordedRow) int { return cmp.Compare(a.id, b.id) })
	}
	return recorded
}

// auditFetch reads the missed records whole and delivers each change the
// cycle missed as the event the cycle would have made.
func (p *resourcePoller) auditFetch(ctx context.Context, run *auditRun, ids []int64) error {
	path, query, _ := strings.Cut(p.conf.url.String(), "?")
	q, err := url.ParseQuery(stripMacros(query))
	if err != nil {
		return err
	}
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = strconv.FormatInt(id, 10)
	}
	q.Del("order_by")
	q.Set("id__in", strings.Join(in, ","))
	pager, err := p.client.NewPager(path+"?"+q.Encode(), len(ids), revelapi.Offset, revelapi.Position{})
	if err != nil {
		return err
	}
	pollDate := p.now()
	var events []event.Event
	for !pager.Done() { // one page, unless the server clamps limit
		page, err := pager.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("audit fetching missed records: %w", err)
		}
		for _, raw := range page.Objects {
			r := p.conf.fields.Read(raw)
			id, err := strconv.ParseInt(r.ID, 10, 64)
			if err != nil || r.VersionErr != nil {
				continue
			}
			v := r.Version.UnixNano()
			if v >= run.bounds.to {
				continue // changed again since the listing: the cycle's
			}
			d, delivered := p.ledger.Delivered(id)
			if delivered && d >= v {
				continue
			}
			events = append(events, event.New(p.input.instance.ID, p.conf.objectType, &r, p.conf.classifier.Classify(&r, delivered), pollDate))
		}
	}
	return p.auditDeliver(ctx, run, events, pollDate)
}

// stripMacros drops the query parameters holding a macro: the lower bound.
func stripMacros(query string) string {
	var keep []string
	for _, kv := range strings.Split(query, "&") {
		if kv != "" && !strings.Contains(kv, "${") {
			keep = append(keep, kv)
		}
	}
	return strings.Join(keep, "&")
}

// auditDeletes delivers DELETED for ids listed as delivered and gone.
func (p *resourcePoller) auditDeletes(ctx context.Context, run *auditRun, ids []int64) error {
	when := p.now()
	events := make([]event.Event, len(ids))
	for i, id := range ids {
		events[i] = event.NewDeleted(p.input.instance.ID, p.conf.objectType, id, when)
		if p.auditGone == nil {
			p.auditGone = map[int64]struct{}{}
		}
		p.auditGone[id] = struct{}{}
	}
	return p.auditDeliver(ctx, run, events, when)
}

// auditDeliver hands the audit's events downstream through the tracker, as
// a page of the cycle is, and counts and logs them.
func (p *resourcePoller) auditDeliver(ctx context.Context, run *auditRun, events []event.Event, pollDate time.Time) error {
	if len(events) == 0 {
		return nil
	}
	run.found += len(events)
	for i := range events {
		if events[i].Type == event.Deleted && events[i].Undated {
			run.deleted++
		}
	}
	for i := 0; i < len(events) && len(run.sample) < auditSample; i++ {
		run.sample = append(run.sample, events[i].ObjectID+" "+string(events[i].Type))
	}
	p.metrics.auditMissed.Incr(int64(len(events)), p.conf.objectType)
	ack, err := p.tracker.Track(ctx, p.state)
	if err != nil {
		return err
	}
	return p.deliver(ctx, events, pollDate, ack)
}

// finishAudit saves the ledger, pruned to the window, with the audit's
// start, and logs what the audit found.
func (p *resourcePoller) finishAudit(ctx context.Context, run *auditRun) error {
	p.auditing = nil
	p.auditNext = run.started.Add(p.conf.audit)
	switch missed := run.found - run.deleted; {
	case missed > 0:
		p.log.Warnf("audit of %s: the cursor missed %d changes, delivered now; %d hard deletes found (%s)",
			p.conf.objectType, missed, run.deleted, strings.Join(run.sample, ", "))
	case run.deleted > 0:
		// Revel deletes some records outright (timesheet entries): no
		// capture gap, only what the audit is there to find.
		p.log.Infof("audit of %s: %d hard deletes found and delivered (%s)",
			p.conf.objectType, run.deleted, strings.Join(run.sample, ", "))
	default:
		p.log.Debugf("audit of %s found every change delivered", p.conf.objectType)
	}
	// The full listing's saved id set must not hold the ids whose deletion
	// the audit delivered: after a restart it would report them again. If
	// the process dies before those DELETED are acknowledged, the ledger
	// still holds the ids and the next audit delivers them again.
	if p.known != nil && len(p.auditGone) > 0 {
		p.known = p.known.Without(idsOf(p.auditGone))
		if err := checkpoint.SaveIDs(ctx, p.store, p.idsKey(), p.known); err != nil {
			p.metrics.commitFails.Incr(1, p.conf.objectType)
			p.log.Errorf("id set not saved after the audit's deletions; a restart's listing may report them again: %v", err)
		}
	}
	if err := p.ledgerStore.Compact(ctx, p.ledger, p.auditWindow(run.started), run.started); err != nil {
		p.metrics.commitFails.Incr(1, p.conf.objectType)
		p.log.Errorf("audit ledger not saved: %v", err)
	}
	p.metrics.ledgerIDs.Set(int64(p.ledger.Len()), p.conf.objectType)
	return nil
}

// withoutAuditGone drops ids whose deletion the audit already delivered
// from a full listing's findings.
func (p *resourcePoller) withoutAuditGone(gone []int64) []int64 {
	if len(p.auditGone) == 0 {
		return gone
	}
	kept := gone[:0]
	for _, id := range gone {
		if _, done := p.auditGone[id]; !done {
			kept = append(kept, id)
		}
	}
	p.auditGone = nil
	return kept
}
