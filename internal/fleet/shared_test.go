package fleet

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestTenantsShareAStreamPerPartition: tenants whose configs differ only in
// their revel_poller input share one stream per partition, and each keeps
// its own checkpoints and metrics; a tenant with resources of its own, or
// another output, runs apart. Removing a partition's last member stops
// its stream; the other streams carry on.
func TestTenantsShareAStreamPerPartition(t *testing.T) {
	k := newKit(t)
	var shared []*simTenant
	for i := range 8 {
		tn := k.newTenant(fmt.Sprintf("s%d", i))
		k.put(tn, "")
		shared = append(shared, tn)
	}
	loner := k.newTenant("loner")
	k.putConfig(loner, k.config(loner, "")+"cache_resources:\n  - label: mine\n    memory: {}\n")
	other := k.newTenant("other")
	k.putConfig(other, strings.Replace(k.config(other, ""), "verb: POST", "verb: PUT", 1))
	all := append(slices.Clone(shared), loner, other)
	a := k.start("a")
	progress := func() string { return k.callback.String() + "\n" + a.logs.String() }
	eventually(t, progress, k.allDelivered(all...))

	status := map[string]TenantStatus{}
	for _, ts := range a.r.Status().Tenants {
		status[ts.ID] = ts
	}
	streamOf := map[int32]string{} // partition -> the shared tenants' stream
	for _, tn := range shared {
		ts := status[tn.id]
		if ts.Stream == "" {
			t.Fatalf("tenant %s runs a stream of its own: %+v", tn.id, ts)
		}
		if s, ok := streamOf[ts.Partition]; ok && s != ts.Stream {
			t.Errorf("partition %d: tenants in streams %s and %s, want one", ts.Partition, s, ts.Stream)
		}
		streamOf[ts.Partition] = ts.Stream
	}
	if len(streamOf) < 2 {
		t.Fatalf("8 tenants landed in %d partitions; the test needs two", len(streamOf))
	}
	if s := status[loner.id].Stream; s != "" {
		t.Errorf("a tenant with cache_resources shares stream %s", s)
	}
	if s := status[other.id].Stream; s == "" || slices.Contains(slices.Collect(maps.Values(streamOf)), s) {
		t.Errorf("a tenant with another output runs in stream %q, want one of its own kind", s)
	}
	for _, tn := range all {
		if n := eventsMetric(t, a)[tn.id]; n < 1 {
			t.Errorf("revel_poller_events_total{tenant=%q} = %v, want its events", tn.id, n)
		}
	}

	// The members of one partition leave: their stream stops, the rest
	// go on, and each change is still delivered once.
	var gone []*simTenant
	var stay []*simTenant
	var partition int32 = -1
	for _, tn := range shared {
		if p := status[tn.id].Partition; partition == -1 || p == partition {
			partition = p
			gone = append(gone, tn)
		} else {
			stay = append(stay, tn)
		}
	}
	for _, tn := range gone {
		if err := k.tenants.Delete(t.Context(), tn.id); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, progress, func() bool { return strings.Contains(a.logs.String(), "shared stream stopped") })
	for _, tn := range stay {
		tn.insert()
	}
	eventually(t, progress, k.allDelivered(stay...))
	// The stopped stream's own series (output_error, http_callback_*,
	// labelled with the stream) go with it.
	if n := seriesLabelled(t, a, streamOf[partition]); n > 0 {
		t.Errorf("%d series still labelled tenant=%q, a stream stopped", n, streamOf[partition])
	}
	if d := k.callback.duplicates(); len(d) > 0 {
		t.Errorf("delivered twice: %v", d)
	}
	for _, ts := range a.r.Status().Tenants {
		if ts.Stream == streamOf[partition] {
			t.Errorf("tenant %s still in the stopped stream %s", ts.ID, ts.Stream)
		}
	}

	// Joining a running stream checks the tenant as fully as starting
	// one: a section that belongs in the root config, or an input field
	// that does not lint, is refused with the reason.
	// Their ids land in the partition of a stream still running, the
	// default partitioner's choice (murmur2 of the key), as tenants put's.
	live := status[stay[0].id].Partition
	inLive := func(prefix string) string {
		part := kgo.StickyKeyPartitioner(nil).ForTopic(DefaultTenantsTopic)
		for i := 0; ; i++ {
			id := fmt.Sprintf("%s%d", prefix, i)
			if part.Partition(&kgo.Record{Key: []byte(id)}, 4) == int(live) {
				return id
			}
		}
	}
	rooted, unlinty, hijack := inLive("rooted"), inLive("unlinty"), inLive("hijack")
	for id, conf := range map[string]func(*simTenant) string{
		rooted:  func(tn *simTenant) string { return k.config(tn, "") + "logger:\n  level: DEBUG\n" },
		unlinty: func(tn *simTenant) string { return k.config(tn, "    no_such_field: 1\n") },
		// The shared streams' own input is not for tenants.
		hijack: func(*simTenant) string {
			return fmt.Sprintf("input:\n  %s:\n    stream: %s\noutput:\n  drop: {}\n", sharedInputPlugin, streamOf[live])
		},
	} {
		tn := k.newTenant(id)
		// Written past tenants put, which would refuse them first.
		rec := &kgo.Record{Key: []byte(id), Value: []byte(conf(tn))}
		if err := k.tenants.cl.ProduceSync(t.Context(), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	refused := func() bool {
		o := a.owns()
		return o[rooted] == statusRefused && o[unlinty] == statusRefused && o[hijack] == statusRefused
	}
	eventually(t, func() string { return fmt.Sprint(a.r.Status().Tenants) }, refused)
	for _, ts := range a.r.Status().Tenants {
		if want := map[string]string{rooted: "logger", unlinty: "no_such_field", hijack: sharedInputPlugin}[ts.ID]; want != "" && !strings.Contains(ts.Problem, want) {
			t.Errorf("tenant %s refused with %q, want it to name %s", ts.ID, ts.Problem, want)
		}
	}
}

// eventsMetric sums revel_poller_events_total by tenant.
func eventsMetric(t *testing.T, rn *running) map[string]float64 {
	t.Helper()
	families, err := rn.m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "revel_poller_events_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "tenant" {
					out[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// TestBlockedOutputsReleaseWithinTheRebalanceTimeout: a replica leaving
// while every shared stream's output is stuck releases its partitions
// within the rebalance timeout, as streams of their own do: a member that
// cannot drain in StopTimeout leaves its stream nothing more to wait for,
// and the streams stop side by side. Past the timeout the group would
// throw the replica out while its streams still deliver.
func TestBlockedOutputsReleaseWithinTheRebalanceTimeout(t *testing.T) {
	k := newKit(t)
	k.stopTimeout = time.Second
	var ts []*simTenant
	for i := range 4 {
		tn := k.newTenant(fmt.Sprintf("blocked%d", i))
		conf := k.config(tn, "")
		if i%2 == 1 {
			conf = strings.Replace(conf, "verb: POST", "verb: PUT", 1)
		}
		k.putConfig(tn, conf)
		ts = append(ts, tn)
	}
	a := k.start("a")
	progress := func() string { return k.callback.String() + "\n" + a.logs.String() }
	eventually(t, progress, k.allDelivered(ts...))
	streams := map[string]bool{}
	for _, s := range a.r.Status().Tenants {
		if s.Stream == "" {
			t.Fatalf("tenant %s runs a stream of its own", s.ID)
		}
		streams[s.Stream] = true
	}
	if len(streams) < 2 {
		t.Fatalf("the tenants share %d streams; the test needs two", len(streams))
	}

	// Every tenant's next page is held by the receiver, longer than the
	// rebalance timeout.
	k.callback.delay.Store(int64(4 * time.Second))
	for _, tn := range ts {
		tn.insert()
	}
	eventually(t, progress, func() bool { return k.callback.inFlight.Load() == int32(len(ts)) })
	a.stop()
	a.r.mu.Lock()
	took, released := a.r.lastMove, a.r.handovers["released"]
	a.r.mu.Unlock()
	if released == 0 {
		t.Fatal("no partition released")
	}
	t.Logf("released %d shared streams with blocked outputs in %s", len(streams), took)
	if limit := 2 * k.stopTimeout; took >= limit {
		t.Errorf("releasing %d shared streams with blocked outputs took %s, past the rebalance timeout %s", len(streams), took, limit)
	}
}

// seriesLabelled counts rn's series whose tenant label is tenant.
func seriesLabelled(t *testing.T, rn *running, tenant string) int {
	t.Helper()
	families, err := rn.m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "tenant" && l.GetValue() == tenant {
					n++
				}
			}
		}
	}
	return n
}

// A member whose Revel cannot be reached says so in /fleet, with the
// resource, while it keeps retrying.
func TestUnreachableRevelIsAMembersProblem(t *testing.T) {
	k := newKit(t)
	tn := k.newTenant("far")
	k.putConfig(tn, strings.Replace(k.config(tn, ""), tn.sim.URL(), "http://127.0.0.1:1", 1))
	a := k.start("a")
	problem := func() string {
		for _, ts := range a.r.Status().Tenants {
			if ts.ID == "far" {
				return ts.Status + ": " + ts.Problem
			}
		}
		return ""
	}
	eventually(t, problem, func() bool { return strings.Contains(problem(), "employees: retrying") })
	if p := problem(); !strings.HasPrefix(p, statusRunning+": ") || !strings.Contains(p, "127.0.0.1:1") {
		t.Errorf("problem %q, want the running tenant's failed poll naming where it polls", p)
	}
}
