package revelpoller

import (
	"context"
	"errors"
	"io"
	"maps"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/plugin/checkpoint"
	"github.com/revel-connect/revel-connect/plugin/event"
	"github.com/revel-connect/revel-connect/plugin/revelapi"
)

// dstMargin is the most a zone's clock ever falls back; mid-cycle pruning
// keeps this much more so the cycle's final reach is always covered.
const dstMargin = 2 * time.Hour

// futureSlack is how far ahead of the poll a record's updated time may be
// before the zone is suspected to be wrong.
const futureSlack = time.Minute

// resourcePoller polls one resource: cycles of pages, each page's events
// handed to ReadBatch with the checkpoint to save once they are delivered.
type resourcePoller struct {
	conf       *resourceConfig
	client     *revelapi.Client
	tracker    *checkpoint.Tracker
	encoder    event.Encoder
	instanceID int64
	perMessage int
	backoff    revelapi.Backoff
	baseURL    string
	log        *service.Logger
	out        chan<- delivery
	now        func() time.Time

	// state is the checkpoint of everything emitted so far, delivered or
	// not; it is replaced, never modified, as snapshots share it.
	state *checkpoint.State
	// paging is the mode learned so far: auto becomes keyset or offset.
	paging     revelapi.Paging
	zoneWarned bool
}

func (p *resourcePoller) run(ctx context.Context) {
	failures := 0
	for {
		started := p.now()
		err := p.cycle(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := started.Add(p.conf.interval).Sub(p.now())
		switch {
		case err == nil:
			failures = 0
		case errors.Is(err, revelapi.ErrUnordered):
			p.log.Warnf("revel_poller: resource %s: %v; switching to offset paging and reading this cycle again", p.conf.objectType, err)
			p.restartCycleWithOffsets()
			wait = 0
		default:
			failures++
			wait = p.backoff.Wait(failures)
			p.logFailure(err, wait)
		}
		if revelapi.Sleep(ctx, wait) != nil {
			return
		}
	}
}

func (p *resourcePoller) logFailure(err error, wait time.Duration) {
	switch {
	case revelapi.IsAuth(err):
		p.log.Errorf("revel_poller: resource %s: Revel rejected the credentials (%v); check api_key and api_secret for %s. Retrying in %s",
			p.conf.objectType, err, p.baseURL, wait.Round(time.Second))
	case errors.Is(err, revelapi.ErrForeignLink):
		p.log.Errorf("revel_poller: resource %s: not following a pagination link off the configured origin, so credentials stay with %s: %v. Retrying in %s",
			p.conf.objectType, p.baseURL, err, wait.Round(time.Second))
	default:
		p.log.Errorf("revel_poller: resource %s: poll failed: %v. Retrying in %s", p.conf.objectType, err, wait.Round(time.Second))
	}
}

func (p *resourcePoller) restartCycleWithOffsets() {
	p.paging = revelapi.Offset
	if cy := p.state.Cycle; cy != nil {
		restarted := *cy
		restarted.Paging, restarted.AfterID, restarted.Offset = string(revelapi.Offset), "", 0
		p.state = &checkpoint.State{Cursor: p.state.Cursor, Seen: p.state.Seen, Cycle: &restarted}
	}
}

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
		mode = revelapi.Paging(cy.Paging)
	}
	pager, err := p.client.NewPager(p.conf.url.Render(cy.From, cy.Started), p.conf.pageSize, mode,
		revelapi.Position{AfterID: cy.AfterID, Offset: cy.Offset})
	if err != nil {
		return err
	}
	for {
		page, err := pager.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p.paging = pager.Mode()
		p.checkZone(page.TimeZone)
		pollDate := p.now()

		next := *cy
		next.Seen = maps.Clone(cy.Seen)
		events := p.changes(page.Objects, prev.Seen, &next, pollDate)
		pos := pager.Position()
		next.Paging, next.AfterID, next.Offset = string(pager.Mode()), pos.AfterID, pos.Offset
		pruneSeen(next.Seen, earlier(next.MaxUpdated, next.Started).Add(-p.conf.pollDelay-dstMargin-p.conf.classifier.CreatedTolerance))
		cy = &next

		snap := &checkpoint.State{Cursor: prev.Cursor, Seen: prev.Seen, Cycle: cy}
		if pager.Done() {
			snap = p.finish(prev, cy)
		}
		p.state = snap
		if err := p.emit(ctx, events, snap, pollDate); err != nil {
			return err
		}
		if pager.Done() {
			return nil
		}
	}
}

