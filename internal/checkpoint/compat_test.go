package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The files in testdata were written by the Encode of revel-connect before
// State carried its own JSON tags (commits d5307da and 79e8390, which added
// the learned paging): checkpoints on disk today must load, and be written
// again byte for byte as they were.
func TestDecodesCheckpointsWrittenByEarlierBuilds(t *testing.T) {
	cursor := time.Date(2026, 11, 1, 8, 50, 0, 123456789, time.UTC)
	for _, tc := range []struct {
		file string
		want *State
	}{
		{"v1-state-idle.json", &State{Cursor: cursor, Seen: map[string]int64{}}},
		{"v1-state-cycle.json", &State{
			Cursor:  cursor,
			Through: cursor.Add(time.Minute),
			Seen:    map[string]int64{"1829": cursor.UnixNano(), "1830": 0},
			Cycle: &Cycle{
				From:       cursor.Add(-time.Minute),
				Started:    time.Date(2026, 11, 1, 9, 51, 0, 5, time.UTC),
				Paging:     "offset",
				Offset:     200,
				MaxUpdated: cursor.Add(time.Second),
				Seen:       map[string]int64{"7": 42},
			},
		}},
		{"v1-state-paging.json", &State{
			Cursor:    cursor,
			Seen:      map[string]int64{"5": 9},
			Paging:    "offset",
			PagingWhy: "resource ignores order_by=id",
			Cycle: &Cycle{From: cursor.Add(-time.Minute), Started: cursor.Add(time.Hour), Paging: "offset",
				Offset: 300, LastID: "77", Seen: map[string]int64{}},
		}},
	} {
		raw, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(raw)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s decoded (-want +got):\n%s", tc.file, diff)
		}
		again, err := got.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(raw) {
			t.Errorf("%s written again as\n%s\nwas\n%s", tc.file, again, raw)
		}
	}

	raw, err := os.ReadFile(filepath.Join("testdata", "v1-ids.json"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := DecodeIDs(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !ids.ListedAt.Equal(cursor) || ids.Len() != 4 || len(ids.Missing([]int64{1, 3, 42, 1000000})) != 0 {
		t.Errorf("id set = %v %v", ids.ListedAt, ids.sorted)
	}
	if again, _ := ids.Encode(); string(again) != string(raw) {
		t.Errorf("id set written again as\n%s\nwas\n%s", again, raw)
	}
}

func TestEncodeWritesUTC(t *testing.T) {
	pst := time.FixedZone("PST", -8*3600)
	at := time.Date(2026, 11, 1, 0, 50, 0, 0, pst)
	raw, err := (&State{Cursor: at, Cycle: &Cycle{From: at, Started: at, Paging: "keyset"}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"cursor":"2026-11-01T08:50:00Z","seen":{},"cycle":{"from":"2026-11-01T08:50:00Z","started":"2026-11-01T08:50:00Z","paging":"keyset","seen":{}}}`
	if string(raw) != want {
		t.Errorf("Encode = %s, want %s", raw, want)
	}
}

// Earlier builds wrote a zero time as "", and tests still write such
// checkpoints by hand.
func TestDecodesEmptyTimes(t *testing.T) {
	started := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	got, err := Decode([]byte(`{"version":1,"cursor":"","through": "","seen":{"a:":1},"cycle":{"from":"","started":"2026-11-01T09:00:00Z","paging":"keyset","after_id":"4","max_updated":"","seen":{}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &State{Seen: map[string]int64{"a:": 1}, Cycle: &Cycle{Started: started, Paging: "keyset", AfterID: "4", Seen: map[string]int64{}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
	if _, err := Decode([]byte(`{"version":1,"cursor":"","cycle":{"from":"","started":"","paging":""}}`)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("an empty cycle.paging = %v, want ErrCorrupt", err)
	}
}
