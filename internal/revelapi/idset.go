package revelapi

import (
	"encoding/binary"
	"maps"
	"slices"
	"sort"
	"strconv"
)

// idSet holds the ids a pager has returned, so a row read again (a page
// overlap, a repair that re-reads, a row the server lists twice) is
// returned once. Both paging modes mostly read integer ids in ascending
// order; those are kept as varint deltas in blocks, about a byte an id for
// a dense table (a million ids in ~1.5 MB), appended in O(1). Ids out of
// order go to a map that is merged into the blocks once it grows; ids that
// are not integers to a map of their own.
type idSet struct {
	blocks []idBlock
	extra  map[int64]struct{} // all below the largest id in blocks
	other  map[string]struct{}
}

// idBlock is up to blockIDs ascending ids: first, then uvarint deltas.
type idBlock struct {
	first, last int64
	n           int
	deltas      []byte
}

const blockIDs = 128

// add records raw (an id as JSON text) and reports whether it was new.
func (s *idSet) add(raw string) bool {
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		if s.other == nil {
			s.other = map[string]struct{}{}
		}
		if _, ok := s.other[raw]; ok {
			return false
		}
		s.other[raw] = struct{}{}
		return true
	}
	return s.addInt(n)
}

// addInt records an integer id and reports whether it was new.
func (s *idSet) addInt(n int64) bool {
	if k := len(s.blocks); k == 0 || n > s.blocks[k-1].last {
		s.appendID(n)
		return true
	}
	if s.has(n) {
		return false
	}
	if s.extra == nil {
		s.extra = map[int64]struct{}{}
	}
	s.extra[n] = struct{}{}
	if len(s.extra) > 1024 && len(s.extra)*8 > s.len() {
		s.merge()
	}
	return true
}

// appendID adds n, larger than every id in the blocks.
func (s *idSet) appendID(n int64) {
	k := len(s.blocks)
	if k == 0 || s.blocks[k-1].n == blockIDs {
		// A dense table's deltas take a byte each.
		s.blocks = append(s.blocks, idBlock{first: n, last: n, n: 1, deltas: make([]byte, 0, blockIDs)})
		return
	}
	b := &s.blocks[k-1]
	b.deltas = binary.AppendUvarint(b.deltas, uint64(n-b.last))
	b.last, b.n = n, b.n+1
}

func (s *idSet) has(n int64) bool {
	k := len(s.blocks)
	if k == 0 || n > s.blocks[k-1].last {
		return false // extra holds only ids below the largest in blocks
	}
	if _, ok := s.extra[n]; ok {
		return true
	}
	i := sort.Search(k, func(i int) bool { return s.blocks[i].last >= n })
	b := &s.blocks[i]
	if n < b.first {
		return false
	}
	v, d := b.first, b.deltas
	for v < n {
		delta, w := binary.Uvarint(d)
		v, d = v+int64(delta), d[w:]
	}
	return v == n
}

func (s *idSet) len() int {
	n := len(s.extra)
	for i := range s.blocks {
		n += s.blocks[i].n
	}
	return n
}

// merge rebuilds the blocks with the ids in extra.
func (s *idSet) merge() {
	all := slices.Collect(maps.Keys(s.extra))
	for i := range s.blocks {
		b := &s.blocks[i]
		v, d := b.first, b.deltas
		all = append(all, v)
		for range b.n - 1 {
			delta, w := binary.Uvarint(d)
			v, d = v+int64(delta), d[w:]
			all = append(all, v)
		}
	}
	slices.Sort(all)
	s.blocks, s.extra = nil, nil
	for _, id := range all {
		s.appendID(id)
	}
}
