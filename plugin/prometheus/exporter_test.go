package prometheus

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/redpanda-data/benthos/v4/public/service"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	"github.com/revel-connect/revel-connect/internal/testutil"
)

// served builds Benthos resources whose metrics go to the exporter
// configured by conf, and the loopback URL of their /metrics.
func served(t *testing.T, conf string) (*service.Resources, string) {
	t.Helper()
	mux := http.NewServeMux()
	b := service.NewResourceBuilder()
	b.SetHTTPMux(mux)
	if err := b.SetMetricsYAML("prometheus:\n" + conf); err != nil {
		t.Fatal(err)
	}
	res, stop, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		_ = stop(t.Context())
	})
	return res, srv.URL + "/metrics"
}

// series finds the metric of family name whose labels are exactly labels.
func series(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		var names []string
		for n := range fams {
			names = append(names, n)
		}
		t.Fatalf("no metric %s among %v", name, names)
	}
	want := strings.Join(labels, ",")
	var seen []string
	for _, m := range f.Metric {
		var got []string
		for _, l := range m.Label {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(got, ",") == want {
			return m
		}
		seen = append(seen, strings.Join(got, ","))
	}
	t.Fatalf("%s has no series {%s}, only %v", name, want, seen)
	return nil
}

func TestPrometheusServiceMetricsAreServedWithTheirLabels(t *testing.T) {
	res, url := served(t, "  {}")
	m := res.Metrics()
	polls := m.NewCounter("revel_poller_polls_total", "resource")
	polls.Incr(3, "employees")
	polls.Incr(2, "employees")
	polls.Incr(1, "orders")
	events := m.NewCounter("revel_poller_events_total", "resource", "type")
	events.Incr(4, "orders", "CREATED")
	lag := m.NewGauge("revel_poller_cursor_lag_seconds", "resource")
	lag.Set(90, "employees")
	lag.SetFloat64(1.5, "orders")
	latency := m.NewTimer("revel_poller_request_ns", "resource")
	latency.Timing(2_000_000, "orders")   // 2ms
	latency.Timing(300_000_000, "orders") // 300ms

	fams := testutil.Scrape(t, url)
	if f := fams["revel_poller_polls_total"]; f.GetType() != dto.MetricType_COUNTER {
		t.Errorf("polls is a %v", f.GetType())
	}
	if v := series(t, fams, "revel_poller_polls_total", "resource=employees").GetCounter().GetValue(); v != 5 {
		t.Errorf("employees polls = %v, want 5", v)
	}
	if v := series(t, fams, "revel_poller_polls_total", "resource=orders").GetCounter().GetValue(); v != 1 {
		t.Errorf("orders polls = %v, want 1", v)
	}
	if v := series(t, fams, "revel_poller_events_total", "resource=orders", "type=CREATED").GetCounter().GetValue(); v != 4 {
		t.Errorf("events = %v, want 4", v)
	}
	if v := series(t, fams, "revel_poller_cursor_lag_seconds", "resource=employees").GetGauge().GetValue(); v != 90 {
		t.Errorf("lag = %v, want 90", v)
	}
	if v := series(t, fams, "revel_poller_cursor_lag_seconds", "resource=orders").GetGauge().GetValue(); v != 1.5 {
		t.Errorf("fractional lag = %v, want 1.5", v)
	}

	h := series(t, fams, "revel_poller_request_seconds", "resource=orders").GetHistogram()
	if h.GetSampleCount() != 2 || h.GetSampleSum() != 0.302 {
		t.Errorf("histogram count %d sum %v, want 2 observations summing to 0.302s", h.GetSampleCount(), h.GetSampleSum())
	}
	cumulative := map[float64]uint64{}
	for _, b := range h.Bucket {
		cumulative[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if len(cumulative) != len(defaultBuckets)+1 || // and +Inf
		cumulative[0.001] != 0 || cumulative[0.005] != 1 || cumulative[0.25] != 1 || cumulative[0.5] != 2 {
		t.Errorf("buckets %v", cumulative)
	}
}

func TestPrometheusNamesAndLabelsAreMadeValidAndPrefixed(t *testing.T) {
	res, url := served(t, "  prefix: revel\n  histogram_buckets: [ 0.1, 1 ]\n")
	m := res.Metrics()
	m.NewCounter("http.requests-total", "status.class", "9lives", "__reserved").Incr(1, "2xx", "a", "b")
	m.NewTimer("output_latency_ns").Timing(500_000_000)
	m.NewGauge("1st_gauge").Set(7)

	fams := testutil.Scrape(t, url)
	if v := series(t, fams, "revel_http_requests_total", "_9lives=a", "_reserved=b", "status_class=2xx").GetCounter().GetValue(); v != 1 {
		t.Errorf("counter = %v", v)
	}
	h := series(t, fams, "revel_output_latency_seconds").GetHistogram()
	if len(h.Bucket) != 3 || h.Bucket[0].GetCumulativeCount() != 0 || h.Bucket[1].GetCumulativeCount() != 1 {
		t.Errorf("custom buckets: %v", h.Bucket)
	}
	if v := series(t, fams, "revel_1st_gauge").GetGauge().GetValue(); v != 7 {
		t.Errorf("gauge = %v", v)
	}
	for _, tc := range [][2]string{{"1st", "_1st"}, {"a.b:c", "a_b:c"}, {"", "_"}, {"ümlaut", "_mlaut"}} {
		if got := metricName("", tc[0]); got != tc[1] {
			t.Errorf("metricName(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	if got := labelName("a:b"); got != "a_b" {
		t.Errorf("labelName(a:b) = %q", got)
	}
}

func TestPrometheusConflictingMetricsAreDroppedNotFatal(t *testing.T) {
	res, url := served(t, "  {}")
	m := res.Metrics()
	m.NewCounter("shared", "a").Incr(1, "x")
	m.NewGauge("shared", "a").Set(5, "x")             // another kind
	m.NewCounter("shared", "b").Incr(1, "y")          // other labels
	m.NewCounter("shared", "a").Incr(1, "x")          // the same again: reused
	m.NewCounter("shared", "a").Incr(1, "x", "extra") // wrong label count
	m.NewCounter("shared", "a").Incr(-4, "x")         // counters never go down

	fams := testutil.Scrape(t, url)
	if f := fams["shared"]; f.GetType() != dto.MetricType_COUNTER || len(f.Metric) != 1 {
		t.Fatalf("shared = %v", f)
	}
	if v := series(t, fams, "shared", "a=x").GetCounter().GetValue(); v != 2 {
		t.Errorf("shared = %v, want 2", v)
	}
}

func TestPrometheusProcessAndGoMetricsAreOptional(t *testing.T) {
	_, plain := served(t, "  {}")
	_, full := served(t, "  add_process_metrics: true\n  add_go_metrics: true\n")
	has := func(fams map[string]*dto.MetricFamily, prefix string) bool {
		for n := range fams {
			if strings.HasPrefix(n, prefix) {
				return true
			}
		}
		return false
	}
	if fams := testutil.Scrape(t, plain); has(fams, "go_") || has(fams, "process_") {
		t.Error("runtime metrics served without being asked for")
	}
	fams := testutil.Scrape(t, full)
	if !has(fams, "go_goroutines") || !has(fams, "process_start_time_seconds") {
		t.Error("go_goroutines or process_start_time_seconds missing")
	}
}

func TestPrometheusInvalidBucketsAreRejected(t *testing.T) {
	for _, buckets := range []string{"[]", "[ 1, 0.5 ]", "[ 1, 1 ]"} {
		b := service.NewResourceBuilder()
		if err := b.SetMetricsYAML(fmt.Sprintf("prometheus:\n  histogram_buckets: %s\n", buckets)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.Build(); err == nil || !strings.Contains(err.Error(), "histogram_buckets") {
			t.Errorf("%s: err = %v", buckets, err)
		}
	}
}
