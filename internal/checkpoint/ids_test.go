package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestIDsRoundTripAndMissing(t *testing.T) {
	listed := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	s := NewIDs(listed, []int64{50, 3, 7, 7, 1 << 40, -2})
	if s.Len() != 5 {
		t.Fatalf("Len = %d, want 5 distinct", s.Len())
	}
	raw, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeIDs(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.sorted, []int64{-2, 3, 7, 50, 1 << 40}) || !back.ListedAt.Equal(listed) {
		t.Fatalf("round trip = %v at %v", back.sorted, back.ListedAt)
	}
	if got := back.Missing([]int64{-2, 7, 8, 1 << 40}); !slices.Equal(got, []int64{3, 50}) {
		t.Fatalf("Missing = %v, want [3 50]", got)
	}
	if got := back.Missing(nil); len(got) != 5 {
		t.Fatalf("everything gone: Missing = %v", got)
	}
	if got := back.With([]int64{3, 9}).Missing([]int64{-2, 3, 7, 50, 1 << 40}); !slices.Equal(got, []int64{9}) {
		t.Fatalf("With then Missing = %v, want [9]", got)
	}
	if back.Len() != 5 {
		t.Fatal("With changed its receiver")
	}
	if got := NewIDs(listed, nil).Missing([]int64{1}); len(got) != 0 {
		t.Fatalf("empty set: Missing = %v", got)
	}
}

func TestIDsAreCompactForAMillion(t *testing.T) {
	ids := make([]int64, 1_000_000)
	next := int64(1000)
	for i := range ids {
		next += 1 + rand.Int64N(3)
		ids[i] = next
	}
	raw, err := NewIDs(time.Now(), ids).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 2_000_000 {
		t.Fatalf("a million ids encode to %d bytes", len(raw))
	}
	back, err := DecodeIDs(raw)
	if err != nil || !slices.Equal(back.sorted, ids) {
		t.Fatalf("decode: %v", err)
	}
}

func TestDecodeIDsRejectsCorruption(t *testing.T) {
	good, _ := NewIDs(time.Now(), []int64{1, 2, 3}).Encode()
	for name, raw := range map[string]string{
		"truncated":   string(good[:len(good)/2]),
		"bad base64":  `{"version":1,"listed_at":"","count":1,"ids":"!!"}`,
		"count":       `{"version":1,"listed_at":"","count":9,"ids":"AgI="}`,
		"zero delta":  `{"version":1,"listed_at":"","count":2,"ids":"AgA="}`,
		"no version":  `{"listed_at":"","count":0,"ids":""}`,
		"bad varint":  `{"version":1,"listed_at":"","count":2,"ids":"AoA="}`,
		"bad listing": `{"version":1,"listed_at":"noon","count":0,"ids":""}`,
	} {
		if _, err := DecodeIDs([]byte(raw)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}

func TestLoadSaveIDs(t *testing.T) {
	ctx := context.Background()
	m := NewMemoryStore()
	if ids, err := LoadIDs(ctx, m, "k/ids"); ids != nil || err != nil {
		t.Fatalf("absent: %v %v", ids, err)
	}
	if err := SaveIDs(ctx, m, "k/ids", NewIDs(time.Now(), []int64{4, 5})); err != nil {
		t.Fatal(err)
	}
	ids, err := LoadIDs(ctx, m, "k/ids")
	if err != nil || ids.Len() != 2 {
		t.Fatalf("Load = %v, %v", ids, err)
	}
	_ = m.Set(ctx, "k/ids", []byte("{"))
	if _, err := LoadIDs(ctx, m, "k/ids"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt: %v", err)
	}
}

func TestSortedIDsAdoptsAListing(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	listed := []int64{3, 5, 9}
	s := SortedIDs(at, listed)
	listed[0] = 4 // the set owns the slice: no copy was made
	if got := s.Missing([]int64{4, 9}); fmt.Sprint(got) != "[5]" {
		t.Fatalf("missing = %v", got)
	}
	if got := SortedIDs(at, []int64{9, 3, 3, 5}); got.Len() != 3 || fmt.Sprint(got.Missing(nil)) != "[3 5 9]" {
		t.Fatalf("unsorted listing = %v", got.Missing(nil))
	}
}

func TestIDsWithout(t *testing.T) {
	at := time.Unix(1700000000, 0).UTC()
	s := NewIDs(at, []int64{5, 1, 9, 3})
	got := s.Without([]int64{3, 9, 42})
	if !slices.Equal(got.sorted, []int64{1, 5}) || !got.ListedAt.Equal(at) {
		t.Fatalf("Without = %v listed %v, want [1 5] listed %v", got.sorted, got.ListedAt, at)
	}
	if !slices.Equal(s.sorted, []int64{1, 3, 5, 9}) {
		t.Fatalf("Without changed its receiver: %v", s.sorted)
	}
}
