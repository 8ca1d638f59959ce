package fleet

import (
	"slices"
	"testing"
)

// TestForgetTenantsDropsOnlyTheirSeries: the series of tenants whose
// streams stopped go, whether their stream was their own or shared; the
// others' stay, and revel_fleet_tenant_owned keeps one series a tenant.
func TestForgetTenantsDropsOnlyTheirSeries(t *testing.T) {
	m := NewMetrics()
	// Benthos leads a component's labels with its label and path.
	own := m.forTenant("a").NewCounterCtor("revel_poller_polls_total", "label", "path", "resource")
	own("", "root.input", "employees").Incr(1)
	shared := m.forTenant("p0-abc").NewCounterCtor("revel_poller_polls_total", "label", "path", "tenant", "resource")
	shared("", "root.input", "b", "employees").Incr(1)
	shared("", "root.input", "c", "employees").Incr(1)
	shared("", "root.input", "c", "customers").Incr(1)
	for _, id := range []string{"a", "b", "c"} {
		m.setOwned(id, 1, statusRunning)
	}
	m.setOwned("c", 2, statusFailed)

	m.forgetTenants([]string{"a", "b"})

	if got := tenantsOf(t, m, "revel_poller_polls_total"); !slices.Equal(got, []string{"c", "c"}) {
		t.Errorf("revel_poller_polls_total series by tenant: %v, want c's two", got)
	}
	if got := tenantsOf(t, m, "revel_fleet_tenant_owned"); !slices.Equal(got, []string{"c"}) {
		t.Errorf("revel_fleet_tenant_owned series by tenant: %v, want one for c", got)
	}
}

// tenantsOf lists the tenant label of each series of the named metric.
func tenantsOf(t *testing.T, m *Metrics, name string) []string {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "tenant" {
					out = append(out, l.GetValue())
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
