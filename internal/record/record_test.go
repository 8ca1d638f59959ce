package record

import (
	"errors"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/internal/timefmt"
)

func TestCompilePath(t *testing.T) {
	doc := `{"id":1829,"user":{"id":"u-7"},"roles":[{"name":"Cook"}],"Modified Time":"x","a.b":"dotted","we*rd":"star"}`
	for path, want := range map[string]string{
		"id":                     "1829",
		"$.id":                   "1829",
		"user.id":                "u-7",
		"$.user.id":              "u-7",
		"roles[0].name":          "Cook",
		"['Modified Time']":      "x",
		`["a.b"]`:                "dotted",
		"we*rd":                  "star",
		"['roles'][0]['name']":   "Cook",
		"user['id']":             "u-7",
		"roles.0.name":           "Cook",
		"missing":                "",
		"user.missing.deeper.id": "",
	} {
		p, err := CompilePath(path)
		if err != nil {
			t.Errorf("CompilePath(%q): %v", path, err)
			continue
		}
		if got := get(doc, p).String(); got != want {
			t.Errorf("path %q = %q, want %q", path, got, want)
		}
		if p.String() != path {
			t.Errorf("String() = %q, want %q", p.String(), path)
		}
	}
	for _, bad := range []string{"", "$", "a..b", ".", "a.", "roles[x]", "roles[0", "['']"} {
		if _, err := CompilePath(bad); err == nil {
			t.Errorf("CompilePath(%q) accepted a bad path", bad)
		}
	}
}

// get reads one path the way Read reads its fields.
func get(doc string, p Path) gjson.Result {
	var values [4]gjson.Result
	lookup(doc, &[4]*Path{&p, {}, {}, {}}, &values)
	return values[0]
}

