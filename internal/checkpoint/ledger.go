package checkpoint

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// Ledger is what the completeness audit compares a listing with: the
// version (Unix nanoseconds) of the last change delivered for each record
// id, for every change with a version at or after Since. An entry is added
// only when its message is acknowledged; changes handed downstream and not
// yet acknowledged are held apart as pending, so an audit neither reports
// them as missed nor forgets them if they are never acknowledged.
//
// In memory it is a base of two sorted arrays (16 bytes an id) and a small
// journal of the changes since the base was written. Stored, the base is
// written rarely and the journal on every acknowledgement; the journal is
// folded into the base once it holds more than max(4096, base/64) ids, so
// each acknowledgement writes at most that many entries (about 10 bytes
// each) and a full write happens once per that many acknowledged changes.
type Ledger struct {
	mu sync.Mutex
	// since: every change delivered with a version at or after it is
	// recorded. Older changes were delivered before the ledger began.
	since     time.Time
	auditedAt time.Time
	ids       []int64 // base, ascending
	versions  []int64 // versions[i] is ids[i]'s
	// journal holds changes since the base was written: id -> version, or
	// removed (a hard delete was delivered).
	journal map[int64]int64
	// pending holds changes emitted and not yet acknowledged.
	pending map[int64]int64
}

// removed marks a hard-deleted id in the journal and in pending.
const removed = -1 << 63

// Entry is one change for the ledger: a record id and the version
// delivered, or Removed for a hard delete.
type Entry struct {
	ID      int64
	Version int64
	Removed bool
}

// NewLedger returns an empty ledger that vouches for changes with versions
// at or after since.
func NewLedger(since time.Time) *Ledger {
	return &Ledger{since: since, journal: map[int64]int64{}, pending: map[int64]int64{}}
}

// Since is the earliest version the ledger vouches for.
func (l *Ledger) Since() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.since
}

// AuditedAt is when the last completed audit began; zero before the first.
func (l *Ledger) AuditedAt() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.auditedAt
}

// Len is the number of ids recorded as delivered.
func (l *Ledger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.ids)
	for id, v := range l.journal {
		_, inBase := l.baseIndex(id)
		switch {
		case v == removed && inBase:
			n--
		case v != removed && !inBase:
			n++
		}
	}
	return n
}

func (l *Ledger) baseIndex(id int64) (int, bool) {
	return slices.BinarySearch(l.ids, id)
}

// lookup returns the delivered version of id; must hold l.mu.
func (l *Ledger) lookup(id int64) (int64, bool) {
	if v, ok := l.journal[id]; ok {
		return v, v != removed
	}
	if i, ok := l.baseIndex(id); ok {
		return l.versions[i], true
	}
	return 0, false
}

// Delivered reports the version of id's last delivered change, counting
// changes still awaiting acknowledgement, and whether one is known.
func (l *Ledger) Delivered(id int64) (version int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.delivered(id)
}

func (l *Ledger) delivered(id int64) (int64, bool) {
	v, ok := l.lookup(id)
	if pv, pending := l.pending[id]; pending && pv != removed && (!ok || pv > v) {
		return pv, true
	}
	return v, ok
}

// RemovalPending reports whether a hard delete of id awaits acknowledgement.
func (l *Ledger) RemovalPending(id int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pending[id] == removed
}

// Emit marks entries as handed downstream; Ack records them once they are
// acknowledged.
func (l *Ledger) Emit(entries []Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range entries {
		if e.Removed {
			l.pending[e.ID] = removed
		} else {
			l.pending[e.ID] = e.Version
		}
	}
}

// Ack records acknowledged entries; Save persists them.
func (l *Ledger) Ack(entries []Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range entries {
		v := e.Version
		if e.Removed {
			v = removed
		}
		if l.pending[e.ID] == v {
			delete(l.pending, e.ID)
		}
		if !e.Removed {
			if d, ok := l.lookup(e.ID); ok && d > v {
				continue // a later version was acknowledged first
			}
		}
		l.journal[e.ID] = v
	}
}

// Between calls fn, in ascending id order, for each id in (after, upTo]
// recorded as delivered and not awaiting a hard delete's acknowledgement,
// with its version. fn runs with the ledger locked and must not call it.
func (l *Ledger) Between(after, upTo int64, fn func(id, version int64)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var extra []int64 // journal ids not in the base
	for id, v := range l.journal {
		if id > after && id <= upTo && v != removed {
			if _, inBase := l.baseIndex(id); !inBase {
				extra = append(extra, id)
			}
		}
	}
	slices.Sort(extra)
	visit := func(id, v int64) {
		if l.pending[id] != removed {
			fn(id, v)
		}
	}
	i := len(l.ids)
	if after < 1<<63-1 {
		i, _ = slices.BinarySearch(l.ids, after+1)
	}
	for ; i < len(l.ids) && l.ids[i] <= upTo; i++ {
		for len(extra) > 0 && extra[0] < l.ids[i] {
			visit(extra[0], l.journal[extra[0]])
			extra = extra[1:]
		}
		id, v := l.ids[i], l.versions[i]
		if jv, ok := l.journal[id]; ok {
			if jv == removed {
				continue
			}
			v = jv
		}
		visit(id, v)
	}
	for _, id := range extra {
		visit(id, l.journal[id])
	}
}

