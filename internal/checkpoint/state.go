// Package checkpoint holds a resource's polling position and persists it only
// once every change before it has been acknowledged downstream.
package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// Version is the checkpoint format this build writes. Older formats are read;
// newer ones are refused so that a downgrade never misreads a cursor.
const Version = 1

// State is everything needed to resume polling one resource without skipping
// or repeating a change.
type State struct {
	// Cursor is the latest updated time among delivered changes, capped at
	// the start of the cycle that delivered them. Queries start from it.
	Cursor time.Time
	// Through is the start of the last completed cycle: every change made
	// before it has been delivered. It measures how stale delivery is.
	Through time.Time
	// Seen maps objectId to the updated time (Unix nanoseconds) of changes
	// already delivered at or after the boundary a query can reach back to.
	// A negative value marks a record that carried no usable date: a hash
	// of its text, so an edit is a new version; zero is such a record as
	// earlier releases stored it.
	Seen map[string]int64
	// Cycle is set while a poll cycle is part way through, so a restart
	// resumes it instead of starting again.
	Cycle *Cycle
	// Paging is the paging mode learned for the resource, "keyset" or
	// "offset" ("" until something was learned), and PagingWhy the reason:
	// the cause of a fallback, or a probe that found order_by=id honoured.
	// A restart pages as learned instead of losing rows to learn it again.
	Paging    revelapi.Paging
	PagingWhy string
}

// Cycle is the resume position of an unfinished poll cycle.
type Cycle struct {
	// From is the lower bound the cycle queries; it stays fixed for the
	// whole cycle so that every page is a slice of one query.
	From time.Time
	// Started caps the cursor the cycle may reach: changes written while
	// it ran may have been passed by the paging.
	Started time.Time
	// Paging is revelapi.Keyset or revelapi.Offset, never Auto: the mode
	// the cycle's pages were read with.
	Paging revelapi.Paging
	// AfterID is the last id delivered under keyset paging.
	AfterID string
	// Offset is the number of rows already consumed under offset paging,
	// and LastID the id of the last of them: a resumed page must still
	// hold it.
	Offset int
	LastID string
	// MaxUpdated is the latest updated time delivered so far in the cycle.
	MaxUpdated time.Time
	// Seen holds changes delivered in this cycle that the next query can
	// return again.
	Seen map[string]int64
	// Slices, when set, split the rest of the cycle into id ranges read
	// side by side (backfill_concurrency); each resumes where it stood and
	// the cycle ends when every one is done. AfterID and Offset are then
	// where the cycle stood when it split.
	Slices []Slice
}

// Slice is one id range of a split cycle: ids above After, up to and
// including UpTo ("" for the last slice, which has no upper bound, so
// rows inserted while the cycle runs fall in it), with its own position.
type Slice struct {
	After   string          `json:"after"`
	UpTo    string          `json:"up_to,omitempty"`
	Paging  revelapi.Paging `json:"paging"`
	AfterID string          `json:"after_id,omitempty"`
	Offset  int             `json:"offset,omitempty"`
	LastID  string          `json:"last_id,omitempty"`
	Done    bool            `json:"done,omitempty"`
}

type stateJSON struct {
	Version int              `json:"version"`
	Cursor  string           `json:"cursor"`
	Through string           `json:"through,omitempty"`
	Seen    map[string]int64 `json:"seen"`
	Cycle   *cycleJSON       `json:"cycle,omitempty"`
	Paging  revelapi.Paging  `json:"paging,omitempty"`
	Why     string           `json:"paging_why,omitempty"`
}

type cycleJSON struct {
	From       string           `json:"from"`
	Started    string           `json:"started"`
	Paging     revelapi.Paging  `json:"paging"`
	AfterID    string           `json:"after_id,omitempty"`
	Offset     int              `json:"offset,omitempty"`
	LastID     string           `json:"last_id,omitempty"`
	MaxUpdated string           `json:"max_updated,omitempty"`
	Seen       map[string]int64 `json:"seen"`
	Slices     []Slice          `json:"slices,omitempty"`
}

