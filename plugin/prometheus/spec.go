package prometheus

import (
	"github.com/redpanda-data/benthos/v4/public/service"
)

// Field names: Redpanda Connect's prometheus exporter uses the same ones.
const (
	fPrefix            = "prefix"
	fHistogramBuckets  = "histogram_buckets"
	fAddProcessMetrics = "add_process_metrics"
	fAddGoMetrics      = "add_go_metrics"
)

// defaultBuckets, in seconds, span what Benthos and revel_poller time: a
// processor's tens of microseconds up to a Revel request retried for
// minutes. Sixteen buckets keep each series' cost modest.
var defaultBuckets = []any{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0}

// Spec describes the prometheus exporter's configuration; the reference
// docs are generated from it.
func Spec() *service.ConfigSpec {
	return service.NewConfigSpec().
		Beta().
		Summary("Serves metrics in the Prometheus text format on the HTTP server's `/metrics` endpoint, for Prometheus to scrape.").
		Description(`
Every metric of the pipeline is served: Benthos' own (`+"`input_received`"+`, `+"`output_sent`"+`, `+"`output_latency_ns`"+`, ...) and revel_poller's (`+"`revel_poller_*`"+`), with their labels. It is revel-connect's default: a config without a `+"`metrics`"+` section uses it. The endpoint is on Benthos' HTTP server (`+"`http.address`"+`, which revel-connect binds to `+"`127.0.0.1:4195`"+` unless told otherwise: a Prometheus on another machine needs an address it can reach); `+"`/stats`"+` serves the same.

Names and label keys are made valid for Prometheus: any character other than a letter, digit, `+"`_`"+` or `+"`:`"+` becomes `+"`_`"+`, so that every scraper can parse them. Counters and gauges keep their names. Timers become histograms in seconds, Prometheus' base unit, and a name ending in `+"`_ns`"+` ends in `+"`_seconds`"+` instead: `+"`output_latency_ns`"+` is served as `+"`output_latency_seconds_bucket`"+`, `+"`_sum`"+` and `+"`_count`"+`. Histograms, unlike summaries, can be summed across replicas before taking a quantile.

Rename or drop metrics with Benthos' `+"`metrics.mapping`"+`.
`).
		Fields(
			service.NewStringField(fPrefix).
				Description("Prepended to every metric name with an underscore, so that several services' metrics in one Prometheus stay apart: `revel` serves `revel_input_received`. Empty keeps the names as they are.").
				Default(""),
			service.NewFloatListField(fHistogramBuckets).
				Description("Upper bounds, in seconds, of the histogram buckets of every timer. The default spans 100µs to one minute.").
				Default(defaultBuckets).Advanced(),
			service.NewBoolField(fAddProcessMetrics).
				Description("Also serve the process' CPU time, resident memory, open file descriptors and start time (`process_*`), to alert on a leak or a restart loop.").
				Default(false),
			service.NewBoolField(fAddGoMetrics).
				Description("Also serve the Go runtime's goroutines, heap and garbage collection statistics (`go_*`).").
				Default(false),
		).
		Example("Scraped on 4195", "Serves /metrics on the HTTP server, with process statistics, to a Prometheus on another machine of a private network (the server also serves /ready and /ping).", `
http:
  address: 0.0.0.0:4195
metrics:
  prometheus:
    add_process_metrics: true
`)
}
