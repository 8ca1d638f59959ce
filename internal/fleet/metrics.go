package fleet

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/poller"
)

// Metrics are a replica's Prometheus metrics: the fleet's own (revel_fleet_*)
// and, labelled by tenant, the revel_poller_* metrics and output errors of
// every tenant's stream. Benthos' other per-stream metrics are left out:
// at thousands of tenants they would dwarf everything else.
type Metrics struct {
	Registry *prometheus.Registry

	generation   prometheus.Gauge
	partitions   prometheus.Gauge
	owned        *prometheus.GaugeVec // tenant, partition, status
	handovers    *prometheus.CounterVec
	handoverTime *prometheus.HistogramVec
	stateWrites  *prometheus.CounterVec
	staleRecords prometheus.Counter
	refusals     prometheus.Counter

	mu      sync.Mutex
	tenants map[string]prometheus.Collector // name \x00 label keys -> vector with a leading tenant label
	ownedAs map[string][2]string            // tenant -> its owned series' partition and status
}

// NewMetrics registers the fleet's metrics and the process and Go runtime
// collectors in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		generation: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "revel_fleet_group_generation", Help: "The consumer group generation this replica last joined."}),
		partitions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "revel_fleet_partitions_owned", Help: "Partitions of the tenants topic this replica owns."}),
		owned: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "revel_fleet_tenant_owned", Help: "1 for each tenant this replica owns, with its partition and status (running, refused, failed)."},
			[]string{"tenant", "partition", "status"}),
		handovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "revel_fleet_handovers_total", Help: "Partitions acquired, released (gracefully) and lost (session expired) by this replica."},
			[]string{"kind"}),
		handoverTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "revel_fleet_handover_seconds", Help: "Time to acquire (load state, claim) or release (stop tenants, save checkpoints) a set of partitions.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}},
			[]string{"kind"}),
		stateWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "revel_fleet_state_writes_total", Help: "Checkpoint writes to the state topic, by result (ok, error; errors are retried)."},
			[]string{"result"}),
		staleRecords: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "revel_fleet_stale_state_records_total", Help: "State records ignored when loading a partition because a newer owner's epoch had written the key: fenced zombie writes."}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "revel_fleet_tenant_refusals_total", Help: "Tenant configs refused because they do not parse or lint."}),
		tenants: map[string]prometheus.Collector{},
		ownedAs: map[string][2]string{},
	}
	m.Registry.MustRegister(m.generation, m.partitions, m.owned, m.handovers, m.handoverTime, m.stateWrites, m.staleRecords, m.refusals,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	return m
}

func (m *Metrics) handover(kind string, d time.Duration) {
	m.handovers.WithLabelValues(kind).Inc()
	m.handoverTime.WithLabelValues(kind).Observe(d.Seconds())
}

func (m *Metrics) stateWrite(err error) {
	if err != nil {
		m.stateWrites.WithLabelValues("error").Inc()
		return
	}
	m.stateWrites.WithLabelValues("ok").Inc()
}

// keepTenantMetric reports whether a stream metric is exported per tenant.
// http_callback_* stays: the output retries a refusing callback without
// end and never counts an output_error, so its retries are what show a
// tenant's callback down.
func keepTenantMetric(name string) bool {
	return strings.HasPrefix(name, "revel_poller_") || strings.HasPrefix(name, "http_callback_") || name == "output_error"
}

// forTenant is a Benthos metrics exporter that adds tenant=id to the
// metrics it keeps.
func (m *Metrics) forTenant(id string) service.MetricsExporter {
	return &tenantExporter{m: m, tenant: id}
}

// setOwned publishes a tenant's partition and status in
// revel_fleet_tenant_owned, replacing the series it had.
func (m *Metrics) setOwned(id string, partition int32, status string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.ownedAs[id]; ok {
		m.owned.DeleteLabelValues(id, prev[0], prev[1])
	}
	labels := [2]string{strconv.Itoa(int(partition)), status}
	m.ownedAs[id] = labels
	m.owned.WithLabelValues(id, labels[0], labels[1]).Set(1)
}

// forgetTenants drops the series of tenants whose streams are gone. It
// reads each vector once for all of them: a replica releasing thousands
// of tenants would otherwise scan every series once a tenant.
func (m *Metrics) forgetTenants(ids []string) {
	gone := make(map[string]bool, len(ids))
	for _, id := range ids {
		gone[id] = true
	}
	m.mu.Lock()
	for _, id := range ids {
		if prev, ok := m.ownedAs[id]; ok {
			m.owned.DeleteLabelValues(id, prev[0], prev[1])
			delete(m.ownedAs, id)
		}
	}
	vectors := maps.Clone(m.tenants)
	m.mu.Unlock()
	for key, c := range vectors {
		_, names, _ := strings.Cut(key, "\x00")
		keys := strings.Split(names, ",")
		v, ok := c.(interface{ DeleteLabelValues(...string) bool })
		if !ok {
			continue
		}
		for _, values := range seriesOf(c, keys, gone) {
			v.DeleteLabelValues(values...)
		}
	}
}

