package checkpoint

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	cursor := time.Date(2026, 11, 1, 8, 50, 0, 123456789, time.UTC)
	in := &State{
		Cursor:    cursor,
		Through:   cursor.Add(time.Minute),
		Seen:      map[string]int64{"1829": cursor.UnixNano(), "1830": 0},
		Paging:    "offset",
		PagingWhy: "id_gt_rejected",
		Cycle: &Cycle{
			From:       cursor.Add(-time.Minute),
			Started:    cursor.Add(time.Hour),
			Paging:     "keyset",
			AfterID:    "1829",
			Offset:     40,
			LastID:     "1828",
			MaxUpdated: cursor.Add(time.Second),
			Seen:       map[string]int64{"7": 42},
		},
	}
	raw, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Cursor.Equal(in.Cursor) || !out.Through.Equal(in.Through) || out.Seen["1829"] != in.Seen["1829"] || out.Seen["1830"] != 0 || len(out.Seen) != 2 {
		t.Fatalf("state changed in round trip: %+v", out)
	}
	if out.Paging != "offset" || out.PagingWhy != "id_gt_rejected" {
		t.Fatalf("learned paging changed in round trip: %q, %q", out.Paging, out.PagingWhy)
	}
	if out.Cycle == nil || out.Cycle.AfterID != "1829" || out.Cycle.Paging != "keyset" || out.Cycle.Offset != 40 || out.Cycle.LastID != "1828" ||
		!out.Cycle.From.Equal(in.Cycle.From) || !out.Cycle.Started.Equal(in.Cycle.Started) ||
		!out.Cycle.MaxUpdated.Equal(in.Cycle.MaxUpdated) || out.Cycle.Seen["7"] != 42 {
		t.Fatalf("cycle changed in round trip: %+v", out.Cycle)
	}
	if !strings.Contains(string(raw), `"version":1`) {
		t.Fatalf("encoding is not versioned: %s", raw)
	}
}

