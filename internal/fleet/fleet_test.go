package fleet

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestHandoverBetweenReplicas runs six tenants on one replica, adds a
// second, which takes some of them over, then stops the second, which
// hands them back: each owner at a time polls each tenant, every change is
// delivered, and none twice, since every handover is graceful.
func TestHandoverBetweenReplicas(t *testing.T) {
	for _, perTenant := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream_per_tenant=%v", perTenant), func(t *testing.T) {
			testHandover(t, perTenant)
		})
	}
}

func testHandover(t *testing.T, streamPerTenant bool) {
	k := newKit(t)
	k.streamPerTenant = streamPerTenant
	ts := make([]*simTenant, 6)
	for i := range ts {
		ts[i] = k.newTenant(fmt.Sprintf("t%d", i))
		k.put(ts[i], "")
	}
	a := k.start("a")
	progress := func() string { return k.callback.String() + "\n" + a.logs.String() }
	eventually(t, progress, k.allDelivered(ts...))
	if got := len(a.owns()); got != len(ts) {
		t.Fatalf("replica a runs %d tenants, want %d", got, len(ts))
	}

	b := k.start("b")
	split := func() bool {
		oa, ob := a.owns(), b.owns()
		return len(ob) > 0 && len(oa)+len(ob) == len(ts) && disjoint(oa, ob)
	}
	eventually(t, func() string { return fmt.Sprintf("a %v b %v\n%s", a.owns(), b.owns(), b.logs.String()) }, split)
	for _, tn := range ts {
		tn.insert()
	}
	eventually(t, progress, k.allDelivered(ts...))
	if !split() {
		t.Errorf("ownership changed unasked: a %v b %v", a.owns(), b.owns())
	}

	// b leaves while its tenants' changes are in flight to a slow
	// callback: it hands them over only once they are acknowledged and
	// checkpointed, so a resumes after them.
	k.callback.delay.Store(int64(300 * time.Millisecond))
	for _, tn := range ts {
		tn.insert()
	}
	eventually(t, progress, func() bool { return k.callback.inFlight.Load() > 0 })
	b.stop()
	eventually(t, progress, func() bool { return len(a.owns()) == len(ts) })
	eventually(t, progress, k.allDelivered(ts...))
	k.callback.delay.Store(0)
	for _, tn := range ts {
		tn.insert()
	}
	eventually(t, progress, k.allDelivered(ts...))
	if d := k.callback.duplicates(); len(d) > 0 {
		t.Errorf("delivered twice across graceful handovers: %v", d)
	}
	if n := a.r.Status().Handovers["acquired"]; n < 2 {
		t.Errorf("replica a acquired partitions %d times, want 2 (start, b's leaving)", n)
	}
	for _, log := range []string{a.logs.String(), b.logs.String()} {
		if strings.Contains(log, "secret-t") {
			t.Errorf("a replica logged a tenant's API secret")
		}
	}
}

func disjoint(a, b map[string]string) bool {
	for k := range a {
		if _, ok := b[k]; ok {
			return false
		}
	}
	return true
}

