package revelapi

import (
	"maps"
	"slices"
	"strconv"
)

// idSet holds the ids a pager has returned, so a row read again (a page
// overlap, a repair that re-reads, a row the server lists twice) is
// returned once. Integer ids arriving in ascending order, as both paging
// modes mostly read them, cost 8 bytes each and an append; others go to a
// map that is merged into the sorted slice once it grows.
type idSet struct {
	sorted []int64
	extra  map[int64]struct{}
	other  map[string]struct{} // ids that are not integers
}

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
	if k := len(s.sorted); k == 0 || n > s.sorted[k-1] {
		// extra only holds ids below the largest sorted one.
		s.sorted = append(s.sorted, n)
		return true
	}
	if s.has(n) {
		return false
	}
	if s.extra == nil {
		s.extra = map[int64]struct{}{}
	}
	s.extra[n] = struct{}{}
	if len(s.extra) > 1024 && len(s.extra) > len(s.sorted)/4 {
		s.sorted = append(s.sorted, slices.Collect(maps.Keys(s.extra))...)
		slices.Sort(s.sorted)
		s.extra = nil
	}
	return true
}

func (s *idSet) has(n int64) bool {
	if k := len(s.sorted); k == 0 || n > s.sorted[k-1] {
		return false // extra holds only ids below the largest sorted one
	}
	if _, ok := s.extra[n]; ok {
		return true
	}
	_, ok := slices.BinarySearch(s.sorted, n)
	return ok
}