func TestDecodeRejectsCorruptCheckpoints(t *testing.T) {
	for name, raw := range map[string]string{
		"truncated":          `{"version":1,"cursor":"2026-11-01T08:50:00Z","se`,
		"not json":           `hello`,
		"no version":         `{"cursor":"2026-11-01T08:50:00Z"}`,
		"future version":     `{"version":2,"cursor":"2026-11-01T08:50:00Z"}`,
		"bad cursor":         `{"version":1,"cursor":"yesterday"}`,
		"bad paging":         `{"version":1,"cursor":"","cycle":{"from":"","started":"","paging":"pages"}}`,
		"bad learned paging": `{"version":1,"cursor":"","paging":"sideways"}`,
		"negative offset":    `{"version":1,"cursor":"","cycle":{"from":"","started":"","paging":"offset","offset":-3}}`,
		"bad seen":           `{"version":1,"cursor":"","seen":{"1":"x"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(raw))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode(%s) = %v, want ErrCorrupt", raw, err)
			}
		})
	}
}

// recordingStore records every save in order.
type recordingStore struct {
	mu    sync.Mutex
	saves []time.Time
	fail  error
}

func (r *recordingStore) Get(context.Context, string) ([]byte, error) { return nil, nil }

func (r *recordingStore) Set(_ context.Context, _ string, raw []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	s, err := Decode(raw)
	if err != nil {
		return err
	}
	r.saves = append(r.saves, s.Cursor)
	return nil
}

func (r *recordingStore) Delete(context.Context, string) error { return nil }

func (r *recordingStore) cursors() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.saves...)
}

func at(min int) time.Time { return time.Date(2026, 1, 1, 0, min, 0, 0, time.UTC) }

func TestTrackerPersistsOnlyFullyAckedPrefix(t *testing.T) {
	ctx := context.Background()
	store := &recordingStore{}
	tr := NewTracker(store, "k", 10, nil)
	var acks []func(context.Context)
	for i := 1; i <= 4; i++ {
		ack, err := tr.Track(ctx, &State{Cursor: at(i)})
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, ack)
	}
	// Acks arrive out of order: 3, 2, 4, then 1.
	acks[2](ctx)
	acks[1](ctx)
	acks[3](ctx)
	if got := store.cursors(); len(got) != 0 {
		t.Fatalf("saved %v before the first snapshot was acked", got)
	}
	acks[0](ctx)
	got := store.cursors()
	if len(got) != 1 || !got[0].Equal(at(4)) {
		t.Fatalf("saves = %v, want exactly [%v]", got, at(4))
	}
	// A repeated ack must not write again or move anything.
	acks[0](ctx)
	if n := len(store.cursors()); n != 1 {
		t.Fatalf("repeated ack wrote again: %d saves", n)
	}
}

func TestTrackerConcurrentAcksNeverGoBackwards(t *testing.T) {
	ctx := context.Background()
	store := &recordingStore{}
	tr := NewTracker(store, "k", 1000, nil)
	const n = 500
	acks := make([]func(context.Context), n)
	for i := range acks {
		ack, err := tr.Track(ctx, &State{Cursor: at(0).Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		acks[i] = ack
	}
	var wg sync.WaitGroup
	for i := n - 1; i >= 0; i-- {
		wg.Add(1)
		go func(ack func(context.Context)) {
			defer wg.Done()
			ack(ctx)
		}(acks[i])
	}
	wg.Wait()
	saves := store.cursors()
	for i := 1; i < len(saves); i++ {
		if !saves[i].After(saves[i-1]) {
			t.Fatalf("save %d (%v) does not move past save %d (%v)", i, saves[i], i-1, saves[i-1])
		}
	}
	if last := saves[len(saves)-1]; !last.Equal(at(0).Add((n - 1) * time.Second)) {
		t.Fatalf("last save %v is not the last snapshot", last)
	}
}

func TestTrackerBlocksAtCapacityUntilAcked(t *testing.T) {
	ctx := context.Background()
	tr := NewTracker(&recordingStore{}, "k", 2, nil)
	first, err := tr.Track(ctx, &State{Cursor: at(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Track(ctx, &State{Cursor: at(2)}); err != nil {
		t.Fatal(err)
	}
	tracked := make(chan error, 1)
	go func() {
		_, err := tr.Track(ctx, &State{Cursor: at(3)})
		tracked <- err
	}()
	first(ctx)
	if err := <-tracked; err != nil {
		t.Fatal(err)
	}

	// Two snapshots are pending again, so a fourth Track blocks; it can only
	// return context.Canceled if it was waiting.
	cctx, cancel := context.WithCancel(ctx)
	blocked := make(chan error, 1)
	go func() {
		_, err := tr.Track(cctx, &State{Cursor: at(4)})
		blocked <- err
	}()
	cancel()
	if err := <-blocked; !errors.Is(err, context.Canceled) {
		t.Fatalf("blocked Track returned %v, want context.Canceled", err)
	}
}

func TestTrackerFailedSaveIsSupersededByNextAck(t *testing.T) {
	ctx := context.Background()
	store := &recordingStore{fail: errors.New("disk full")}
	var failures int
	tr := NewTracker(store, "k", 10, func(_ *State, err error) {
		if err != nil {
			failures++
		}
	})
	a1, _ := tr.Track(ctx, &State{Cursor: at(1)})
	a2, _ := tr.Track(ctx, &State{Cursor: at(2)})
	a1(ctx)
	if failures != 1 {
		t.Fatalf("failures = %d, want 1", failures)
	}
	store.mu.Lock()
	store.fail = nil
	store.mu.Unlock()
	a2(ctx)
	if got := store.cursors(); len(got) != 1 || !got[0].Equal(at(2)) {
		t.Fatalf("saves = %v, want [%v]", got, at(2))
	}
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	if s, err := LoadState(ctx, m, "k"); s != nil || err != nil {
		t.Fatalf("empty store Load = %v, %v", s, err)
	}
	s := &State{Cursor: at(5), Seen: map[string]int64{"1": 1}}
	if err := SaveState(ctx, m, "k", s); err != nil {
		t.Fatal(err)
	}
	s.Seen["1"] = 99
	got, err := LoadState(ctx, m, "k")
	if err != nil || got.Seen["1"] != 1 || !got.Cursor.Equal(at(5)) {
		t.Fatalf("Load = %+v, %v", got, err)
	}
}

func TestCacheStore(t *testing.T) {
	ctx := context.Background()
	res := service.MockResources(service.MockResourcesOptAddCache("state"))
	store := NewCacheStore(res, "state")
	if s, err := LoadState(ctx, store, "revel_poller/employees"); s != nil || err != nil {
		t.Fatalf("missing key Load = %v, %v", s, err)
	}
	if err := SaveState(ctx, store, "revel_poller/employees", &State{Cursor: at(7)}); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(ctx, store, "revel_poller/employees")
	if err != nil || !got.Cursor.Equal(at(7)) {
		t.Fatalf("Load = %+v, %v", got, err)
	}

	// A corrupt value fails loudly and names the key and the way out.
	if err := res.AccessCache(ctx, "state", func(c service.Cache) {
		_ = c.Set(ctx, "revel_poller/orders", []byte(`{"version":1,"cur`), nil)
	}); err != nil {
		t.Fatal(err)
	}
	_, err = LoadState(ctx, store, "revel_poller/orders")
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "revel_poller/orders") || !strings.Contains(err.Error(), "delete") {
		t.Fatalf("corrupt Load error = %v", err)
	}

	if _, err := LoadState(ctx, NewCacheStore(res, "missing"), "k"); err == nil || !strings.Contains(err.Error(), `"missing"`) {
		t.Fatalf("unknown cache error = %v", err)
	}
}

