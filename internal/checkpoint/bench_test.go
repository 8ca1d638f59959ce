package checkpoint

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// benchState is a checkpoint mid-cycle with seen entries in both maps.
func benchState(seen int) *State {
	at := time.Date(2026, 11, 28, 0, 10, 53, 265046000, time.UTC)
	s := &State{Cursor: at, Through: at, Seen: map[string]int64{},
		Cycle: &Cycle{From: at, Started: at, Paging: "keyset", AfterID: "123456", MaxUpdated: at, Seen: map[string]int64{}}}
	for i := range seen {
		s.Seen[strconv.Itoa(1_000_000+i)] = at.UnixNano() + int64(i)
		s.Cycle.Seen[strconv.Itoa(2_000_000+i)] = at.UnixNano() + int64(i)
	}
	return s
}

// BenchmarkEncode encodes the checkpoint saved after every page.
func BenchmarkEncode(b *testing.B) {
	for _, seen := range []int{2, 1000} {
		s := benchState(seen)
		b.Run("seen="+strconv.Itoa(seen), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Encode(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTrack tracks, acknowledges and saves one page's checkpoint to a
// memory store.
func BenchmarkTrack(b *testing.B) {
	tr := NewTracker(NewMemoryStore(), "k", 8, nil)
	s := benchState(2)
	ctx := context.Background()
	for b.Loop() {
		// A new state each page, as the poller makes: the tracker writes
		// only states it has not seen.
		ack, err := tr.Track(ctx, &State{Cursor: s.Cursor, Through: s.Through, Seen: s.Seen, Cycle: s.Cycle})
		if err != nil {
			b.Fatal(err)
		}
		ack(ctx)
	}
}

// BenchmarkLedgerSave is the write made on each acknowledgement with the
// audit on: the journal, at its average and its largest size before it is
// folded into the base (4096 ids for ledgers up to 262,144 ids).
func BenchmarkLedgerSave(b *testing.B) {
	for _, n := range []int{2048, 4096} {
		b.Run("journal="+strconv.Itoa(n), func(b *testing.B) {
			at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
			l := NewLedger(at)
			for i := range n {
				l.Ack([]Entry{{ID: int64(1000 + 7*i), Version: at.UnixNano() + int64(i)*1_000_000_123}})
			}
			ls := &LedgerStore{Store: NewMemoryStore(), Key: "k"}
			ctx := context.Background()
			for b.Loop() {
				if err := ls.Save(ctx, l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
