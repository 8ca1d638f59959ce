package fleet

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/revel-connect/revel-connect/internal/testutil"
)

// TestMemberStopsWhileItsFirstCheckpointWaits: a tenant starting while the
// state topic refuses writes waits in its first checkpoint write; removing
// it then stops it within the stop timeout, not once writes work again
// (the replica's tenant changes and handovers waited behind it); once
// writes resume, the other tenants carry on and the removed one is not
// published as owned again by its connect loop.
func TestMemberStopsWhileItsFirstCheckpointWaits(t *testing.T) {
	k := newKit(t)
	k.stopTimeout = time.Second
	steady := k.newTenant("steady")
	k.put(steady, "")
	a := k.start("a")
	progress := func() string { return k.callback.String() + "\n" + a.logs.String() }
	eventually(t, progress, k.allDelivered(steady))

	topics, err := kadm.NewClient(k.tenants.cl).ListTopics(t.Context(), DefaultStateTopic)
	if err != nil {
		t.Fatal(err)
	}
	stateID := topics[DefaultStateTopic].ID
	var refusing atomic.Bool
	refusing.Store(true)
	t.Cleanup(func() { refusing.Store(false) }) // before a stops
	testutil.RefuseProduceWhere(k.cluster, func(req *kmsg.ProduceRequest) bool {
		return refusing.Load() && len(req.Topics) > 0 && (req.Topics[0].Topic == DefaultStateTopic || req.Topics[0].TopicID == stateID)
	})

	late := k.newTenant("late")
	k.put(late, "")
	eventually(t, progress, func() bool { return strings.Contains(a.logs.String(), "key=late/") })
	if err := k.tenants.Delete(t.Context(), late.id); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return "late still runs\n" + a.logs.String() }, func() bool {
		_, ok := a.owns()[late.id]
		return !ok
	})

	refusing.Store(false)
	// The removed tenant's first checkpoint write goes through now, and
	// then a poll of the steady tenant; the stopped member must not have
	// published itself as owned again meanwhile.
	eventually(t, progress, func() bool {
		for _, r := range k.stateRecords(t) {
			if strings.HasPrefix(string(r.Key), "late/") {
				return true
			}
		}
		return false
	})
	steady.insert()
	eventually(t, progress, k.allDelivered(steady))
	if _, ok := a.owns()[late.id]; ok {
		t.Errorf("the removed tenant runs again: %v", a.owns())
	}
	if v := gaugeValue(a.m.owned, late.id); v != 0 {
		t.Errorf("revel_fleet_tenant_owned{tenant=%q} = %v after it was removed", late.id, v)
	}
}

// gaugeValue sums v's series whose tenant label is tenant.
func gaugeValue(v *prometheus.GaugeVec, tenant string) float64 {
	ch := make(chan prometheus.Metric, 64)
	go func() { v.Collect(ch); close(ch) }()
	var sum float64
	for m := range ch {
		var d dto.Metric
		if m.Write(&d) != nil {
			continue
		}
		for _, l := range d.GetLabel() {
			if l.GetName() == "tenant" && l.GetValue() == tenant {
				sum += d.GetGauge().GetValue()
			}
		}
	}
	return sum
}