func mustPath(t *testing.T, p string) Path {
	t.Helper()
	c, err := CompilePath(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRead(t *testing.T) {
	pst, err := timefmt.LoadZone("PST")
	if err != nil {
		t.Fatal(err)
	}
	layout, err := timefmt.Compile("yyyy-MM-dd'T'HH:mm:ss.SSS")
	if err != nil {
		t.Fatal(err)
	}
	f := Fields{
		ID:           mustPath(t, "id"),
		Updated:      DateField{Path: mustPath(t, "updated_date"), Layout: layout, Zone: pst},
		Created:      DateField{Path: mustPath(t, "created_date"), Layout: layout, Zone: pst},
		Deleted:      mustPath(t, "deleted"),
		DeletedValue: true,

		FilterByUpdatedDate: true,
	}
	raw := `{"id":1829,"created_date":"2018-08-20T17:31:07.637840","updated_date":"2018-08-20T17:39:00","deleted":false}`
	r := f.Read(raw)
	if r.ID != "1829" || r.Raw != raw || r.Deleted {
		t.Fatalf("Read = %+v", r)
	}
	wantUpdated := time.Date(2018, 8, 21, 0, 39, 0, 0, time.UTC) // 17:39 PDT
	wantCreated := time.Date(2018, 8, 21, 0, 31, 7, 637840000, time.UTC)
	if r.UpdatedErr != nil || !r.Updated.Equal(wantUpdated) {
		t.Errorf("updated = %v %v, want %v", r.Updated, r.UpdatedErr, wantUpdated)
	}
	if r.VersionErr != nil || !r.Version.Equal(wantUpdated) || r.VersionText != "2018-08-20T17:39:00" {
		t.Errorf("version = %v %q %v, want the updated time", r.Version, r.VersionText, r.VersionErr)
	}
	if r.CreatedErr != nil || !r.Created.Equal(wantCreated) {
		t.Errorf("created = %v %v, want %v (six fraction digits are microseconds)", r.Created, r.CreatedErr, wantCreated)
	}

	r = f.Read(`{"id":"abc","updated_date":null,"created_date":"tomorrow","deleted":"true"}`)
	if r.ID != "abc" || !errors.Is(r.UpdatedErr, ErrMissing) || !errors.Is(r.VersionErr, ErrMissing) || r.CreatedErr == nil || errors.Is(r.CreatedErr, ErrMissing) || !r.Deleted {
		t.Errorf("Read of bad dates = %+v", r)
	}
	if r.RawHash == 0 {
		t.Error("an undated record has no RawHash")
	}
	if edited := f.Read(`{"id":"abc","updated_date":null,"created_date":"tomorrow","deleted":"false"}`); edited.RawHash == r.RawHash {
		t.Error("an edit of an undated record kept its RawHash")
	}
	if again := f.Read(`{"id":"abc","updated_date":null,"created_date":"tomorrow","deleted":"true"}`); again.RawHash != r.RawHash {
		t.Error("the same text hashed differently")
	}
	if dated := f.Read(raw); dated.RawHash != 0 {
		t.Error("a dated record carries a RawHash")
	}
	r = f.Read(`{"updated_date":"2018-08-20T17:39:00"}`)
	if r.ID != "" || r.UpdatedErr != nil || !errors.Is(r.CreatedErr, ErrMissing) || r.Deleted {
		t.Errorf("Read without id = %+v", r)
	}

	noCreated := Fields{ID: f.ID, Updated: f.Updated, FilterByUpdatedDate: true}
	if r := noCreated.Read(raw); !errors.Is(r.CreatedErr, ErrMissing) {
		t.Errorf("without a created field CreatedErr = %v", r.CreatedErr)
	}

	byCreated := Fields{ID: f.ID, Created: f.Created, FilterByUpdatedDate: false}
	r = byCreated.Read(raw)
	if r.VersionErr != nil || !r.Version.Equal(wantCreated) || r.VersionText != "2018-08-20T17:31:07.637840" || !errors.Is(r.UpdatedErr, ErrMissing) {
		t.Errorf("versioned by created = %+v", r)
	}
}

func TestDeletedMatchesLoosely(t *testing.T) {
	for _, tc := range []struct {
		want  any
		value string
		match bool
	}{
		{true, `true`, true},
		{true, `"true"`, true},
		{true, `"TRUE"`, true},
		{true, `1`, true},
		{true, `false`, false},
		{true, `0`, false},
		{true, `null`, false},
		{false, `false`, true},
		{1, `1`, true},
		{1, `"1"`, true},
		{1.5, `1.5`, true},
		{int64(2), `1`, false},
		{"yes", `"yes"`, true},
		{"true", `true`, true},
		{"yes", `"no"`, false},
		{nil, `null`, true},
		{nil, `false`, false},
	} {
		f := Fields{ID: mustPath(t, "id"), Deleted: mustPath(t, "d"), DeletedValue: tc.want}
		if got := f.Read(`{"id":1,"d":` + tc.value + `}`).Deleted; got != tc.match {
			t.Errorf("deleted_value %#v vs %s: got %v, want %v", tc.want, tc.value, got, tc.match)
		}
	}
	f := Fields{ID: mustPath(t, "id"), Deleted: mustPath(t, "d"), DeletedValue: true}
	if f.Read(`{"id":1}`).Deleted {
		t.Error("a record without the field counted as deleted")
	}
}

// FuzzLookup checks that finding fields in one pass reads what a gjson
// query per field reads.
func FuzzLookup(f *testing.F) {
	for _, doc := range []string{
		`{"id":1829,"user":{"id":"u-7"},"roles":[{"name":"Cook"}],"Modified Time":"x","a.b":"dotted","we*rd":"star"}`,
		`{"id": "abc", "updated_date": null, "deleted": "true", "i\u0064": 2, "id": 3}`,
		`[{"id": 1}, 2]`, `"id"`, `{"0": "zero", "updated_date": "2018-08-20T17:39:00", "deleted": 1.0}`,
		` { "deleted" : false , "user" : { "id" : 7 } } `,
	} {
		f.Add(doc)
	}
	paths := []string{"id", "updated_date", "deleted", "user.id", "['Modified Time']", `["a.b"]`, "we*rd", "0", "roles[0].name"}
	f.Fuzz(func(t *testing.T, doc string) {
		if !gjson.Valid(doc) {
			return
		}
		for i := 0; i+4 <= len(paths); i++ {
			var ps [4]*Path
			for j := range ps {
				p, err := CompilePath(paths[i+j])
				if err != nil {
					t.Fatal(err)
				}
				ps[j] = &p
			}
			var got [4]gjson.Result
			lookup(doc, &ps, &got)
			for j, p := range ps {
				want := gjson.Get(doc, p.query)
				if got[j].Type != want.Type || got[j].Raw != want.Raw || got[j].Str != want.Str || got[j].Num != want.Num {
					t.Errorf("%s in %s = %#v, gjson.Get reads %#v", p, doc, got[j], want)
				}
			}
		}
	})
}
