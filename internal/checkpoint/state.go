// Package checkpoint holds a resource's polling position and persists it only
// once every change before it has been acknowledged downstream.
package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// Version is the checkpoint format this build writes. Older formats are read;
// newer ones are refused so that a downgrade never misreads a cursor.
const Version = 1

// State is everything needed to resume polling one resource without skipping
// or repeating a change. It is stored as JSON, beside the format's version
// (Encode); times are written in UTC, RFC 3339 with nanoseconds.
type State struct {
	// Cursor is the latest updated time among delivered changes, capped at
	// the start of the cycle that delivered them. Queries start from it.
	Cursor time.Time `json:"cursor"`
	// Through is the start of the last completed cycle: every change made
	// before it has been delivered. It measures how stale delivery is.
	Through time.Time `json:"through,omitzero"`
	// Seen maps objectId to the updated time (Unix nanoseconds) of changes
	// already delivered at or after the boundary a query can reach back to.
	// A negative value marks a record that carried no usable date: a hash
	// of its text, so an edit is a new version; zero is such a record as
	// earlier releases stored it.
	Seen map[string]int64 `json:"seen"`
	// Cycle is set while a poll cycle is part way through, so a restart
	// resumes it instead of starting again.
	Cycle *Cycle `json:"cycle,omitzero"`
	// Paging is the paging mode learned for the resource, "keyset" or
	// "offset" ("" until something was learned), and PagingWhy the reason:
	// the cause of a fallback, or a probe that found order_by=id honoured.
	// A restart pages as learned instead of losing rows to learn it again.
	Paging    revelapi.Paging `json:"paging,omitzero"`
	PagingWhy string          `json:"paging_why,omitzero"`
}

// Cycle is the resume position of an unfinished poll cycle.
type Cycle struct {
	// From is the lower bound the cycle queries; it stays fixed for the
	// whole cycle so that every page is a slice of one query.
	From time.Time `json:"from"`
	// Started caps the cursor the cycle may reach: changes written while
	// it ran may have been passed by the paging.
	Started time.Time `json:"started"`
	// Paging is revelapi.Keyset or revelapi.Offset, never Auto: the mode
	// the cycle's pages were read with.
	Paging revelapi.Paging `json:"paging"`
	// AfterID is the last id delivered under keyset paging.
	AfterID string `json:"after_id,omitzero"`
	// Offset is the number of rows already consumed under offset paging,
	// and LastID the id of the last of them: a resumed page must still
	// hold it.
	Offset int    `json:"offset,omitzero"`
	LastID string `json:"last_id,omitzero"`
	// MaxUpdated is the latest updated time delivered so far in the cycle.
	MaxUpdated time.Time `json:"max_updated,omitzero"`
	// Seen holds changes delivered in this cycle that the next query can
	// return again.
	Seen map[string]int64 `json:"seen"`
	// Slices, when set, split the rest of the cycle into id ranges read
	// side by side (backfill_concurrency); each resumes where it stood and
	// the cycle ends when every one is done. AfterID and Offset are then
	// where the cycle stood when it split.
	Slices []Slice `json:"slices,omitempty"`
}

// Slice is one id range of a split cycle: ids above After, up to and
// including UpTo ("" for the last slice, which has no upper bound, so
// rows inserted while the cycle runs fall in it), with its own position.
type Slice struct {
	After   string          `json:"after"`
	UpTo    string          `json:"up_to,omitzero"`
	Paging  revelapi.Paging `json:"paging"`
	AfterID string          `json:"after_id,omitzero"`
	Offset  int             `json:"offset,omitzero"`
	LastID  string          `json:"last_id,omitzero"`
	Done    bool            `json:"done,omitzero"`
}

// versioned is a State as stored: the format's version beside its fields.
type versioned struct {
	Version int `json:"version"`
	*State
}

// Encode renders the state as versioned JSON.
func (s *State) Encode() ([]byte, error) {
	return json.Marshal(versioned{Version: Version, State: s.normalized()})
}

// normalized is s with its times in UTC and its sets never nil, as it is
// stored and as Decode returns it.
func (s *State) normalized() *State {
	out := *s
	out.Cursor, out.Through, out.Seen = s.Cursor.UTC(), s.Through.UTC(), orEmpty(s.Seen)
	if s.Cycle != nil {
		cy := *s.Cycle
		cy.From, cy.Started, cy.MaxUpdated, cy.Seen = cy.From.UTC(), cy.Started.UTC(), cy.MaxUpdated.UTC(), orEmpty(cy.Seen)
		out.Cycle = &cy
	}
	return &out
}

func orEmpty(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

// ErrCorrupt marks a stored checkpoint that cannot be read. Polling must not
// silently start over from it: that would redeliver or skip history.
var ErrCorrupt = errors.New("corrupt checkpoint")

// emptyValue matches a member whose value is "": earlier builds wrote a zero
// time so, which time.Time does not read. A JSON string cannot hold it
// unescaped, so only such values match.
var emptyValue = regexp.MustCompile(`:\s*""`)

// readEmptyAsNull turns "" values into null, which reads as a zero time (or
// an empty string) as earlier builds meant.
func readEmptyAsNull(b []byte) []byte {
	if !bytes.Contains(b, []byte(`""`)) {
		return b
	}
	return emptyValue.ReplaceAll(b, []byte(":null"))
}

// Decode parses a checkpoint written by Encode, or by an earlier build.
func Decode(b []byte) (*State, error) {
	v := versioned{State: &State{}}
	if err := json.Unmarshal(readEmptyAsNull(b), &v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if err := v.validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return v.normalized(), nil
}

// validate reports what a decoded checkpoint holds that Encode never
// writes.
func (v *versioned) validate() error {
	switch {
	case v.Version == 0:
		return errors.New("no version field")
	case v.Version > Version:
		return fmt.Errorf("version %d is newer than this build reads (%d); upgrade revel-connect", v.Version, Version)
	}
	if v.Paging != "" && v.Paging != revelapi.Keyset && v.Paging != revelapi.Offset {
		return fmt.Errorf("paging %q is neither keyset nor offset", v.Paging)
	}
	if cy := v.Cycle; cy != nil {
		if cy.Paging != revelapi.Keyset && cy.Paging != revelapi.Offset {
			return fmt.Errorf("cycle.paging %q is neither keyset nor offset", cy.Paging)
		}
		if cy.Offset < 0 {
			return fmt.Errorf("cycle.offset %d is negative", cy.Offset)
		}
		for i, sl := range cy.Slices {
			if sl.Paging != revelapi.Keyset && sl.Paging != revelapi.Offset || sl.Offset < 0 {
				return fmt.Errorf("cycle.slices[%d] has paging %q and offset %d", i, sl.Paging, sl.Offset)
			}
		}
	}
	return nil
}
