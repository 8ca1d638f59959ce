package checkpoint

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// IDs is the set of a resource's record ids as last listed: the baseline
// that hard deletes are found against. It is a sorted slice, 8 bytes an id
// in memory, and delta-encoded varints when stored: a million dense ids
// take a few megabytes.
type IDs struct {
	// ListedAt is when the listing that produced the set began.
	ListedAt time.Time
	sorted   []int64
}

// NewIDs returns a set of ids, which need not be sorted or distinct.
func NewIDs(listedAt time.Time, ids []int64) *IDs {
	s := slices.Clone(ids)
	slices.Sort(s)
	return &IDs{ListedAt: listedAt, sorted: slices.Compact(s)}
}

// SortedIDs returns a set that takes ownership of ids, which must be
// ascending and distinct (as a listing paged by id is); unlike NewIDs it
// makes no copy, so a million ids cost 8 MB once, not twice. Ids out of
// order are sorted in place.
func SortedIDs(listedAt time.Time, ids []int64) *IDs {
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return &IDs{ListedAt: listedAt, sorted: slices.Compact(ids)}
}

// With returns a new set holding s's ids and extra, listed at the same time.
func (s *IDs) With(extra []int64) *IDs {
	return NewIDs(s.ListedAt, append(slices.Clone(s.sorted), extra...))
}

// Without returns a new set holding s's ids but those in drop, listed at
// the same time.
func (s *IDs) Without(drop []int64) *IDs {
	gone := make(map[int64]struct{}, len(drop))
	for _, id := range drop {
		gone[id] = struct{}{}
	}
	kept := make([]int64, 0, len(s.sorted))
	for _, id := range s.sorted {
		if _, ok := gone[id]; !ok {
			kept = append(kept, id)
		}
	}
	return &IDs{ListedAt: s.ListedAt, sorted: kept}
}

// Len is the number of ids.
func (s *IDs) Len() int { return len(s.sorted) }

// Missing returns the ids of s absent from listed, which must be sorted
// ascending: the records deleted since s was listed.
func (s *IDs) Missing(listed []int64) []int64 {
	var gone []int64
	j := 0
	for _, id := range s.sorted {
		for j < len(listed) && listed[j] < id {
			j++
		}
		if j == len(listed) || listed[j] != id {
			gone = append(gone, id)
		}
	}
	return gone
}

type idsJSON struct {
	Version  int       `json:"version"`
	ListedAt time.Time `json:"listed_at"`
	Count    int       `json:"count"`
	IDs      string    `json:"ids"` // base64 of uvarint deltas from 0
}

// Encode renders the set as versioned JSON.
func (s *IDs) Encode() ([]byte, error) {
	buf := make([]byte, 0, 2*len(s.sorted)+16)
	prev := int64(0)
	for i, id := range s.sorted {
		if i == 0 {
			buf = binary.AppendVarint(buf, id)
		} else {
			buf = binary.AppendUvarint(buf, uint64(id-prev))
		}
		prev = id
	}
	return json.Marshal(idsJSON{Version: Version, ListedAt: s.ListedAt.UTC(), Count: len(s.sorted), IDs: base64.StdEncoding.EncodeToString(buf)})
}

// DecodeIDs parses a set written by Encode.
func DecodeIDs(b []byte) (*IDs, error) {
	var j idsJSON
	if err := json.Unmarshal(readEmptyAsNull(b), &j); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if j.Version == 0 || j.Version > Version {
		return nil, fmt.Errorf("%w: id set version %d", ErrCorrupt, j.Version)
	}
	buf, err := base64.StdEncoding.DecodeString(j.IDs)
	if err != nil {
		return nil, fmt.Errorf("%w: ids: %w", ErrCorrupt, err)
	}
	ids := make([]int64, 0, j.Count)
	for len(buf) > 0 {
		var n int
		if len(ids) == 0 {
			var v int64
			v, n = binary.Varint(buf)
			ids = append(ids, v)
		} else {
			var d uint64
			d, n = binary.Uvarint(buf)
			if d == 0 {
				n = -1
			}
			ids = append(ids, ids[len(ids)-1]+int64(d))
		}
		if n <= 0 {
			return nil, fmt.Errorf("%w: ids: bad varint at id %d", ErrCorrupt, len(ids))
		}
		buf = buf[n:]
	}
	if len(ids) != j.Count {
		return nil, fmt.Errorf("%w: ids: %d decoded, count says %d", ErrCorrupt, len(ids), j.Count)
	}
	return &IDs{ListedAt: j.ListedAt, sorted: ids}, nil
}

// LoadIDs reads the id set under key; nil, nil when there is none.
func LoadIDs(ctx context.Context, s Store, key string) (*IDs, error) {
	raw, err := s.Get(ctx, key)
	if err != nil || raw == nil {
		return nil, err
	}
	ids, err := DecodeIDs(raw)
	if err != nil {
		return nil, fmt.Errorf("id set %q: %w; delete that key to list the resource afresh (deletes before then go unseen)", key, err)
	}
	return ids, nil
}

// SaveIDs writes ids under key.
func SaveIDs(ctx context.Context, s Store, key string, ids *IDs) error {
	raw, err := ids.Encode()
	if err != nil {
		return err
	}
	return s.Set(ctx, key, raw)
}
