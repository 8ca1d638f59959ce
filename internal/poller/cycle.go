package poller

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// A message's body is allocated once, at a size that holds it, so the
// encoder never regrows it. Beside the raw records, a Cloud Elements
// notification's fixed parts take about 530 bytes and each event's entry
// about 190 (with 7-digit ids and a two-tag instance); a CloudEvent needs
// less. Both are rounded up for longer names and tags.
const (
	messageOverhead = 640
	eventOverhead   = 256
)

// cycle runs one poll cycle, or resumes the one in p.state, to its last
// page. Each page's events are emitted with the state to save once they are
// acknowledged.
func (p *resourcePoller) cycle(ctx context.Context) error {
	prev := p.state
	cy := prev.Cycle
	mode := p.paging
	if cy == nil {
		cy = &checkpoint.Cycle{
			From:       windowFrom(p.conf, prev.Cursor),
			Started:    p.now(),
			MaxUpdated: prev.Cursor,
			Seen:       map[string]int64{},
		}
	} else {
		mode = cy.Paging
	}
	query := p.conf.url.Render(cy.From, cy.Started)
	// A cycle continued in this process (after a spent request budget or
	// a failed page) keeps its pager: the rows it has returned are what a
	// repair must not repeat, and the cycle's Seen holds only what the
	// next cycle needs.
	var err error
	pager := p.pager
	// The pager is kept only by the returns that leave it where p.state
	// says the cycle stands. Any other may leave a page read ahead and
	// never emitted: a kept pager would go on after it, and the page's
	// changes would be skipped.
	p.pager = nil
	if pager == nil || prev.Cycle == nil || !p.pagerStarted.Equal(cy.Started) {
		pager, err = p.client.NewPager(query, p.conf.pageSize, mode,
			revelapi.Position{AfterID: cy.AfterID, Offset: cy.Offset, LastID: cy.LastID})
		if err != nil {
			return err
		}
		if prev.Paging == revelapi.Keyset {
			pager.AssumeOrdered()
		}
	}
	p.pagerStarted = cy.Started
	// Each page is read while the one before it becomes events: fetching
	// and decoding take as long as the rest, and run on another core. A
	// split cycle reads one page ahead in each of its slices.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ahead, sliced <-chan fetched
	if len(cy.Slices) > 0 {
		if sliced, err = p.readSlices(ctx, query, cy.Slices); err != nil {
			return err
		}
	} else {
		ahead = readAhead(ctx, pager)
	}
	learned := learnedPaging{prev.Paging, prev.PagingWhy}
	var probe <-chan lastID // the last id, asked for to split a backlog
	probed := false
	for pages := 1; ; pages++ {
		var f fetched
		if sliced != nil {
			select {
			case f = <-sliced:
			case <-ctx.Done():
				return ctx.Err()
			}
		} else {
			f = <-ahead
		}
		learned = p.pagingNotes(learned, f)
		if errors.Is(f.err, io.EOF) {
			return nil
		}
		if f.err != nil {
			// Nothing was read past the failed page; if neither mode
			// works, start afresh next time.
			if !errors.Is(f.err, revelapi.ErrUnordered) && !errors.Is(f.err, revelapi.ErrNoProgress) {
				p.pager = pager
			}
			return f.err
		}
		var split []checkpoint.Slice
		if sliced == nil && !f.done && (p.input.maxRequests == 0 || pages < p.input.maxRequests) {
			ways := splitWays(p.input.backfill, f.mode, f.page, p.conf.pageSize)
			switch {
			case ways < 2 || probed:
			case probe == nil:
				// The last id is asked for beside the next page, which
				// must show id__gt honoured before the rest is split.
				// The probe is a request: the budget must leave room for
				// it and a page after the next.
				if p.input.maxRequests == 0 || pages+3 <= p.input.maxRequests {
					probe = probeLastID(ctx, pager)
					pages++
				}
			default:
				last := <-probe
				probed = true
				if last.err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					p.log.Warnf("%s: could not ask for the last id to split the backlog (%v); reading it one page at a time", p.conf.objectType, last.err)
				}
				split = splitAfter(f.pos.AfterID, last, ways)
			}
			if split == nil {
				ahead = readAhead(ctx, pager)
			} else if sliced, err = p.readSlices(ctx, query, split); err != nil {
				return err
			}
		}
		page := f.page
		p.onAuth(p.conf.objectType, false)
		p.metrics.pages.Incr(1, p.conf.objectType)
		p.report.page()
		p.metrics.records.Incr(int64(len(page.Objects)), p.conf.objectType)
		p.paging = f.mode
		p.checkZone(page.TimeZone)
		pollDate := p.now()

		done := f.done
		if len(cy.Slices) > 0 {
			done = f.done && lastSlice(cy.Slices, f.slice)
		}
		step := pageStep(p.conf, p.input.instance.ID, prev, cy, pageRead{objects: page.Objects, mode: f.mode, pos: f.pos,
			done: done, pollDate: pollDate, slice: f.slice, sliceDone: f.done})
		p.stepNotes(step)
		for _, e := range step.events {
			p.noteEmitted(e)
		}
		events, snap := step.events, step.state
		cy = snap.Cycle
		snap.Paging, snap.PagingWhy = learned.Paging, learned.PagingWhy
		p.state = snap
		if err := p.emit(ctx, events, snap, pollDate); err != nil {
			return err
		}
		if done {
			return nil
		}
		if split != nil {
			p.log.Debugf("reading the backlog of %s in %d id ranges side by side (backfill_concurrency)", p.conf.objectType, len(split))
			c := *cy
			c.Slices = split
			cy = &c
		}
		if p.unsaved() {
			return errUnsaved // the next page may be read ahead
		}
		if p.input.maxRequests > 0 && pages >= p.input.maxRequests {
			p.pager = pager // the budget left no page read ahead
			return errBudget
		}
	}
}

