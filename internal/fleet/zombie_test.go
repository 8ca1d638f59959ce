package fleet

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestZombieStateWritesAreFenced makes a zombie: replica a stops
// heartbeating (its heartbeats are held by the broker) but keeps polling
// and writing checkpoints, while its session expires and b takes its
// tenant over. The zombie's writes, though later in the topic, lose to b's
// on every read; once its heartbeats get through, a learns it lost the
// tenant and stops; and the next owner resumes from b's checkpoint.
func TestZombieStateWritesAreFenced(t *testing.T) {
	k := newKit(t)
	z := k.newTenant("z")
	k.put(z, "")
	a := k.start("a")
	progress := func() string { return k.callback.String() + "\n" + a.logs.String() }
	eventually(t, progress, k.allDelivered(z))
	aMember, _ := a.r.cl.GroupMetadata()

	wake := make(chan struct{})
	var wakeOnce sync.Once
	release := func() { wakeOnce.Do(func() { close(wake) }) }
	t.Cleanup(release)
	k.cluster.ControlKey(int16(kmsg.Heartbeat), func(req kmsg.Request) (kmsg.Response, error, bool) {
		k.cluster.KeepControl()
		if req.(*kmsg.HeartbeatRequest).MemberID == aMember {
			k.cluster.SleepControl(func() { <-wake })
		}
		return nil, nil, false
	})

	b := k.start("b")
	eventually(t, func() string { return fmt.Sprintf("b owns %v\n%s", b.owns(), b.logs.String()) },
		func() bool { return b.owns()["z"] == statusRunning })
	if a.owns()["z"] != statusRunning {
		t.Fatalf("a is not a zombie: it owns %v", a.owns())
	}
	bEpoch := epochOf(t, b, z)

	// Both poll the change: a duplicate within the zombie window, and a
	// checkpoint write from each.
	z.insert()
	eventually(t, progress, k.allDelivered(z))
	var zombieWrites int
	eventually(t, func() string { return "no zombie write after b's claim" }, func() bool {
		zombieWrites = 0
		claimed := k.claimOffset(t, bEpoch, "z/")
		for _, r := range k.stateRecords(t) {
			if strings.HasPrefix(string(r.Key), "z/") && recordEpoch(r) < bEpoch && r.Offset > claimed {
				zombieWrites++
			}
		}
		return zombieWrites > 0
	})
	records := k.stateRecords(t)
	res := fold(records)
	for key, e := range res.entries {
		if strings.HasPrefix(key, "z/") && e.epoch != bEpoch {
			t.Errorf("state %s is the zombie's (epoch %s), want b's (%s)", key, e.epoch, bEpoch)
		}
	}
	// A zombie write that lands before b first writes its key is simply
	// replaced by b's; one that lands after b's is stale and ignored.
	fenced := zombieWritesAfterOwners(records, bEpoch, "z/")
	if res.stale < fenced {
		t.Errorf("fold ignored %d stale records, want at least the %d zombie writes after b's", res.stale, fenced)
	}

	// Heartbeats get through: a learns it was fenced and stops polling.
	release()
	eventually(t, func() string { return a.logs.String() }, func() bool { return len(a.owns()) == 0 })
	if !strings.Contains(a.logs.String(), "partitions lost") {
		t.Errorf("a did not log the lost partitions")
	}

	// b hands over to c, which ignores the zombie's records and resumes
	// from b's checkpoint: the change made now is the only new delivery.
	b.stop()
	c := k.start("c")
	eventually(t, func() string { return c.logs.String() }, func() bool { return c.owns()["z"] == statusRunning })
	if n := counterValue(c.m.staleRecords); n < float64(fenced) {
		t.Errorf("c counted %v fenced records, want at least %d", n, fenced)
	}
	z.insert()
	eventually(t, progress, k.allDelivered(z))
	eventually(t, progress, cycles(z, 5))
	for i, id := range z.employee {
		want := 1
		if i == 1 {
			want = 2 // polled by the zombie and by b
		}
		if n := k.callback.delivered("z", id); n > want {
			t.Errorf("employee %d delivered %d times, want at most %d", id, n, want)
		}
	}
}

// zombieWritesAfterOwners counts the records under prefix written with an
// epoch older than owner after the owner's first write of the same key:
// those a fold must ignore.
func zombieWritesAfterOwners(records []*kgo.Record, owner Epoch, prefix string) int {
	first := map[string]int64{} // key -> offset of the owner's first write
	for _, r := range records {
		key := string(r.Key)
		if _, ok := first[key]; !ok && strings.HasPrefix(key, prefix) && recordEpoch(r) == owner {
			first[key] = r.Offset
		}
	}
	n := 0
	for _, r := range records {
		if at, ok := first[string(r.Key)]; ok && r.Offset > at && recordEpoch(r) < owner {
			n++
		}
	}
	return n
}

// epochOf is the epoch rn claimed for tn's partition.
func epochOf(t *testing.T, rn *running, tn *simTenant) Epoch {
	t.Helper()
	rn.r.mu.Lock()
	defer rn.r.mu.Unlock()
	p := rn.r.parts[rn.r.tenantOf[tn.id]]
	if p == nil {
		t.Fatalf("%s does not own %s", rn.name, tn.id)
	}
	return p.epoch
}

// stateRecords reads the whole state topic.
func (k *kit) stateRecords(t *testing.T) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(k.opts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	parts, err := readWhole(t.Context(), k.opts(), kadm.NewClient(cl), DefaultStateTopic)
	if err != nil {
		t.Fatal(err)
	}
	var out []*kgo.Record
	for _, recs := range parts {
		out = append(out, recs...)
	}
	return out
}

// claimOffset is the offset of the claim record written with epoch in the
// partition holding the state keys that start with prefix: offsets of
// other partitions do not compare, and epochs repeat across partitions.
func (k *kit) claimOffset(t *testing.T, epoch Epoch, prefix string) int64 {
	recs := k.stateRecords(t)
	partition := int32(-1)
	for _, r := range recs {
		if strings.HasPrefix(string(r.Key), prefix) {
			partition = r.Partition
			break
		}
	}
	for _, r := range recs {
		if r.Partition == partition && string(r.Key) == claimKey && recordEpoch(r) == epoch {
			return r.Offset
		}
	}
	t.Fatalf("no claim with epoch %s beside the keys %s...", epoch, prefix)
	return 0
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}
