package record

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/internal/timefmt"
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
	Updated DateField // optional unless FilterByUpdatedDate
	Created DateField // optional: without it every change is UPDATED
	// FilterByUpdatedDate (filter_by_updated_date, Cloud Elements'
	// filterByUpdatedDate) makes the updated time order a record's changes;
	// false makes the created time order them, for resources without an
	// updated time.
	FilterByUpdatedDate bool
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
	// RawHash is the 64-bit FNV-1a hash of Raw, set only when VersionErr
	// is: it tells the record's versions apart instead, as any edit
	// changes the text.
	RawHash    uint64
	Updated    time.Time
	UpdatedErr error
	Created    time.Time
	CreatedErr error
	Deleted    bool
}

// ErrMissing reports a field absent from a record (or null).
var ErrMissing = errors.New("missing")

// Read extracts the fields from raw, one JSON object, which it keeps.
func (f *Fields) Read(raw string) Record {
	r := Record{Raw: raw}
	paths := [4]*Path{&f.ID, &f.Updated.Path, &f.Created.Path, &f.Deleted}
	var values [4]gjson.Result
	lookup(raw, &paths, &values)
	if id := values[0]; id.Exists() && id.Type != gjson.Null {
		if id.Type == gjson.String {
			r.ID = id.Str
		} else {
			r.ID = id.Raw
		}
	}
	updatedText, updated, updatedErr := f.Updated.read(values[1])
	r.Updated, r.UpdatedErr = updated, updatedErr
	createdText, created, createdErr := f.Created.read(values[2])
	r.Created, r.CreatedErr = created, createdErr
	if f.FilterByUpdatedDate {
		r.VersionText, r.Version, r.VersionErr = updatedText, r.Updated, r.UpdatedErr
	} else {
		r.VersionText, r.Version, r.VersionErr = createdText, r.Created, r.CreatedErr
	}
	if r.VersionErr != nil {
		r.RawHash = fnv64a(raw)
	}
	if !f.Deleted.IsZero() {
		r.Deleted = matches(values[3], f.DeletedValue)
	}
	return r
}

// fnv64a is FNV-1a: stable across processes and releases, unlike maphash,
// as versions derived from it are kept in checkpoints.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// lookup sets values[i] to what paths[i] selects in raw, as gjson.Get
// would. Paths that name a member of the record are found together in one
// pass over its members, stopping once all are found; deeper paths are
// queried one by one.
func lookup(raw string, paths *[4]*Path, values *[4]gjson.Result) {
	wanted := 0
	for i, p := range paths {
		switch {
		case p.key != "":
			wanted++
		case !p.IsZero():
			values[i] = gjson.Get(raw, p.query)
		}
	}
	if wanted == 0 {
		return
	}
	doc := gjson.Parse(raw)
	if !doc.IsObject() { // gjson reads a number as an index into an array
		for i, p := range paths {
			if p.key != "" {
				values[i] = gjson.Get(raw, p.query)
			}
		}
		return
	}
	var found [4]bool
	doc.ForEach(func(k, v gjson.Result) bool {
		for i, p := range paths {
			// k.Str is the name unescaped, as gjson matches a path.
			if p.key != "" && !found[i] && k.Str == p.key {
				found[i], values[i] = true, v
				if wanted--; wanted == 0 {
					return false
				}
			}
		}
		return true
	})
}

func (d *DateField) read(v gjson.Result) (string, time.Time, error) {
	if d.Path.IsZero() {
		return "", time.Time{}, ErrMissing
	}
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
