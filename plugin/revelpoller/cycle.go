package revelpoller

import (
	"context"
	"errors"
	"io"
	"maps"
	"strconv"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// futureSlack is how far ahead of the poll a record's updated time may be
// before the zone is suspected to be wrong.
const futureSlack = time.Minute

// cycle runs one poll cycle, or resumes the one in p.state, to its last
// page. Each page's events are emitted with the state to save once they are
// acknowledged.
func (p *resourcePoller) cycle(ctx context.Context) error {
	prev := p.state
	cy := prev.Cycle
	mode := p.paging
	if cy == nil {
		cy = &checkpoint.Cycle{
			From:       prev.Cursor.Add(-p.conf.pollDelay),
			Started:    p.now(),
			MaxUpdated: prev.Cursor,
			Seen:       map[string]int64{},
		}
	} else {
		mode = cy.Paging
	}
	pager, err := p.client.NewPager(p.conf.url.Render(cy.From, cy.Started), p.conf.pageSize, mode,
		revelapi.Position{AfterID: cy.AfterID, Offset: cy.Offset, LastID: cy.LastID})
	if err != nil {
		return err
	}
	if prev.Paging == revelapi.Keyset {
		pager.AssumeOrdered()
	}
	// Each page is read while the one before it becomes events: fetching
	// and decoding take as long as the rest, and run on another core.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ahead := readAhead(ctx, pager)
	learned := learnedPaging{prev.Paging, prev.PagingWhy}
	for pages := 1; ; pages++ {
		f := <-ahead
		learned = p.pagingNotes(learned, f)
		if errors.Is(f.err, io.EOF) {
			return nil
		}
		if f.err != nil {
			return f.err
		}
		if !f.done && (p.input.maxRequests == 0 || pages < p.input.maxRequests) {
			ahead = readAhead(ctx, pager)
		}
		page := f.page
		p.onAuth(p.conf.objectType, false)
		p.metrics.pages.Incr(1, p.conf.objectType)
		p.metrics.records.Incr(int64(len(page.Objects)), p.conf.objectType)
		p.paging = f.mode
		p.checkZone(page.TimeZone)
		pollDate := p.now()

		next := *cy
		next.Seen = maps.Clone(cy.Seen)
		events := p.changes(page.Objects, prev.Seen, &next, pollDate)
		next.Paging, next.AfterID, next.Offset, next.LastID = f.mode, f.pos.AfterID, f.pos.Offset, f.pos.LastID
		// The cycle's final cursor will lie between these two bounds;
		// keep what its boundary could need.
		lowest := earlier(next.MaxUpdated, next.Started)
		keep := p.conf.url.ReachOver(lowest.Add(-p.conf.pollDelay), next.Started.Add(-p.conf.pollDelay))
		pruneSeen(next.Seen, keep.Add(-p.conf.classifier.CreatedTolerance))
		cy = &next

		snap := &checkpoint.State{Cursor: prev.Cursor, Through: prev.Through, Seen: prev.Seen, Cycle: cy}
		if f.done {
			snap = p.finish(prev, cy)
		}
		snap.Paging, snap.PagingWhy = learned.Paging, learned.PagingWhy
		p.state = snap
		if err := p.emit(ctx, events, snap, pollDate); err != nil {
			return err
		}
		if f.done {
			return nil
		}
		if p.input.maxRequests > 0 && pages >= p.input.maxRequests {
			return errBudget
		}
	}
}

// fetched is a page read ahead, with where the pager stood after it and
// what it worked around.
type fetched struct {
	page    *revelapi.Page
	err     error
	mode    revelapi.Paging
	pos     revelapi.Position
	done    bool
	ordered bool
	notes   []revelapi.Note
}

// readAhead reads pager's next page in the background. The pager is used
// by one readAhead at a time: the next starts once this one is received.
func readAhead(ctx context.Context, pager *revelapi.Pager) <-chan fetched {
	ch := make(chan fetched, 1)
	go func() {
		page, err := pager.Next(ctx)
		ch <- fetched{page: page, err: err, mode: pager.Mode(), pos: pager.Position(), done: pager.Done(),
			ordered: pager.Ordered(), notes: pager.Notes()}
	}()
	return ch
}

// learnedPaging is what a resource's state records about its paging.
type learnedPaging struct {
	Paging    revelapi.Paging
	PagingWhy string
}

// pagingNotes logs and counts what the pager worked around, one WARN line
// per resource and cause, and returns the paging the state should now
// record: a fallback's mode and cause, or keyset once a probe found
// order_by=id honoured.
func (p *resourcePoller) pagingNotes(l learnedPaging, f fetched) learnedPaging {
	for _, n := range f.notes {
		if n.Fallback {
			p.metrics.fallbacks.Incr(1, p.conf.objectType, n.Cause)
			l = learnedPaging{f.mode, n.Cause}
		} else {
			p.metrics.repairs.Incr(1, p.conf.objectType, n.Cause)
		}
		if !p.warned[n.Cause] {
			if p.warned == nil {
				p.warned = map[string]bool{}
			}
			p.warned[n.Cause] = true
			p.log.Warnf("paging %s: %s", p.conf.objectType, n.Message)
		}
	}
	if l.Paging == "" && f.ordered && f.mode == revelapi.Keyset {
		l = learnedPaging{revelapi.Keyset, "order_by=id honoured (probed)"}
	}
	if l.Paging != "" {
		p.paging = l.Paging
	}
	return l
}

// changes reads a page's records into events, leaving out changes already
// delivered: those in the previous boundary or earlier in this cycle.
func (p *resourcePoller) changes(objects []string, boundary map[string]int64, cy *checkpoint.Cycle, pollDate time.Time) []event.Event {
	var events []event.Event
	warnedFuture := false
	suppressed := 0
	for _, raw := range objects {
		r := p.conf.fields.Read(raw)
		var version int64
		if r.VersionErr == nil {
			if p.conf.onlyBeforeCycle && r.Version.After(cy.Started) {
				continue // the next cycle reads it
			}
			version = r.Version.UnixNano()
			if r.Version.After(cy.MaxUpdated) {
				cy.MaxUpdated = r.Version
			}
			if !warnedFuture && r.Version.After(pollDate.Add(futureSlack)) {
				warnedFuture = true
				p.log.Warnf("record %s is dated %s, in the future; check the zones in dates_configuration",
					r.ID, r.Version.Format(time.RFC3339))
			}
		}
		deliveredBefore := false
		if r.ID != "" {
			v, inCycle := cy.Seen[r.ID]
			if !inCycle {
				v, inCycle = boundary[r.ID]
				if inCycle && v == version {
					cy.Seen[r.ID] = version
					suppressed++
					continue
				}
			} else if v == version {
				suppressed++
				continue
			}
			deliveredBefore = inCycle && v != 0
			cy.Seen[r.ID] = version
		} else {
			p.log.Warnf("a record has no id at %q; it is emitted with an empty objectId and cannot be deduplicated", p.conf.fields.ID)
		}
		if r.VersionErr != nil {
			p.log.Warnf("record %s has no usable updated time (%v); emitting it once, dated at the poll", r.ID, r.VersionErr)
		}
		e := event.New(p.input.instance.ID, p.conf.objectType, &r, p.conf.classifier.Classify(&r, deliveredBefore), pollDate)
		p.noteEmitted(e)
		events = append(events, e)
	}
	p.metrics.suppressed.Incr(int64(suppressed), p.conf.objectType)
	return events
}

// noteEmitted remembers the ids of records that exist, so the next listing
// of ids can tell when one has been deleted.
func (p *resourcePoller) noteEmitted(e event.Event) {
	if p.conf.reconcile == 0 || e.Type == event.Deleted {
		return
	}
	if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err == nil {
		if p.added == nil {
			p.added = map[int64]struct{}{}
		}
		p.added[id] = struct{}{}
	}
}

// finish computes the state after a completed cycle. The cursor is the
// latest delivered change, but never past the cycle's start: paging may
// have passed rows changed while it ran, and those carry later times.
func (p *resourcePoller) finish(prev *checkpoint.State, cy *checkpoint.Cycle) *checkpoint.State {
	cursor := earlier(cy.MaxUpdated, cy.Started)
	if cursor.Before(prev.Cursor) {
		cursor = prev.Cursor
	}
	// Keep every delivered change the next query can return again, and
	// those within the created tolerance before it: an edit made right
	// after creation must be recognised as an edit.
	reach := p.conf.url.Reach(cursor.Add(-p.conf.pollDelay)).Add(-p.conf.classifier.CreatedTolerance).UnixNano()
	seen := make(map[string]int64, len(cy.Seen))
	for id, v := range prev.Seen {
		if v != 0 && v >= reach {
			seen[id] = v
		}
	}
	for id, v := range cy.Seen {
		if v == 0 || v >= reach {
			seen[id] = v
		} else {
			delete(seen, id)
		}
	}
	return &checkpoint.State{Cursor: cursor, Through: cy.Started, Seen: seen}
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func pruneSeen(seen map[string]int64, before time.Time) {
	limit := before.UnixNano()
	for id, v := range seen {
		if v != 0 && v < limit {
			delete(seen, id)
		}
	}
}

// emit tracks snap and delivers the events. A page without new events is
// acknowledged at once so its checkpoint still advances.
func (p *resourcePoller) emit(ctx context.Context, events []event.Event, snap *checkpoint.State, pollDate time.Time) error {
	ack, err := p.tracker.Track(ctx, snap)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		ack(ctx)
		return nil
	}
	return p.deliver(ctx, events, pollDate, ack)
}

// deliver hands events to ReadBatch as one batch; ack runs once every
// message of it is acknowledged.
func (p *resourcePoller) deliver(ctx context.Context, events []event.Event, pollDate time.Time, ack func(context.Context)) error {
	p.countEvents(events)
	now := p.now()
	batch := make(service.MessageBatch, 0, (len(events)+p.input.eventsPerMessage-1)/p.input.eventsPerMessage)
	for i := 0; i < len(events); i += p.input.eventsPerMessage {
		group := events[i:min(i+p.input.eventsPerMessage, len(events))]
		size := 640
		for _, e := range group {
			size += len(e.Raw) + 256
		}
		msg := service.NewMessage(p.encoder.Append(make([]byte, 0, size), group, pollDate, now))
		p.encoder.Metadata(group, msg.MetaSetMut)
		batch = append(batch, msg)
	}
	n := int64(len(batch))
	p.setUnacked(n)
	release := func(ctx context.Context) {
		p.setUnacked(-n)
		ack(ctx)
	}
	release = p.ledgerAck(events, release)
	select {
	case p.out <- delivery{batch: batch, ack: release}:
		return nil
	case <-ctx.Done():
		p.setUnacked(-n)
		return ctx.Err()
	}
}

// setUnacked moves the count of unacknowledged messages by delta. The
// gauge is Set from our own count: Benthos' labelled gauges do not keep a
// value between Incr calls.
func (p *resourcePoller) setUnacked(delta int64) {
	p.metrics.unacked.Set(p.unacked.Add(delta), p.conf.objectType)
}

// countEvents adds events to the events metric, one call per type present
// rather than one per event.
func (p *resourcePoller) countEvents(events []event.Event) {
	var counts [3]int64 // created, updated, deleted
	for i := range events {
		switch events[i].Type {
		case event.Created:
			counts[0]++
		case event.Updated:
			counts[1]++
		case event.Deleted:
			counts[2]++
		}
	}
	for i, t := range [...]event.Type{event.Created, event.Updated, event.Deleted} {
		if counts[i] > 0 {
			p.metrics.events.Incr(counts[i], p.conf.objectType, string(t))
		}
	}
}
