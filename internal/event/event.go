// Package event turns changed records into Cloud Elements style change events
// and encodes them as notifications.
package event

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/revel-connect/revel-connect/internal/record"
)

// Type is what happened to a record.
type Type string

// The event types Cloud Elements defined.
const (
	Created Type = "CREATED"
	Updated Type = "UPDATED"
	Deleted Type = "DELETED"
)

// Classifier decides a record's event type.
type Classifier struct {
	// CreatedTolerance is how far apart created and updated may be for a
	// record to count as new: Revel stamps them separately, microseconds
	// apart, when a record is created.
	CreatedTolerance time.Duration
	// FilterByUpdatedDate is record.Fields' setting of the same name. When
	// false, records are tracked by their created time, and one without an
	// updated time is new, not changed.
	FilterByUpdatedDate bool
}

// Classify applies Cloud Elements' rule, with soft deletes first: a deleted
// record is DELETED; a record whose updated and created times are within the
// tolerance is CREATED; anything else, including a record without usable
// dates, is UPDATED. A record already delivered in another version is
// UPDATED too, however soon after its creation it was edited.
func (c Classifier) Classify(r *record.Record, deliveredBefore bool) Type {
	switch {
	case r.Deleted:
		return Deleted
	case deliveredBefore:
		return Updated
	case !c.FilterByUpdatedDate && r.UpdatedErr != nil && r.CreatedErr == nil:
		return Created
	case r.UpdatedErr != nil || r.CreatedErr != nil:
		return Updated
	}
	d := r.Updated.Sub(r.Created)
	if d < 0 {
		d = -d
	}
	if d <= c.CreatedTolerance {
		return Created
	}
	return Updated
}

// Event is one change of one record.
type Event struct {
	ID         string
	Type       Type
	ObjectType string
	ObjectID   string
	// Date is the record's version time (its updated time, normally), or
	// the poll time when the record has none.
	Date time.Time
	// DateText is Date in UTC as RFC 3339 with nanoseconds, as the id, the
	// envelope and the metadata carry it; New fills it so it is formatted
	// once. Empty means format Date.
	DateText string
	// Undated marks a change without a version time of its own: a record
	// whose date could not be read, or a hard delete found by listing ids.
	Undated bool
	Raw     string
}

// DateRFC3339 is DateText, or Date formatted when DateText is not filled
// in.
func (e *Event) DateRFC3339() string {
	if e.DateText != "" {
		return e.DateText
	}
	return e.Date.UTC().Format(time.RFC3339Nano)
}

// New builds the event for r. pollDate stands in for a missing version time.
func New(instanceID int64, objectType string, r *record.Record, t Type, pollDate time.Time) Event {
	e := Event{Type: t, ObjectType: objectType, ObjectID: r.ID, Date: r.Version, Raw: r.Raw}
	if r.VersionErr != nil {
		e.Date, e.Undated = pollDate, true
	}
	e.DateText = e.Date.UTC().Format(time.RFC3339Nano)
	version := e.DateText
	if r.VersionErr != nil {
		// Each edit of an undated record is a change of its own.
		version = r.VersionText + "#" + strconv.FormatUint(r.RawHash, 16)
	}
	e.ID = NewID(instanceID, objectType, r.ID, version, t)
	return e
}

// deletedVersion stands for the version in a hard delete's event id: a
// record is deleted once, so the id needs no time.
const deletedVersion = "deleted"

// NewDeleted builds the DELETED event of record id found gone from a listing
// of objectType's ids at when (a hard delete, which no changed-since query
// returns). Its raw record holds only the id.
func NewDeleted(instanceID int64, objectType string, id int64, when time.Time) Event {
	objectID := strconv.FormatInt(id, 10)
	return Event{
		ID:         NewID(instanceID, objectType, objectID, deletedVersion, Deleted),
		Type:       Deleted,
		ObjectType: objectType,
		ObjectID:   objectID,
		Date:       when,
		Undated:    true,
		Raw:        `{"id":` + objectID + `}`,
	}
}

// NewID derives an event id from what identifies a change, so a change
// delivered again keeps its id and consumers can drop the repeat.
func NewID(instanceID int64, objectType, objectID, version string, t Type) string {
	// Hashed in one call from a buffer on the stack: this runs for every
	// event.
	var buf [192]byte
	b := binary.BigEndian.AppendUint64(buf[:0], uint64(instanceID))
	for _, s := range [...]string{objectType, objectID, version, string(t)} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
