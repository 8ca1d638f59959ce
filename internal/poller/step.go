package poller

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// futureSlack is how far ahead of the poll a record's updated time may be
// before the zone is suspected to be wrong.
const futureSlack = time.Minute

// pageRead is one page as the pager returned it, and where the pager stood
// after it.
type pageRead struct {
	objects  []string
	mode     revelapi.Paging
	pos      revelapi.Position
	done     bool // the cycle's last page
	pollDate time.Time
	// slice is the index in the cycle's Slices the page was read from,
	// when the cycle is split, and sliceDone whether it was that slice's
	// last page.
	slice     int
	sliceDone bool
}

// stepOutput is what one page does to a cycle.
type stepOutput struct {
	events []event.Event
	// state is the checkpoint to save once events are acknowledged: the
	// cycle so far, or, after its last page, the finished state.
	state *checkpoint.State
	// suppressed counts rows whose change was already delivered; outside
	// rows dated before anything the window's query can match.
	suppressed, outside int
	notes               []stepNote
}

// stepNote is something to log at WARN; once notes are logged once per
// resource and kind.
type stepNote struct {
	kind string
	once bool
	msg  string
}

// pageStep folds one page into the cycle cy that started from prev: the
// events for changes not yet delivered and the state after the page. It is
// pure: prev and cy are not modified, and nothing is logged or counted.
//
// A change already delivered (the same id and version, in prev's boundary
// or earlier in this cycle) is suppressed, so a row listed twice, or read
// again by a paging repair, is delivered once. A row dated before what the
// window's lower bound can reach is left out and counted: the API ignored
// the date filter and returns it every cycle.
func pageStep(rc *resourceConfig, instanceID int64, prev *checkpoint.State, cy *checkpoint.Cycle, pg pageRead) stepOutput {
	next := *cy
	next.Seen = maps.Clone(cy.Seen)
	if next.Seen == nil {
		next.Seen = map[string]int64{}
	}
	var out stepOutput
	reach := rc.url.Reach(cy.From)
	warnedFuture := false
	for _, raw := range pg.objects {
		r := rc.fields.Read(raw)
		var version int64
		if r.VersionErr == nil {
			if rc.onlyBeforeCycle && r.Version.After(cy.Started) {
				continue // the next cycle reads it
			}
			if r.Version.Before(reach) {
				if out.outside++; out.outside == 1 {
					out.notes = append(out.notes, stepNote{kind: "outside_window", once: true, msg: fmt.Sprintf(
						"the API ignores the date filter: record %s is dated %s, before the window's lower bound %s; rows older than the window are left out (counted in revel_poller_records_outside_window_total) and the audit judges whether any was missed",
						r.ID, r.Version.UTC().Format(time.RFC3339Nano), reach.UTC().Format(time.RFC3339Nano))})
				}
				continue
			}
			version = r.Version.UnixNano()
			if r.Version.After(next.MaxUpdated) {
				next.MaxUpdated = r.Version
			}
			if !warnedFuture && r.Version.After(pg.pollDate.Add(futureSlack)) {
				warnedFuture = true
				out.notes = append(out.notes, stepNote{kind: "future", msg: fmt.Sprintf(
					"record %s is dated %s, in the future; check the zones in dates_configuration", r.ID, r.Version.Format(time.RFC3339))})
			}
		} else {
			version = undatedVersion(r.RawHash)
		}
		deliveredBefore := false
		// Seen's keys are cloned: they outlive the page, and r.ID, a
		// substring of its body, would keep the whole body alive.
		if r.ID != "" {
			v, inCycle := next.Seen[r.ID]
			if !inCycle {
				v, inCycle = prev.Seen[r.ID]
				if inCycle && sameVersion(v, version) {
					next.Seen[strings.Clone(r.ID)] = version
					out.suppressed++
					continue
				}
			} else if sameVersion(v, version) {
				out.suppressed++
				continue
			}
			deliveredBefore = inCycle && v != 0
			next.Seen[strings.Clone(r.ID)] = version
		} else {
			out.notes = append(out.notes, stepNote{kind: "no_id", msg: fmt.Sprintf(
				"a record has no id at %q; it is emitted with an empty objectId and cannot be deduplicated", rc.fields.ID)})
		}
		if r.VersionErr != nil {
			out.notes = append(out.notes, stepNote{kind: "no_version", msg: fmt.Sprintf(
				"record %s has no usable updated time (%v); emitting it dated at the poll, and again whenever its text changes", r.ID, r.VersionErr)})
		}
		out.events = append(out.events, event.New(instanceID, rc.objectType, &r, rc.classifier.Classify(&r, deliveredBefore), pg.pollDate))
	}
	if len(cy.Slices) > 0 {
		next.Slices = slices.Clone(cy.Slices)
		sl := &next.Slices[pg.slice]
		sl.Paging, sl.AfterID, sl.Offset, sl.LastID, sl.Done = pg.mode, pg.pos.AfterID, pg.pos.Offset, pg.pos.LastID, pg.sliceDone
	} else {
		next.Paging, next.AfterID, next.Offset, next.LastID = pg.mode, pg.pos.AfterID, pg.pos.Offset, pg.pos.LastID
	}
	if pg.done {
		out.state = finishCycle(rc, prev, &next)
		return out
	}
	// The cycle's final cursor will lie between these two bounds; keep
	// what its boundary could need.
	lowest := earlier(next.MaxUpdated, next.Started)
	keep := rc.url.ReachOver(lowest.Add(-rc.pollDelay), next.Started.Add(-rc.pollDelay))
	pruneSeen(next.Seen, keep.Add(-rc.classifier.CreatedTolerance))
	out.state = &checkpoint.State{Cursor: prev.Cursor, Through: prev.Through, Seen: prev.Seen, Cycle: &next}
	return out
}

// finishCycle computes the state after a completed cycle. The cursor is
// the latest delivered change, but never past the cycle's start: paging
// may have passed rows changed while it ran, and those carry later times.
func finishCycle(rc *resourceConfig, prev *checkpoint.State, cy *checkpoint.Cycle) *checkpoint.State {
	cursor := earlier(cy.MaxUpdated, cy.Started)
	if cursor.Before(prev.Cursor) {
		cursor = prev.Cursor
	}
	// Keep every delivered change the next query can return again, and
	// those within the created tolerance before it: an edit made right
	// after creation must be recognised as an edit.
	reach := rc.url.Reach(cursor.Add(-rc.pollDelay)).Add(-rc.classifier.CreatedTolerance).UnixNano()
	seen := make(map[string]int64, len(cy.Seen))
	for id, v := range prev.Seen {
		if v != 0 && v >= reach {
			seen[id] = v
		}
	}
	for id, v := range cy.Seen {
		if v <= 0 || v >= reach {
			seen[id] = v
		} else {
			delete(seen, id)
		}
	}
	return &checkpoint.State{Cursor: cursor, Through: cy.Started, Seen: seen}
}

// undatedVersion is the Seen version of a record without a usable version
// time: negative, so it never passes for a time, and derived from its text,
// so each edit is a new version. Undated versions are kept while the query
// returns the record.
func undatedVersion(rawHash uint64) int64 {
	return int64(rawHash | 1<<63)
}

// sameVersion reports whether a change seen before as seen is the change
// version. Checkpoints of earlier releases stored 0 for every undated
// version; it matches the first undated version read after an upgrade.
func sameVersion(seen, version int64) bool {
	return seen == version || seen == 0 && version < 0
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
		if v > 0 && v < limit {
			delete(seen, id)
		}
	}
}
