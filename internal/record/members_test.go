package record

import (
	"slices"
	"testing"

	"github.com/tidwall/gjson"
)

var memberSeeds = []string{
	`{}`, `[]`, ` { "a" : 1 , "b":[1,{"c":"]}"}], "d\"e":"x\\"} `, `[1, "two", {"three": [3]}]`,
	`{"id": 2, "roles": ["/resources/Role/3/"], "updated_date": "2026-11-27T16:10:53.265046", "weekly_wage": null}`,
	`{"k\u0065y": "\u00e9\n", "s": "\\\\", "n": -1.5e3, "t": true, "f": false}`, `"str"`, `12`,
	`{"a":{"b":{"c":[[[]]]}}}`, "{\"a\"\t:\r\n\"b\"}",
}

func TestMembersMatchGJSON(t *testing.T) {
	for _, doc := range memberSeeds {
		checkMembers(t, doc)
	}
}

// checkMembers compares members with gjson's walk of the same object.
func checkMembers(t *testing.T, doc string) {
	t.Helper()
	var wantKeys, wantValues, keys, values []string
	if gjson.Parse(doc).IsObject() {
		gjson.Parse(doc).ForEach(func(k, v gjson.Result) bool {
			wantKeys, wantValues = append(wantKeys, k.Raw[1:len(k.Raw)-1]), append(wantValues, v.Raw)
			return true
		})
	}
	for k, v := range members(doc) {
		keys, values = append(keys, k), append(values, v)
	}
	if !slices.Equal(keys, wantKeys) || !slices.Equal(values, wantValues) {
		t.Errorf("members(%q) = %q %q, gjson sees %q %q", doc, keys, values, wantKeys, wantValues)
	}
}

func TestKeyIs(t *testing.T) {
	for _, c := range []struct {
		key, want string
		is        bool
	}{{"id", "id", true}, {`i\u0064`, "id", true}, {`a\"b`, `a"b`, true}, {"ID", "id", false}, {`i\u0065`, "id", false}} {
		if keyIs(c.key, c.want) != c.is {
			t.Errorf("keyIs(%q, %q) = %v", c.key, c.want, !c.is)
		}
	}
}

// FuzzMembers checks that any valid object walks as gjson walks it, and
// that no input, valid or not, makes the walk panic or loop.
func FuzzMembers(f *testing.F) {
	for _, s := range memberSeeds {
		f.Add(s)
		f.Add(s[:len(s)/2])
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if !gjson.Valid(doc) {
			for range members(doc) {
			}
			return
		}
		checkMembers(t, doc)
	})
}