// compactAt is the journal size at which it is folded into the base.
func (l *Ledger) compactAt() int { return max(4096, len(l.ids)/64) }

// fold merges the journal into the base, dropping versions before prune,
// in place where it can; must hold l.mu.
func (l *Ledger) fold(prune int64) {
	var added []int64
	for id, v := range l.journal {
		if i, ok := l.baseIndex(id); ok {
			l.versions[i] = v
		} else if v != removed {
			added = append(added, id)
		}
	}
	// Drop removed and pruned entries in place.
	n := 0
	for i, id := range l.ids {
		if v := l.versions[i]; v != removed && v >= prune {
			l.ids[n], l.versions[n] = id, v
			n++
		}
	}
	l.ids, l.versions = l.ids[:n], l.versions[:n]
	slices.Sort(added)
	kept := added[:0]
	for _, id := range added {
		if l.journal[id] >= prune {
			kept = append(kept, id)
		}
	}
	if len(kept) > 0 {
		// Merge from the back so the arrays grow once and no copy is made.
		total := n + len(kept)
		l.ids = slices.Grow(l.ids, len(kept))[:total]
		l.versions = slices.Grow(l.versions, len(kept))[:total]
		i, j := n-1, len(kept)-1
		for k := total - 1; j >= 0; k-- {
			if i >= 0 && l.ids[i] > kept[j] {
				l.ids[k], l.versions[k] = l.ids[i], l.versions[i]
				i--
			} else {
				l.ids[k], l.versions[k] = kept[j], l.journal[kept[j]]
				j--
			}
		}
	}
	clear(l.journal)
}

// LedgerStore keeps a ledger under two keys: the base, written rarely, and
// the journal, written on every acknowledgement.
type LedgerStore struct {
	Store Store
	Key   string

	mu sync.Mutex // serialises writes so an older journal never lands last
}

func (s *LedgerStore) baseKey() string    { return s.Key }
func (s *LedgerStore) journalKey() string { return s.Key + "-journal" }

// Save writes the ledger's acknowledged entries: the journal alone while it
// is small, else the whole ledger. It prunes nothing, so an audit under way
// still finds every entry it may judge; Compact prunes.
func (s *LedgerStore) Save(ctx context.Context, l *Ledger) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.mu.Lock()
	if len(l.journal) <= l.compactAt() {
		raw := encodeJournal(l.since, l.auditedAt, l.journal)
		l.mu.Unlock()
		return s.Store.Set(ctx, s.journalKey(), raw)
	}
	l.mu.Unlock()
	return s.compact(ctx, l, time.Time{})
}

// Compact folds the journal into the base, drops entries with versions
// before prune, advances Since to prune if it is later, records auditedAt
// if not zero, and writes the whole ledger.
func (s *LedgerStore) Compact(ctx context.Context, l *Ledger, prune, auditedAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l.mu.Lock()
	if !auditedAt.IsZero() {
		l.auditedAt = auditedAt
	}
	l.mu.Unlock()
	return s.compact(ctx, l, prune)
}

func (s *LedgerStore) compact(ctx context.Context, l *Ledger, prune time.Time) error {
	l.mu.Lock()
	floor := int64(math.MinInt64)
	if !prune.IsZero() {
		floor = prune.UnixNano()
	}
	l.fold(floor)
	if prune.After(l.since) {
		l.since = prune
	}
	raw := encodeBase(l.since, l.auditedAt, l.ids, l.versions)
	l.mu.Unlock()
	// Base first: a crash before the journal is emptied replays entries
	// the base already holds, which changes nothing.
	if err := s.Store.Set(ctx, s.baseKey(), raw); err != nil {
		return err
	}
	l.mu.Lock()
	empty := encodeJournal(l.since, l.auditedAt, l.journal)
	l.mu.Unlock()
	return s.Store.Set(ctx, s.journalKey(), empty)
}