func TestIdlePollsWriteAtMostOnceAMinute(t *testing.T) {
	ctx := context.Background()
	store := &recordingStore{}
	tr := NewTracker(store, "k", 10, nil)
	ackState := func(s *State) {
		t.Helper()
		ack, err := tr.Track(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		ack(ctx)
	}
	idle := func(through time.Time) *State {
		return &State{Cursor: at(1), Through: through, Seen: map[string]int64{"7": 1}}
	}
	ackState(idle(at(10)))
	ackState(idle(at(10).Add(20 * time.Second)))
	ackState(idle(at(10).Add(50 * time.Second)))
	if n := len(store.cursors()); n != 1 {
		t.Fatalf("%d writes for idle polls within a minute, want 1", n)
	}
	if got := tr.Through(); !got.Equal(at(10).Add(50 * time.Second)) {
		t.Fatalf("Through = %v, want the latest acknowledged", got)
	}
	ackState(idle(at(11)))
	if n := len(store.cursors()); n != 2 {
		t.Fatalf("%d writes after a minute, want 2", n)
	}
	// Progress is written at once.
	ackState(&State{Cursor: at(2), Through: at(11).Add(time.Second), Seen: map[string]int64{"7": 1}})
	ackState(&State{Cursor: at(2), Through: at(11).Add(2 * time.Second), Seen: map[string]int64{"8": 1}})
	ackState(&State{Cursor: at(2), Through: at(11).Add(3 * time.Second), Seen: map[string]int64{"8": 1}, Cycle: &Cycle{Paging: "keyset"}})
	if n := len(store.cursors()); n != 5 {
		t.Fatalf("%d writes, want every state that moved written", n)
	}
}

func TestMoveReadsARenamedKeyOnce(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	if moved, err := Move(ctx, m, "old", "new"); moved || err != nil {
		t.Fatalf("Move of nothing = %v, %v", moved, err)
	}
	if err := SaveState(ctx, m, "old", &State{Cursor: at(3)}); err != nil {
		t.Fatal(err)
	}
	if moved, err := Move(ctx, m, "old", "new"); !moved || err != nil {
		t.Fatalf("Move = %v, %v", moved, err)
	}
	if got, err := LoadState(ctx, m, "new"); err != nil || got == nil || !got.Cursor.Equal(at(3)) {
		t.Fatalf("moved state = %+v, %v", got, err)
	}
	if raw, _ := m.Get(ctx, "old"); raw != nil {
		t.Fatal("the old key is still stored")
	}
	// A newer document under the new key wins over a stale old one.
	if err := SaveState(ctx, m, "old", &State{Cursor: at(1)}); err != nil {
		t.Fatal(err)
	}
	if moved, err := Move(ctx, m, "old", "new"); moved || err != nil {
		t.Fatalf("Move over an existing key = %v, %v", moved, err)
	}
	if got, _ := LoadState(ctx, m, "new"); !got.Cursor.Equal(at(3)) {
		t.Fatalf("the new key was overwritten: %v", got.Cursor)
	}
}

func TestInitAndFlushWriteThrough(t *testing.T) {
	ctx := context.Background()
	broken := errors.New("disk full")
	store := &recordingStore{fail: broken}
	var outcomes []error
	tr := NewTracker(store, "k", 10, func(_ *State, err error) { outcomes = append(outcomes, err) })
	if err := tr.Init(ctx, &State{Cursor: at(1)}); !errors.Is(err, broken) {
		t.Fatalf("Init on a broken store = %v, want its error", err)
	}
	store.fail = nil
	if err := tr.Init(ctx, &State{Cursor: at(1), Through: at(2)}); err != nil {
		t.Fatal(err)
	}
	if got := tr.Through(); !got.Equal(at(2)) {
		t.Fatalf("Through after Init = %v", got)
	}
	store.mu.Lock()
	store.fail = broken
	store.mu.Unlock()
	ack, err := tr.Track(ctx, &State{Cursor: at(5)})
	if err != nil {
		t.Fatal(err)
	}
	ack(ctx)
	if err := tr.Flush(ctx); !errors.Is(err, broken) {
		t.Fatalf("Flush on a broken store = %v", err)
	}
	store.mu.Lock()
	store.fail = nil
	store.mu.Unlock()
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if c := store.cursors(); len(c) != 2 || !c[1].Equal(at(5)) {
		t.Fatalf("writes = %v, want the initial state then the acknowledged one", c)
	}
	if len(outcomes) != 3 || outcomes[0] == nil || outcomes[1] == nil || outcomes[2] != nil {
		t.Fatalf("onSave saw %v, want two failures then a success", outcomes)
	}
}
