package fleet

import (
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// An Epoch orders the writers of one partition's state: the owner with the
// higher epoch wrote later, whatever the offsets say. It is the claim number
// in the high 32 bits and the group generation in the low 32: a replica
// that acquires a partition claims max(claims seen in the partition)+1, and
// the generation settles two claims that raced with the same number (the
// later assignment has the higher generation). A zombie, a replica that
// lost the partition without knowing it, still writes with its old claim,
// so its writes lose to the new owner's on every read.
type Epoch int64

// newEpoch combines a claim number and a group generation.
func newEpoch(claim int32, generation int32) Epoch {
	return Epoch(int64(claim)<<32 | int64(uint32(generation)))
}

// Claim is the claim number of e.
func (e Epoch) Claim() int32 { return int32(int64(e) >> 32) }

// Generation is the group generation of e.
func (e Epoch) Generation() int32 { return int32(uint32(int64(e))) }

func (e Epoch) String() string {
	return strconv.Itoa(int(e.Claim())) + "." + strconv.Itoa(int(e.Generation()))
}

// Record headers of every state write.
const (
	headerEpoch  = "revel-fleet-epoch"  // decimal Epoch
	headerMember = "revel-fleet-member" // the writer's group member id, for people
)

// noEpoch is the epoch of a state record without an epoch header (not
// written by a fleet): older than any fleet write.
const noEpoch = Epoch(-1)

// recordEpoch reads a record's epoch header; noEpoch if it has none or it
// does not parse.
func recordEpoch(r *kgo.Record) Epoch {
	for _, h := range r.Headers {
		if h.Key == headerEpoch {
			n, err := strconv.ParseInt(string(h.Value), 10, 64)
			if err != nil {
				return noEpoch
			}
			return Epoch(n)
		}
	}
	return noEpoch
}

// entry is the current value of one state key, as read or written.
type entry struct {
	value  []byte // nil: deleted
	epoch  Epoch
	offset int64 // -1 until the write's offset is known
}

// supersedes reports whether n replaces e: a higher epoch always does; in
// the same epoch (one owner's writes) the later offset does. A lower epoch
// never does, however late its offset: that is a stale write, fenced.
func (n entry) supersedes(e entry) bool {
	if n.epoch != e.epoch {
		return n.epoch > e.epoch
	}
	return n.offset > e.offset
}

// foldResult is a partition's state after reading it from the start.
type foldResult struct {
	entries map[string]entry // by state key
	// maxClaim is the highest claim number in any record, 0 if none.
	maxClaim int32
	// stale counts records ignored because an earlier record had a higher
	// epoch: zombie writes.
	stale int
	// shadowed are keys whose last record by offset is stale: compaction
	// keeps only that one, so the winner must be written again.
	shadowed map[string]bool
}

// fold reads a partition's state records in offset order. claimKey
// records carry only a claim and are not state.
func fold(recs []*kgo.Record) foldResult {
	res := foldResult{entries: map[string]entry{}, shadowed: map[string]bool{}}
	for _, r := range recs {
		e := entry{value: r.Value, epoch: recordEpoch(r), offset: r.Offset}
		if e.epoch != noEpoch && e.epoch.Claim() > res.maxClaim {
			res.maxClaim = e.epoch.Claim()
		}
		key := string(r.Key)
		if key == claimKey {
			continue
		}
		cur, ok := res.entries[key]
		switch {
		case !ok || e.supersedes(cur):
			res.entries[key] = e
			delete(res.shadowed, key)
		default:
			res.stale++
			res.shadowed[key] = true
		}
	}
	return res
}