// Load reads the ledger; nil, nil when none is stored.
func (s *LedgerStore) Load(ctx context.Context) (*Ledger, error) {
	base, err := s.Store.Get(ctx, s.baseKey())
	if err != nil {
		return nil, err
	}
	journal, err := s.Store.Get(ctx, s.journalKey())
	if err != nil {
		return nil, err
	}
	if base == nil && journal == nil {
		return nil, nil
	}
	l := NewLedger(time.Time{})
	if base != nil {
		if err := decodeLedger(base, l, true); err != nil {
			return nil, fmt.Errorf("audit ledger %q: %w; delete that key and %q to start the ledger afresh (the audit then vouches only for changes delivered from then on)", s.baseKey(), err, s.journalKey())
		}
	}
	if journal != nil {
		if err := decodeLedger(journal, l, false); err != nil {
			return nil, fmt.Errorf("audit ledger journal %q: %w; delete it and %q to start the ledger afresh", s.journalKey(), err, s.baseKey())
		}
	}
	return l, nil
}

// Stored form, base and journal alike: the magic "RVLG", a format byte,
// then varints: since and audited_at (Unix ns, 0 for none), the count, the
// version unit (1 or 1000 ns), then per entry, ascending by id, the id's
// delta from the previous one (the first as a signed varint) and the
// version as (version-since')/unit, zigzag, plus one, where since' is since
// rounded down to the unit; 0 marks a removal.
const (
	ledgerMagic  = "RVLG"
	ledgerFormat = 1
)

func encodeJournal(since, auditedAt time.Time, journal map[int64]int64) []byte {
	ids := slices.Sorted(maps.Keys(journal))
	vs := make([]int64, len(ids))
	for i, id := range ids {
		vs[i] = journal[id]
	}
	return encodeBase(since, auditedAt, ids, vs)
}

func encodeBase(since, auditedAt time.Time, ids, versions []int64) []byte {
	unit := int64(1000)
	for _, v := range versions {
		if v != removed && v%1000 != 0 {
			unit = 1
			break
		}
	}
	base := unixNano(since)
	buf := make([]byte, 0, 32+len(ids)*8)
	buf = append(buf, ledgerMagic...)
	buf = append(buf, ledgerFormat)
	buf = binary.AppendVarint(buf, base)
	buf = binary.AppendVarint(buf, unixNano(auditedAt))
	buf = binary.AppendUvarint(buf, uint64(len(ids)))
	buf = binary.AppendUvarint(buf, uint64(unit))
	vbase := base - base%unit
	prev := int64(0)
	for i, id := range ids {
		if i == 0 {
			buf = binary.AppendVarint(buf, id)
		} else {
			buf = binary.AppendUvarint(buf, uint64(id-prev))
		}
		prev = id
		if v := versions[i]; v == removed {
			buf = binary.AppendUvarint(buf, 0)
		} else {
			d := (v - vbase) / unit
			buf = binary.AppendUvarint(buf, uint64(d<<1^d>>63)+1)
		}
	}
	return buf
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

var errLedger = errors.New("not a ledger")

// decodeLedger reads b into l: as the base, or as the journal on top of it.
func decodeLedger(b []byte, l *Ledger, asBase bool) error {
	if len(b) < len(ledgerMagic)+1 || string(b[:len(ledgerMagic)]) != ledgerMagic {
		return fmt.Errorf("%w: %w", ErrCorrupt, errLedger)
	}
	if b[len(ledgerMagic)] != ledgerFormat {
		return fmt.Errorf("%w: ledger format %d is not one this build reads (%d)", ErrCorrupt, b[len(ledgerMagic)], ledgerFormat)
	}
	b = b[len(ledgerMagic)+1:]
	bad := func(what string) error { return fmt.Errorf("%w: ledger: bad %s", ErrCorrupt, what) }
	varint := func() (int64, bool) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	base, ok1 := varint()
	audited, ok2 := varint()
	count, ok3 := uvarint()
	unit, ok4 := uvarint()
	if !ok1 || !ok2 || !ok3 || !ok4 || (unit != 1 && unit != 1000) || count > uint64(len(b)) {
		return bad("header")
	}
	if asBase || l.since.IsZero() {
		l.since, l.auditedAt = fromUnixNano(base), fromUnixNano(audited)
	}
	if asBase {
		// Room to grow: folding the journal in then rarely reallocates.
		room := count + count/32 + 4096
		l.ids, l.versions = make([]int64, 0, room), make([]int64, 0, room)
	}
	vbase := base - base%int64(unit)
	prev := int64(0)
	for i := uint64(0); i < count; i++ {
		var id int64
		if i == 0 {
			v, ok := varint()
			if !ok {
				return bad("id")
			}
			id = v
		} else {
			d, ok := uvarint()
			if !ok || d == 0 {
				return bad("id")
			}
			id = prev + int64(d)
		}
		prev = id
		z, ok := uvarint()
		if !ok {
			return bad("version")
		}
		v := int64(removed)
		if z > 0 {
			z--
			v = vbase + int64(z>>1^-(z&1))*int64(unit)
		}
		if asBase {
			l.ids, l.versions = append(l.ids, id), append(l.versions, v)
		} else {
			l.journal[id] = v
		}
	}
	if len(b) != 0 {
		return bad("length")
	}
	return nil
}
