package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

var ledgerSince = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func minute(minutes int) int64 {
	return ledgerSince.Add(time.Duration(minutes) * time.Minute).UnixNano()
}

// contents lists what the ledger vouches for, acknowledged only.
func contents(l *Ledger) string {
	var out []string
	l.Between(-1<<63, 1<<63-1, func(id, v int64) {
		out = append(out, fmt.Sprintf("%d@%d", id, (v-ledgerSince.UnixNano())/int64(time.Minute)))
	})
	return fmt.Sprint(out)
}

func TestLedgerRecordsOnlyWhatIsAcknowledged(t *testing.T) {
	l := NewLedger(ledgerSince)
	first := []Entry{{ID: 5, Version: minute(1)}, {ID: 3, Version: minute(2)}}
	l.Emit(first)
	if v, ok := l.Delivered(5); !ok || v != minute(1) {
		t.Fatalf("an emitted change does not count as delivered: %d %v", v, ok)
	}
	if got := contents(l); got != "[]" {
		t.Fatalf("recorded before acknowledgement: %s", got)
	}
	l.Ack(first)
	second := []Entry{{ID: 5, Version: minute(4)}, {ID: 3, Removed: true}}
	l.Emit(second)
	if !l.RemovalPending(3) || l.RemovalPending(5) {
		t.Fatal("pending removal not reported")
	}
	if got := contents(l); got != "[5@1]" { // 3's removal is pending, so Between leaves it out
		t.Fatalf("contents = %s", got)
	}
	l.Ack(second)
	// A late acknowledgement of an older version does not win.
	l.Ack([]Entry{{ID: 5, Version: minute(2)}})
	if got := contents(l); got != "[5@4]" || l.Len() != 1 {
		t.Fatalf("contents = %s, len %d", got, l.Len())
	}
}