// TestTenantsAddedChangedRemovedAtRuntime: a tenant put while the replica
// runs starts, a changed one restarts from its checkpoint, a removed one
// stops polling, and a tenant whose YAML does not lint is refused on its
// own while the others carry on.
func TestTenantsAddedChangedRemovedAtRuntime(t *testing.T) {
	k := newKit(t)
	first, second := k.newTenant("first"), k.newTenant("second")
	k.put(first, "")
	a := k.start("a")
	progress := func() string { return k.callback.String() + "\n" + a.logs.String() }
	eventually(t, progress, k.allDelivered(first))

	k.put(second, "")
	eventually(t, progress, k.allDelivered(second))

	// A bad record beside them: refused with the lint error, alone.
	bad := k.newTenant("bad")
	rec := &kgo.Record{Key: []byte("bad"), Value: []byte(k.config(bad, "    no_such_field: 1\n"))}
	if err := k.tenants.cl.ProduceSync(t.Context(), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(a.r.Status().Tenants) }, func() bool { return a.owns()["bad"] == statusRefused })
	var problem string
	for _, ts := range a.r.Status().Tenants {
		if ts.ID == "bad" {
			problem = ts.Problem
		}
	}
	if !strings.Contains(problem, "no_such_field") {
		t.Errorf("the refusal does not name the field: %q", problem)
	}
	if !strings.Contains(a.logs.String(), "tenant refused") {
		t.Errorf("the refusal is not logged")
	}
	owned := ownedMetric(t, a)
	if owned["bad"] != statusRefused || owned["first"] != statusRunning || owned["second"] != statusRunning {
		t.Errorf("revel_fleet_tenant_owned = %v", owned)
	}

	// Changing a tenant restarts it from its checkpoint: nothing again.
	k.put(first, "    page_size: 50\n")
	first.insert()
	second.insert()
	eventually(t, progress, k.allDelivered(first, second))

	// Removing a tenant stops its polling.
	if err := k.tenants.Delete(t.Context(), "no-such-tenant"); !errors.Is(err, ErrUnknownTenant) {
		t.Errorf("deleting an unknown tenant: %v, want ErrUnknownTenant", err)
	}
	if err := k.tenants.Delete(t.Context(), second.id); err != nil {
		t.Fatal(err)
	}
	eventually(t, progress, func() bool { _, ok := a.owns()[second.id]; return !ok })
	before := second.requests()
	first.insert()
	eventually(t, progress, k.allDelivered(first))
	eventually(t, progress, cycles(first, 5))
	if n := second.requests() - before; n != 0 {
		t.Errorf("removed tenant polled %d more times", n)
	}
	if d := k.callback.duplicates(); len(d) > 0 {
		t.Errorf("delivered twice: %v", d)
	}
	listed, err := k.tenants.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range listed {
		ids = append(ids, l.ID)
	}
	if want := []string{"bad", "first"}; !slices.Equal(ids, want) {
		t.Errorf("tenants list = %v, want %v", ids, want)
	}
}

// cycles holds once tn has served n more requests.
func cycles(tn *simTenant, n int) func() bool {
	start := tn.requests()
	return func() bool { return tn.requests() >= start+n }
}

// ownedMetric reads revel_fleet_tenant_owned: tenant -> status.
func ownedMetric(t *testing.T, rn *running) map[string]string {
	t.Helper()
	families, err := rn.m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range families {
		if f.GetName() != "revel_fleet_tenant_owned" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if m.GetGauge().GetValue() == 1 {
				out[labels["tenant"]] = labels["status"]
			}
		}
	}
	return out
}

// A tenant whose config reads a variable the replica's environment lacks
// (set where tenants put ran, so put passed) is refused with the variable
// named, as tenants put names it: the lint error alone ("set subdomain or
// base_url") would send the operator to a config that looks right.
func TestReplicaRefusalNamesUnsetVariables(t *testing.T) {
	k := newKit(t)
	a := k.start("a")
	tn := k.newTenant("envless")
	conf := strings.Replace(k.config(tn, ""), "base_url: "+tn.sim.URL(), "base_url: ${RC_FLEET_TEST_REPLICA_UNSET_BASE}", 1)
	rec := &kgo.Record{Key: []byte(tn.id), Value: []byte(conf)}
	if err := k.tenants.cl.ProduceSync(t.Context(), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() string { return fmt.Sprint(a.r.Status().Tenants) }, func() bool { return a.owns()[tn.id] == statusRefused })
	for _, ts := range a.r.Status().Tenants {
		if ts.ID == tn.id && !strings.Contains(ts.Problem, "RC_FLEET_TEST_REPLICA_UNSET_BASE") {
			t.Errorf("the refusal does not name the unset variable: %q", ts.Problem)
		}
	}
	if !strings.Contains(a.logs.String(), "RC_FLEET_TEST_REPLICA_UNSET_BASE") {
		t.Errorf("the logged refusal does not name the unset variable")
	}
}
