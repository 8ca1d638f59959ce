package fleet

import (
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func stateRec(key string, value string, epoch Epoch, offset int64) *kgo.Record {
	r := &kgo.Record{Key: []byte(key), Offset: offset}
	if value != "" {
		r.Value = []byte(value)
	}
	if epoch != noEpoch {
		r.Headers = []kgo.RecordHeader{{Key: headerEpoch, Value: []byte(strconv.FormatInt(int64(epoch), 10))}}
	}
	return r
}

func TestEpochOrdersClaimsBeforeGenerations(t *testing.T) {
	for _, c := range []struct {
		a, b Epoch
		less bool
	}{
		{newEpoch(1, 9), newEpoch(2, 1), true}, // a later claim wins whatever the generations
		{newEpoch(2, 3), newEpoch(2, 4), true}, // two claims that raced: the later generation
		{newEpoch(3, 1), newEpoch(2, 99), false},
		{noEpoch, newEpoch(0, 0), true},
	} {
		if got := c.a < c.b; got != c.less {
			t.Errorf("%s < %s = %v, want %v", c.a, c.b, got, c.less)
		}
	}
	if e := newEpoch(7, -1); e.Claim() != 7 || e.Generation() != -1 {
		t.Errorf("newEpoch(7, -1) reads back as %d.%d", e.Claim(), e.Generation())
	}
}

func TestFoldFencesStaleWrites(t *testing.T) {
	old, cur := newEpoch(1, 5), newEpoch(2, 6)
	for _, c := range []struct {
		name     string
		recs     []*kgo.Record
		want     string // value of t/k; "" = absent or deleted
		stale    int
		shadowed bool
		maxClaim int32
	}{
		{name: "one owner: the last offset", recs: []*kgo.Record{
			stateRec("t/k", "a", cur, 1), stateRec("t/k", "b", cur, 2)}, want: "b", maxClaim: 2},
		{name: "a new owner supersedes", recs: []*kgo.Record{
			stateRec("t/k", "a", old, 1), stateRec("t/k", "b", cur, 2)}, want: "b", maxClaim: 2},
		{name: "a zombie's later write is fenced", recs: []*kgo.Record{
			stateRec("t/k", "new", cur, 1), stateRec("t/k", "zombie", old, 2)}, want: "new", stale: 1, shadowed: true, maxClaim: 2},
		{name: "the owner writing again after the zombie unshadows", recs: []*kgo.Record{
			stateRec("t/k", "new", cur, 1), stateRec("t/k", "zombie", old, 2), stateRec("t/k", "newer", cur, 3)}, want: "newer", stale: 1, maxClaim: 2},
		{name: "records without an epoch are oldest", recs: []*kgo.Record{
			stateRec("t/k", "fleet", old, 1), stateRec("t/k", "foreign", noEpoch, 2)}, want: "fleet", stale: 1, shadowed: true, maxClaim: 1},
		{name: "a tombstone deletes", recs: []*kgo.Record{
			stateRec("t/k", "a", cur, 1), stateRec("t/k", "", cur, 2)}, want: "", maxClaim: 2},
		{name: "claims count but are not state", recs: []*kgo.Record{
			stateRec(claimKey, "member", newEpoch(9, 1), 1)}, want: "", maxClaim: 9},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := fold(c.recs)
			if got := string(res.entries["t/k"].value); got != c.want {
				t.Errorf("value %q, want %q", got, c.want)
			}
			if _, ok := res.entries[claimKey]; ok {
				t.Errorf("the claim is in the state")
			}
			if res.stale != c.stale || res.shadowed["t/k"] != c.shadowed || res.maxClaim != c.maxClaim {
				t.Errorf("stale %d shadowed %v maxClaim %d, want %d %v %d", res.stale, res.shadowed["t/k"], res.maxClaim, c.stale, c.shadowed, c.maxClaim)
			}
		})
	}
}