// changes reads a page's records into events, leaving out changes already
// delivered: those in the previous boundary or earlier in this cycle.
func (p *resourcePoller) changes(objects []string, boundary map[string]int64, cy *checkpoint.Cycle, pollDate time.Time) []event.Event {
	var events []event.Event
	warnedFuture := false
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
				p.log.Warnf("revel_poller: resource %s: record %s is dated %s, in the future; check the zones in dates_configuration",
					p.conf.objectType, r.ID, r.Version.Format(time.RFC3339))
			}
		}
		deliveredBefore := false
		if r.ID != "" {
			v, inCycle := cy.Seen[r.ID]
			if !inCycle {
				v, inCycle = boundary[r.ID]
				if inCycle && v == version {
					cy.Seen[r.ID] = version
					continue
				}
			} else if v == version {
				continue
			}
			deliveredBefore = inCycle && v != 0
			cy.Seen[r.ID] = version
		} else {
			p.log.Warnf("revel_poller: resource %s: a record has no id at %q; it is emitted with an empty objectId and cannot be deduplicated", p.conf.objectType, p.conf.fields.ID)
		}
		if r.VersionErr != nil {
			p.log.Warnf("revel_poller: resource %s: record %s has no usable updated time (%v); emitting it once, dated at the poll", p.conf.objectType, r.ID, r.VersionErr)
		}
		events = append(events, event.New(p.instanceID, p.conf.objectType, &r, p.conf.classifier.Classify(&r, deliveredBefore), pollDate))
	}
	return events
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
	return &checkpoint.State{Cursor: cursor, Seen: seen}
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

// emit tracks snap and hands the events to ReadBatch. A page without new
// events is acknowledged at once so its checkpoint still advances.
func (p *resourcePoller) emit(ctx context.Context, events []event.Event, snap *checkpoint.State, pollDate time.Time) error {
	ack, err := p.tracker.Track(ctx, snap)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		ack(ctx)
		return nil
	}
	now := p.now()
	batch := make(service.MessageBatch, 0, (len(events)+p.perMessage-1)/p.perMessage)
	for i := 0; i < len(events); i += p.perMessage {
		group := events[i:min(i+p.perMessage, len(events))]
		size := 640
		for _, e := range group {
			size += len(e.Raw) + 256
		}
		msg := service.NewMessage(p.encoder.Append(make([]byte, 0, size), group, pollDate, now))
		first := group[0]
		msg.MetaSetMut("revel_event_type", string(first.Type))
		msg.MetaSetMut("revel_object_type", first.ObjectType)
		msg.MetaSetMut("revel_object_id", first.ObjectID)
		msg.MetaSetMut("revel_event_date", first.Date.UTC().Format(time.RFC3339Nano))
		msg.MetaSetMut("revel_event_id", first.ID)
		for _, a := range p.encoder.Attributes(group) {
			msg.MetaSetMut(a.Key, a.Value)
		}
		batch = append(batch, msg)
	}
	select {
	case p.out <- delivery{batch: batch, ack: ack}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkZone warns once when Revel reports a tenant zone whose clock differs
// from the configured one: every naive date would be misread.
func (p *resourcePoller) checkZone(reported string) {
	configured := p.conf.fields.Updated.Zone
	if p.conf.fields.VersionByCreated {
		configured = p.conf.fields.Created.Zone
	}
	if p.zoneWarned || reported == "" || configured == nil {
		return
	}
	tenant, err := time.LoadLocation(reported)
	if err != nil {
		return
	}
	now := p.now()
	for _, t := range []time.Time{now, now.AddDate(0, 6, 0)} {
		_, a := t.In(tenant).Zone()
		_, b := t.In(configured).Zone()
		if a != b {
			p.zoneWarned = true
			p.log.Warnf("revel_poller: resource %s: Revel reports the tenant's time zone as %s, but dates_configuration says %s; naive dates will be read at the wrong instant. Set the zones (and the url macro's zone) to %s",
				p.conf.objectType, reported, configured, reported)
			return
		}
	}
}
