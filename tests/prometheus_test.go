package tests

import (
	"fmt"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/revel-connect/revel-connect/internal/testutil"
	_ "github.com/revel-connect/revel-connect/plugin/prometheus"
	"github.com/revel-connect/revel-connect/revelsim"
)

// metricValue is the value of the series of family name whose labels
// include want, or -1 if there is none.
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	for _, m := range fams[name].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// TestPrometheusScrapeOfARunningPipeline serves /metrics from Benthos' own
// HTTP server, configured as users configure it, and checks Benthos',
// a processor's and revel_poller's metrics with their labels.
func TestPrometheusScrapeOfARunningPipeline(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 3; i++ {
		sim.Insert("Employee", map[string]any{"first_name": fmt.Sprint("E", i)})
	}
	addr := freeAddr(t)
	conf := pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", "")) + fmt.Sprintf(`
http:
  enabled: true
  address: %s
metrics:
  prometheus:
    add_process_metrics: true
pipeline:
  processors:
    - metric:
        type: counter
        name: revel_events_seen
        labels:
          event_type: ${! @revel_event_type }
output:
  drop: {}
`, addr)
	runYAML(t, conf, nil)
	url := "http://" + addr + "/metrics"

	var fams map[string]*dto.MetricFamily
	eventually(t, func() string { return fmt.Sprintf("input_received in %v", fams["input_received"]) }, func() bool {
		fams = testutil.Scrape(t, url)
		return metricValue(fams, "output_sent", nil) == 3
	})
	eventually(t, func() string { return "further polls" }, cycles(sim, "/resources/Employee/", 3))
	fams = testutil.Scrape(t, url)

	for _, c := range []struct {
		name   string
		labels map[string]string
		want   func(float64) bool
	}{
		{"input_received", map[string]string{"path": "root.input"}, func(v float64) bool { return v == 3 }},
		{"output_sent", map[string]string{"path": "root.output"}, func(v float64) bool { return v == 3 }},
		{"output_latency_seconds", map[string]string{"path": "root.output"}, func(v float64) bool { return v >= 1 }},
		{"revel_events_seen", map[string]string{"event_type": "CREATED"}, func(v float64) bool { return v == 3 }},
		{"revel_poller_polls_total", map[string]string{"resource": "employees"}, func(v float64) bool { return v >= 3 }},
		{"revel_poller_events_total", map[string]string{"resource": "employees", "type": "CREATED"}, func(v float64) bool { return v == 3 }},
		{"revel_poller_responses_total", map[string]string{"resource": "employees", "class": "2xx"}, func(v float64) bool { return v >= 3 }},
		{"revel_poller_cursor_lag_seconds", map[string]string{"resource": "employees"}, func(v float64) bool { return v >= 0 }},
		{"process_start_time_seconds", nil, func(v float64) bool { return v > 0 }},
	} {
		if v := metricValue(fams, c.name, c.labels); !c.want(v) {
			t.Errorf("%s%v = %v", c.name, c.labels, v)
		}
	}
	for name := range fams {
		if strings.HasSuffix(name, "_ns") {
			t.Errorf("%s is served in nanoseconds", name)
		}
	}
}