// Encode renders the state as versioned JSON.
func (s *State) Encode() ([]byte, error) {
	j := stateJSON{Version: Version, Cursor: formatTime(s.Cursor), Through: formatTime(s.Through), Seen: s.Seen,
		Paging: s.Paging, Why: s.PagingWhy}
	if j.Seen == nil {
		j.Seen = map[string]int64{}
	}
	if c := s.Cycle; c != nil {
		j.Cycle = &cycleJSON{
			From:       formatTime(c.From),
			Started:    formatTime(c.Started),
			Paging:     c.Paging,
			AfterID:    c.AfterID,
			Offset:     c.Offset,
			LastID:     c.LastID,
			MaxUpdated: formatTime(c.MaxUpdated),
			Seen:       c.Seen,
			Slices:     c.Slices,
		}
		if j.Cycle.Seen == nil {
			j.Cycle.Seen = map[string]int64{}
		}
	}
	return json.Marshal(j)
}

// ErrCorrupt marks a stored checkpoint that cannot be read. Polling must not
// silently start over from it: that would redeliver or skip history.
var ErrCorrupt = errors.New("corrupt checkpoint")

// Decode parses a checkpoint written by Encode.
func Decode(b []byte) (*State, error) {
	var j stateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	switch {
	case j.Version == 0:
		return nil, fmt.Errorf("%w: no version field", ErrCorrupt)
	case j.Version > Version:
		return nil, fmt.Errorf("%w: version %d is newer than this build reads (%d); upgrade revel-connect", ErrCorrupt, j.Version, Version)
	}
	if j.Paging != "" && j.Paging != revelapi.Keyset && j.Paging != revelapi.Offset {
		return nil, fmt.Errorf("%w: paging %q is neither keyset nor offset", ErrCorrupt, j.Paging)
	}
	s := &State{Seen: j.Seen, Paging: j.Paging, PagingWhy: j.Why}
	var err error
	if s.Cursor, err = parseTime("cursor", j.Cursor); err != nil {
		return nil, err
	}
	if s.Through, err = parseTime("through", j.Through); err != nil {
		return nil, err
	}
	if s.Seen == nil {
		s.Seen = map[string]int64{}
	}
	if c := j.Cycle; c != nil {
		cy := &Cycle{Paging: c.Paging, AfterID: c.AfterID, Offset: c.Offset, LastID: c.LastID, Seen: c.Seen, Slices: c.Slices}
		if cy.From, err = parseTime("cycle.from", c.From); err != nil {
			return nil, err
		}
		if cy.Started, err = parseTime("cycle.started", c.Started); err != nil {
			return nil, err
		}
		if cy.MaxUpdated, err = parseTime("cycle.max_updated", c.MaxUpdated); err != nil {
			return nil, err
		}
		if cy.Paging != revelapi.Keyset && cy.Paging != revelapi.Offset {
			return nil, fmt.Errorf("%w: cycle.paging %q is neither keyset nor offset", ErrCorrupt, cy.Paging)
		}
		if cy.Offset < 0 {
			return nil, fmt.Errorf("%w: cycle.offset %d is negative", ErrCorrupt, cy.Offset)
		}
		for i, sl := range cy.Slices {
			if sl.Paging != revelapi.Keyset && sl.Paging != revelapi.Offset || sl.Offset < 0 {
				return nil, fmt.Errorf("%w: cycle.slices[%d] has paging %q and offset %d", ErrCorrupt, i, sl.Paging, sl.Offset)
			}
		}
		if cy.Seen == nil {
			cy.Seen = map[string]int64{}
		}
		s.Cycle = cy
	}
	return s, nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q is not an RFC 3339 time", ErrCorrupt, field, v)
	}
	return t.UTC(), nil
}
