package record

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/plugin/timefmt"
)

// DateField says where a date lives in a record and how to read it. Revel
// writes naive local wall-clock text, so the zone is part of the field.
type DateField struct {
	Path   Path
	Layout *timefmt.Layout
	Zone   *time.Location
}

// Fields describes how to read one resource's records.
type Fields struct {
	ID      Path
	Updated DateField // optional when VersionByCreated
	Created DateField // optional: without it every change is UPDATED
	// VersionByCreated makes the created time order a record's changes,
	// for resources without an updated time (Cloud Elements'
	// filterByUpdatedDate: false).
	VersionByCreated bool
	// Deleted, when set, marks soft-deleted records: those whose value at
	// the path matches DeletedValue.
	Deleted      Path
	DeletedValue any
}

// Record is one object of a page with the fields the poller acts on.
type Record struct {
	Raw string
	ID  string
	// Version is the time that orders the record's changes: the cursor
	// moves by it and a change is identified by it. VersionText is the text
	// as Revel sent it; VersionErr says why the time is missing.
	Version     time.Time
	VersionText string
	VersionErr  error
	Updated     time.Time
	UpdatedErr  error
	Created     time.Time
	CreatedErr  error
	Deleted     bool
}

// ErrMissing reports a field absent from a record (or null).
var ErrMissing = errors.New("missing")

// Read extracts the fields from raw, one JSON object, which it keeps.
func (f *Fields) Read(raw string) Record {
	r := Record{Raw: raw}
	if id := f.ID.get(raw); id.Exists() && id.Type != gjson.Null {
		if id.Type == gjson.String {
			r.ID = id.Str
		} else {
			r.ID = id.Raw
		}
	}
	updatedText, updated, updatedErr := f.Updated.read(raw)
	r.Updated, r.UpdatedErr = updated, updatedErr
	createdText, created, createdErr := f.Created.read(raw)
	r.Created, r.CreatedErr = created, createdErr
	if f.VersionByCreated {
		r.VersionText, r.Version, r.VersionErr = createdText, r.Created, r.CreatedErr
	} else {
		r.VersionText, r.Version, r.VersionErr = updatedText, r.Updated, r.UpdatedErr
	}
	if !f.Deleted.IsZero() {
		r.Deleted = matches(f.Deleted.get(raw), f.DeletedValue)
	}
	return r
}

func (d *DateField) read(raw string) (string, time.Time, error) {
	if d.Path.IsZero() {
		return "", time.Time{}, ErrMissing
	}
	v := d.Path.get(raw)
	if !v.Exists() || v.Type == gjson.Null {
		return "", time.Time{}, fmt.Errorf("%s: %w", d.Path, ErrMissing)
	}
	text := v.Str
	if v.Type != gjson.String {
		text = v.Raw
	}
	t, err := d.Layout.Parse(text, d.Zone)
	if err != nil {
		return text, time.Time{}, fmt.Errorf("%s: %w", d.Path, err)
	}
	return text, t, nil
}

// matches compares loosely, as Cloud Elements configs mix types: true,
// "true" and 1 all match a configured true.
func matches(v gjson.Result, want any) bool {
	if !v.Exists() {
		return false
	}
	switch w := want.(type) {
	case bool:
		switch v.Type {
		case gjson.True, gjson.False:
			return v.Bool() == w
		case gjson.Number:
			return (v.Num != 0) == w
		case gjson.String:
			b, err := strconv.ParseBool(strings.TrimSpace(v.Str))
			return err == nil && b == w
		}
		return false
	case int:
		return matches(v, float64(w))
	case int64:
		return matches(v, float64(w))
	case float64:
		switch v.Type {
		case gjson.Number:
			return v.Num == w
		case gjson.String:
			n, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64)
			return err == nil && n == w
		}
		return false
	case string:
		if v.Type == gjson.String {
			return v.Str == w
		}
		return strings.EqualFold(v.Raw, w)
	case nil:
		return v.Type == gjson.Null
	}
	return false
}