// windowFrom is the lower bound of the cycle that starts at cursor. The
// audit leaves versions from its reach on to that cycle, so both must use
// this.
func windowFrom(rc *resourceConfig, cursor time.Time) time.Time {
	return cursor.Add(-rc.pollDelay)
}

// fetched is a page read ahead, with where the pager stood after it and
// what it worked around.
type fetched struct {
	slice   int // the index of the slice it was read from, in a split cycle
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

// stepNotes logs what a page step noticed and counts what it left out.
// A page of rows older than the window is said once per resource: the
// API ignores the date filter, and the audit judges whether any was missed.
func (p *resourcePoller) stepNotes(s stepOutput) {
	p.metrics.suppressed.Incr(int64(s.suppressed), p.conf.objectType)
	if s.outside > 0 {
		p.metrics.outside.Incr(int64(s.outside), p.conf.objectType)
	}
	for _, n := range s.notes {
		if n.once {
			if p.warned[n.kind] {
				continue
			}
			if p.warned == nil {
				p.warned = map[string]bool{}
			}
			p.warned[n.kind] = true
		}
		p.log.Warnf("%s", n.msg)
	}
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
		size := messageOverhead
		for _, e := range group {
			size += len(e.Raw) + eventOverhead
		}
		msg := service.NewMessage(p.encoder.Append(make([]byte, 0, size), group, pollDate, now))
		p.encoder.Metadata(group, msg.MetaSetMut)
		batch = append(batch, msg)
	}
	n := int64(len(batch))
	p.setUnacked(n)
	release := func(ctx context.Context) {
		ack(ctx)
		p.setUnacked(-n) // after the checkpoint write: Member.Unacked counts it
	}
	release = p.ledgerAck(events, release)
	select {
	case p.out <- Delivery{Batch: batch, Ack: release}:
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
	p.report.counted(counts)
	for i, t := range [...]event.Type{event.Created, event.Updated, event.Deleted} {
		if counts[i] > 0 {
			p.metrics.events.Incr(counts[i], p.conf.objectType, string(t))
		}
	}
}