func TestLedgerSaveLoadAndCompact(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	ls := &LedgerStore{Store: store, Key: "k.ledger"}
	l := NewLedger(ledgerSince)
	l.Ack([]Entry{{ID: 10, Version: minute(1)}, {ID: 20, Version: minute(2) + 1}, {ID: 30, Version: minute(3)}})
	if err := ls.Compact(ctx, l, ledgerSince, ledgerSince.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	l.Ack([]Entry{{ID: 15, Version: minute(5)}, {ID: 30, Removed: true}, {ID: 10, Version: minute(6)}})
	if err := ls.Save(ctx, l); err != nil {
		t.Fatal(err)
	}
	loaded, err := ls.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := "[10@6 15@5 20@2]"
	if got := contents(loaded); got != want {
		t.Fatalf("loaded %s, want %s", got, want)
	}
	if v, _ := loaded.Delivered(20); v != minute(2)+1 {
		t.Fatalf("a nanosecond version came back as %d", v)
	}
	if !loaded.AuditedAt().Equal(ledgerSince.Add(time.Hour)) || !loaded.Since().Equal(ledgerSince) {
		t.Fatalf("audited %s since %s", loaded.AuditedAt(), loaded.Since())
	}

	// Compacting prunes versions before the window and moves Since to it.
	if err := ls.Compact(ctx, loaded, ledgerSince.Add(3*time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	again, err := ls.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := contents(again); got != "[10@6 15@5]" || !again.Since().Equal(ledgerSince.Add(3*time.Minute)) {
		t.Fatalf("after pruning %s since %s", got, again.Since())
	}
}

// A crash after the base is written and before the journal is emptied
// replays the journal over a base that holds it: nothing changes.
func TestLedgerJournalReplayIsHarmless(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	ls := &LedgerStore{Store: store, Key: "k"}
	l := NewLedger(ledgerSince)
	l.Ack([]Entry{{ID: 1, Version: minute(1)}, {ID: 2, Version: minute(1)}})
	if err := ls.Save(ctx, l); err != nil {
		t.Fatal(err)
	}
	l.Ack([]Entry{{ID: 2, Removed: true}, {ID: 3, Version: minute(2)}})
	if err := ls.Save(ctx, l); err != nil {
		t.Fatal(err)
	}
	staleJournal, _ := store.Get(ctx, "k-journal")
	if err := ls.Compact(ctx, l, ledgerSince, time.Time{}); err != nil {
		t.Fatal(err)
	}
	_ = store.Set(ctx, "k-journal", staleJournal)
	loaded, err := ls.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := contents(loaded); got != "[1@1 3@2]" {
		t.Fatalf("replayed %s", got)
	}
}

func TestLedgerJournalIsFoldedOnceLarge(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{MemoryStore: NewMemoryStore()}
	ls := &LedgerStore{Store: store, Key: "k"}
	l := NewLedger(ledgerSince)
	for i := range 100 { // pages of 50
		var page []Entry
		for j := range 50 {
			page = append(page, Entry{ID: int64(i*50 + j), Version: minute(j)})
		}
		l.Ack(page)
		if err := ls.Save(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if store.sets["k"] != 1 {
		t.Fatalf("base written %d times for 5000 ids, want once (journal limit 4096)", store.sets["k"])
	}
	if j, _ := store.Get(ctx, "k-journal"); len(j) > 5000*4 {
		t.Fatalf("journal is %d bytes after folding", len(j))
	}
	if loaded, err := ls.Load(ctx); err != nil || loaded.Len() != 5000 {
		t.Fatalf("loaded %v ids: %v", loaded.Len(), err)
	}
}

type countingStore struct {
	*MemoryStore
	sets map[string]int
}

func (c *countingStore) Set(ctx context.Context, key string, v []byte) error {
	if c.sets == nil {
		c.sets = map[string]int{}
	}
	c.sets[key]++
	return c.MemoryStore.Set(ctx, key, v)
}

func TestLedgerRefusesCorruptData(t *testing.T) {
	ctx := context.Background()
	for name, raw := range map[string][]byte{
		"not a ledger":   []byte(`{"version":1}`),
		"newer format":   []byte("RVLG\x09"),
		"truncated":      encodeBase(ledgerSince, time.Time{}, []int64{1, 2, 3}, []int64{minute(1), minute(2), minute(3)})[:12],
		"repeated id":    append([]byte("RVLG\x01"), 0, 0, 2, 1, 2, 1, 0, 1),
		"trailing bytes": append(encodeBase(ledgerSince, time.Time{}, []int64{1}, []int64{minute(1)}), 7),
	} {
		t.Run(name, func(t *testing.T) {
			store := NewMemoryStore()
			_ = store.Set(ctx, "k", raw)
			_, err := (&LedgerStore{Store: store, Key: "k"}).Load(ctx)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestLedgerMillionIDsMemory measures what the audit holds for a million
// delivered changes: the ledger loaded from its stored form, a journal
// folded into it, and a full walk of it as an audit makes. See
// docs/performance.md.
func TestLedgerMillionIDsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a million-entry ledger")
	}
	const n = 1_000_000
	ctx := context.Background()
	store := NewMemoryStore()
	ls := &LedgerStore{Store: store, Key: "k"}
	{
		// Ids a few apart, versions spread over a week.
		ids, versions := make([]int64, n), make([]int64, n)
		for i := range n {
			ids[i], versions[i] = int64(1000+3*i), ledgerSince.UnixNano()+int64(i)*604_800_000
		}
		_ = store.Set(ctx, "k", encodeBase(ledgerSince, time.Time{}, ids, versions))
	}
	stored, _ := store.Get(ctx, "k")
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)

	l, err := ls.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A journal's worth of acknowledgements, then the fold an audit makes.
	for i := range 15_000 {
		l.Ack([]Entry{{ID: int64(1000 + 3*n + i), Version: ledgerSince.UnixNano() + int64(i)*1000}})
	}
	if err := ls.Compact(ctx, l, ledgerSince, time.Time{}); err != nil {
		t.Fatal(err)
	}
	walked := 0
	for after := int64(0); ; after += 3000 { // one listing page at a time
		l.Between(after, after+3000, func(int64, int64) { walked++ })
		if after > 1000+3*n+15_000 {
			break
		}
	}
	runtime.ReadMemStats(&after)
	store.values = map[string][]byte{} // the stored form is the cache's, not the audit's
	runtime.GC()
	var retained runtime.MemStats
	runtime.ReadMemStats(&retained)
	if walked != l.Len() || walked != n+15_000 {
		t.Fatalf("walked %d of %d", walked, l.Len())
	}
	held := int64(retained.HeapAlloc) - int64(before.HeapAlloc) + int64(len(stored))
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("1M-id ledger: stored %.1f MB; held %.1f MB; allocated %.1f MB loading, folding 15k and walking it",
		float64(len(stored))/1e6, float64(held)/1e6, float64(allocated)/1e6)
	if held > 32<<20 || allocated > 48<<20 {
		t.Fatalf("held %d bytes, allocated %d: over budget", held, allocated)
	}
	runtime.KeepAlive(l)
}