// seriesOf lists the label values, in the order of keys, of c's series
// whose tenant is in tenants.
func seriesOf(c prometheus.Collector, keys []string, tenants map[string]bool) [][]string {
	ch := make(chan prometheus.Metric, 256)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	var out [][]string
	for metric := range ch {
		var d dto.Metric
		if metric.Write(&d) != nil {
			continue
		}
		byName := make(map[string]string, len(d.GetLabel()))
		for _, l := range d.GetLabel() {
			byName[l.GetName()] = l.GetValue()
		}
		if !tenants[byName["tenant"]] {
			continue
		}
		values := make([]string, len(keys))
		for i, k := range keys {
			values[i] = byName[k]
		}
		out = append(out, values)
	}
	return out
}

// vector returns the vector of name, creating it with labels; nil if name
// is already a vector of another kind or other labels.
func (m *Metrics) vector(name string, labels []string, create func() prometheus.Collector) prometheus.Collector {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := name + "\x00" + strings.Join(labels, ",")
	if c, ok := m.tenants[key]; ok {
		return c
	}
	for k := range m.tenants {
		if strings.HasPrefix(k, name+"\x00") {
			return nil
		}
	}
	c := create()
	if err := m.Registry.Register(c); err != nil {
		return nil
	}
	m.tenants[key] = c
	return c
}

type tenantExporter struct {
	m      *Metrics
	tenant string
}

// keys are a metric's label keys with tenant first, and how to order a
// series' values to match: the tenant's id leads, unless the metric is a
// shared stream member's, which brings its own tenant label (after the
// label and path labels Benthos puts first).
func (e *tenantExporter) keys(labels []string) ([]string, func([]string) []string) {
	i := slices.Index(labels, poller.TenantLabel)
	if i < 0 {
		return append([]string{"tenant"}, labels...), func(values []string) []string {
			return append([]string{e.tenant}, values...)
		}
	}
	keys := append(append([]string{labels[i]}, labels[:i]...), labels[i+1:]...)
	return keys, func(values []string) []string {
		return append(append([]string{values[i]}, values[:i]...), values[i+1:]...)
	}
}

type noop struct{}

func (noop) Incr(int64)          {}
func (noop) IncrFloat64(float64) {}
func (noop) Timing(int64)        {}
func (noop) Set(int64)           {}
func (noop) SetFloat64(float64)  {}

func (e *tenantExporter) NewCounterCtor(name string, labels ...string) service.MetricsExporterCounterCtor {
	keys, order := e.keys(labels)
	var v *prometheus.CounterVec
	if keepTenantMetric(name) {
		v, _ = e.m.vector(name, keys, func() prometheus.Collector {
			return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: "Benthos metric " + name + ", by tenant."}, keys)
		}).(*prometheus.CounterVec)
	}
	return func(values ...string) service.MetricsExporterCounter {
		if v == nil {
			return noop{}
		}
		return counter{v.WithLabelValues(order(values)...)}
	}
}

func (e *tenantExporter) NewTimerCtor(name string, labels ...string) service.MetricsExporterTimerCtor {
	keys, order := e.keys(labels)
	var v *prometheus.HistogramVec
	if keepTenantMetric(name) {
		v, _ = e.m.vector(name, keys, func() prometheus.Collector {
			return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: "Benthos timing " + name + " in seconds, by tenant."}, keys)
		}).(*prometheus.HistogramVec)
	}
	return func(values ...string) service.MetricsExporterTimer {
		if v == nil {
			return noop{}
		}
		return timer{v.WithLabelValues(order(values)...)}
	}
}

func (e *tenantExporter) NewGaugeCtor(name string, labels ...string) service.MetricsExporterGaugeCtor {
	keys, order := e.keys(labels)
	var v *prometheus.GaugeVec
	if keepTenantMetric(name) {
		v, _ = e.m.vector(name, keys, func() prometheus.Collector {
			return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: "Benthos metric " + name + ", by tenant."}, keys)
		}).(*prometheus.GaugeVec)
	}
	return func(values ...string) service.MetricsExporterGauge {
		if v == nil {
			return noop{}
		}
		return gauge{v.WithLabelValues(order(values)...)}
	}
}

func (e *tenantExporter) Close(context.Context) error { return nil }

type counter struct{ c prometheus.Counter }

func (c counter) Incr(n int64)          { c.c.Add(float64(n)) }
func (c counter) IncrFloat64(n float64) { c.c.Add(n) }

type timer struct{ o prometheus.Observer }

func (t timer) Timing(ns int64) { t.o.Observe(float64(ns) / 1e9) }

type gauge struct{ g prometheus.Gauge }

func (g gauge) Set(n int64)          { g.g.Set(float64(n)) }
func (g gauge) SetFloat64(n float64) { g.g.Set(n) }
