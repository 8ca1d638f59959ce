package checkpoint

import (
	"context"
	"sync"
	"time"

	"github.com/Jeffail/checkpoint"
)

// Tracker persists a resource's state in emission order as acknowledgements
// arrive in any order: a snapshot is written only once it and every snapshot
// tracked before it are acknowledged.
type Tracker struct {
	pending *checkpoint.Capped[*State]
	store   Store
	key     string
	onSave  func(s *State, err error)

	mu    sync.Mutex // serialises release and write so a newer state is never overwritten by an older one
	acked *State     // the latest state whose every predecessor is acknowledged
	saved *State     // the latest state written
}

// idleWriteEvery spaces out writes of states that differ from the last
// written one only in Through: an idle resource would otherwise write (and
// fsync) its checkpoint every poll.
const idleWriteEvery = time.Minute

// NewTracker tracks snapshots for key, allowing at most maxPending
// unacknowledged snapshots before Track blocks. onSave, if not nil, sees the
// outcome of every write; a failed write is superseded by the next one.
func NewTracker(store Store, key string, maxPending int64, onSave func(s *State, err error)) *Tracker {
	return &Tracker{
		pending: checkpoint.NewCapped[*State](maxPending),
		store:   store,
		key:     key,
		onSave:  onSave,
	}
}

// Track registers snap, which must not be modified afterwards, and returns
// the function that acknowledges it. It blocks while too many snapshots are
// unacknowledged, which bounds the memory held by pages in flight.
func (t *Tracker) Track(ctx context.Context, snap *State) (ack func(context.Context), err error) {
	release, err := t.pending.Track(ctx, snap, 1)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	return func(ctx context.Context) {
		once.Do(func() { t.commit(ctx, release) })
	}, nil
}

// Init writes st, the state polling resumes from, before anything is
// tracked: a store that cannot be written is found before the first poll,
// not after the first delivery. st counts as acknowledged and saved.
func (t *Tracker) Init(ctx context.Context, st *State) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := SaveState(ctx, t.store, t.key, st); err != nil {
		return err
	}
	t.acked, t.saved = st, st
	return nil
}

// Flush writes the latest acknowledged state again, whether or not it was
// saved: a write that succeeds proves the store works again. onSave sees
// the outcome.
func (t *Tracker) Flush(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.acked == nil {
		return nil
	}
	err := SaveState(ctx, t.store, t.key, t.acked)
	if err == nil {
		t.saved = t.acked
	}
	if t.onSave != nil {
		t.onSave(t.acked, err)
	}
	return err
}

// Through is the Through of the latest acknowledged state: every change
// before it is delivered. Zero until a state is acknowledged.
func (t *Tracker) Through() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.acked == nil {
		return time.Time{}
	}
	return t.acked.Through
}

func (t *Tracker) commit(ctx context.Context, release func() **State) {
	t.mu.Lock()
	defer t.mu.Unlock()
	highest := release()
	if highest == nil || *highest == t.acked {
		return
	}
	t.acked = *highest
	if t.saved != nil && sameProgress(t.saved, t.acked) && t.acked.Through.Sub(t.saved.Through) < idleWriteEvery {
		return
	}
	err := SaveState(ctx, t.store, t.key, t.acked)
	if err == nil {
		t.saved = t.acked
	}
	if t.onSave != nil {
		t.onSave(t.acked, err)
	}
}

// sameProgress reports whether a and b resume polling identically: the same
// cursor, suppression state and no cycle under way.
func sameProgress(a, b *State) bool {
	if !a.Cursor.Equal(b.Cursor) || a.Cycle != nil || b.Cycle != nil || len(a.Seen) != len(b.Seen) {
		return false
	}
	for id, v := range a.Seen {
		if w, ok := b.Seen[id]; !ok || w != v {
			return false
		}
	}
	return true
}
