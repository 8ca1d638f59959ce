package fleet

import (
	"sync/atomic"
	"testing"

	"github.com/revel-connect/revel-connect/internal/testutil"
)

// TestStateWritesWaitAndPollingPauses refuses every write to the state
// topic for a while: the checkpoint write is retried, the tenant's input
// stops after max_unacked_pages pages instead of running ahead of what can
// be saved, and once writes succeed again every change is delivered once.
func TestStateWritesWaitAndPollingPauses(t *testing.T) {
	k := newKit(t)
	tn := k.newTenant("w")
	k.put(tn, "    page_size: 1\n    max_unacked_pages: 1\n")
	a := k.start("a")
	progress := func() string { return k.callback.String() + "\n" + a.logs.String() }
	eventually(t, progress, k.allDelivered(tn))

	var refusing atomic.Bool
	refusing.Store(true)
	// Only the replica's state writes produce in this test.
	testutil.RefuseProduce(k.cluster, func(int) bool { return refusing.Load() })

	const changes = 6
	for range changes {
		tn.insert()
	}
	failed := func() float64 { return counterValue(a.m.stateWrites.WithLabelValues("error")) }
	// Five failed attempts take 1.5s of backoff: time for an unpaused
	// input to poll all six changes many times over.
	eventually(t, progress, func() bool { return failed() >= 5 })
	delivered := 0
	for _, id := range tn.employee[1:] {
		delivered += k.callback.delivered(tn.id, id)
	}
	// The page whose checkpoint is being written, and the one
	// max_unacked_pages lets through, at most: one change a page.
	if delivered > 2 {
		t.Errorf("%d of %d changes delivered while no checkpoint could be saved, want at most 2", delivered, changes)
	}

	refusing.Store(false)
	eventually(t, progress, k.allDelivered(tn))
	for _, id := range tn.employee {
		if n := k.callback.delivered(tn.id, id); n != 1 {
			t.Errorf("employee %d delivered %d times\n%s", id, n, progress())
		}
	}
	if ok := counterValue(a.m.stateWrites.WithLabelValues("ok")); ok == 0 {
		t.Errorf("no state write succeeded after the outage")
	}
}
