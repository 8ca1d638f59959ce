// Package prometheus is the prometheus metrics exporter: the pipeline's
// metrics, Benthos' and revel_poller's, served for Prometheus to scrape on
// the Benthos HTTP server's /metrics.
//
// Only cmd/revel-connect imports it, so that Redpanda Connect's exporter of
// the same name never meets it.
package prometheus

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redpanda-data/benthos/v4/public/service"
)

func init() {
	service.MustRegisterMetricsExporter("prometheus", Spec(),
		func(pc *service.ParsedConfig, log *service.Logger) (service.MetricsExporter, error) {
			return newExporter(pc, log)
		})
}

// exporter keeps every metric in a registry of its own, not client_golang's
// global one, so that streams built side by side (tests, streams mode) do
// not collide.
type exporter struct {
	registry *prometheus.Registry
	handler  http.Handler
	prefix   string
	buckets  []float64
	log      *service.Logger

	mu      sync.Mutex
	vectors map[string]vector
}

// vector is a registered metric family; signature is its kind and label
// keys, which every later request for the same name must match.
type vector struct {
	signature string
	collector prometheus.Collector
}

func newExporter(pc *service.ParsedConfig, log *service.Logger) (*exporter, error) {
	e := &exporter{registry: prometheus.NewRegistry(), log: log, vectors: map[string]vector{}}
	var err error
	if e.prefix, err = pc.FieldString(fPrefix); err != nil {
		return nil, err
	}
	if e.buckets, err = pc.FieldFloatList(fHistogramBuckets); err != nil {
		return nil, err
	}
	if len(e.buckets) == 0 {
		return nil, fmt.Errorf("%s must hold at least one bucket", fHistogramBuckets)
	}
	for i := 1; i < len(e.buckets); i++ {
		if e.buckets[i] <= e.buckets[i-1] {
			return nil, fmt.Errorf("%s must be in increasing order: %v", fHistogramBuckets, e.buckets)
		}
	}
	process, err := pc.FieldBool(fAddProcessMetrics)
	if err != nil {
		return nil, err
	}
	if process {
		e.registry.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	goRuntime, err := pc.FieldBool(fAddGoMetrics)
	if err != nil {
		return nil, err
	}
	if goRuntime {
		e.registry.MustRegister(collectors.NewGoCollector())
	}
	e.handler = promhttp.HandlerFor(e.registry, promhttp.HandlerOpts{
		ErrorLog:      errorLog{log},
		ErrorHandling: promhttp.ContinueOnError,
	})
	return e, nil
}

// HandlerFunc serves the metrics; Benthos mounts it on /metrics and /stats.
func (e *exporter) HandlerFunc() http.HandlerFunc {
	return e.handler.ServeHTTP
}

// Close has nothing to release: the registry goes with the exporter.
func (e *exporter) Close(context.Context) error {
	return nil
}

// register returns the family registered under name, creating it if it is
// new, or nil if the name is taken by another kind or other labels: such a
// metric is logged and dropped rather than failing the pipeline.
func (e *exporter) register(name, kind string, labels []string, create func() prometheus.Collector) prometheus.Collector {
	signature := kind + "{" + strings.Join(labels, ",") + "}"
	e.mu.Lock()
	defer e.mu.Unlock()
	if v, ok := e.vectors[name]; ok {
		if v.signature == signature {
			return v.collector
		}
		e.log.Warnf("Metric %s is already a %s; not serving it as a %s", name, v.signature, signature)
		return nil
	}
	c := create()
	if err := e.registry.Register(c); err != nil {
		e.log.Warnf("Metric %s cannot be served: %v", name, err)
		return nil
	}
	e.vectors[name] = vector{signature: signature, collector: c}
	return c
}

func labelNames(keys []string) []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = labelName(k)
	}
	return names
}

// NewCounterCtor serves a counter under its (sanitised) name.
func (e *exporter) NewCounterCtor(name string, labelKeys ...string) service.MetricsExporterCounterCtor {
	fqName, labels := metricName(e.prefix, name), labelNames(labelKeys)
	vec, _ := e.register(fqName, "counter", labels, func() prometheus.Collector {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: fqName, Help: "Benthos counter " + name + "."}, labels)
	}).(*prometheus.CounterVec)
	return func(labelValues ...string) service.MetricsExporterCounter {
		if vec == nil {
			return dropped{}
		}
		c, err := vec.GetMetricWithLabelValues(labelValues...)
		if err != nil {
			return dropped{}
		}
		return counter{c}
	}
}

// NewGaugeCtor serves a gauge under its (sanitised) name.
func (e *exporter) NewGaugeCtor(name string, labelKeys ...string) service.MetricsExporterGaugeCtor {
	fqName, labels := metricName(e.prefix, name), labelNames(labelKeys)
	vec, _ := e.register(fqName, "gauge", labels, func() prometheus.Collector {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: fqName, Help: "Benthos gauge " + name + "."}, labels)
	}).(*prometheus.GaugeVec)
	return func(labelValues ...string) service.MetricsExporterGauge {
		if vec == nil {
			return dropped{}
		}
		g, err := vec.GetMetricWithLabelValues(labelValues...)
		if err != nil {
			return dropped{}
		}
		return gauge{g}
	}
}

// NewTimerCtor serves a timer as a histogram in seconds.
func (e *exporter) NewTimerCtor(name string, labelKeys ...string) service.MetricsExporterTimerCtor {
	fqName, labels := timerName(e.prefix, name), labelNames(labelKeys)
	vec, _ := e.register(fqName, "histogram", labels, func() prometheus.Collector {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    fqName,
			Help:    "Benthos timer " + name + ", in seconds.",
			Buckets: e.buckets,
		}, labels)
	}).(*prometheus.HistogramVec)
	return func(labelValues ...string) service.MetricsExporterTimer {
		if vec == nil {
			return dropped{}
		}
		h, err := vec.GetMetricWithLabelValues(labelValues...)
		if err != nil {
			return dropped{}
		}
		return timer{h}
	}
}

type counter struct{ c prometheus.Counter }

// Incr ignores a negative count, which a Prometheus counter would panic on.
func (c counter) Incr(n int64) {
	if n > 0 {
		c.c.Add(float64(n))
	}
}

func (c counter) IncrFloat64(n float64) {
	if n > 0 {
		c.c.Add(n)
	}
}

type gauge struct{ g prometheus.Gauge }

func (g gauge) Set(v int64)          { g.g.Set(float64(v)) }
func (g gauge) SetFloat64(v float64) { g.g.Set(v) }

type timer struct{ h prometheus.Observer }

// Timing observes a duration Benthos gives in nanoseconds as seconds.
func (t timer) Timing(ns int64) { t.h.Observe(float64(ns) / 1e9) }

// dropped stands in for a metric that cannot be served.
type dropped struct{}

func (dropped) Incr(int64)   {}
func (dropped) Set(int64)    {}
func (dropped) Timing(int64) {}

// errorLog reports metrics that fail to gather; the rest are still served.
type errorLog struct{ log *service.Logger }

func (l errorLog) Println(v ...any) { l.log.Error(fmt.Sprint(v...)) }
