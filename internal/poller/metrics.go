package poller

import (
	"strconv"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// metrics are the input's own metrics, labelled by resource; the exported
// names are documented in docs/metrics.md.
type metrics struct {
	polls       *service.MetricCounter
	pages       *service.MetricCounter
	records     *service.MetricCounter
	suppressed  *service.MetricCounter
	events      *service.MetricCounter
	responses   *service.MetricCounter
	retries     *service.MetricCounter
	rateWaits   *service.MetricCounter
	commits     *service.MetricCounter
	commitFails *service.MetricCounter
	unacked     *service.MetricGauge
	lag         *service.MetricGauge
	known       *service.MetricGauge
	auditMissed *service.MetricCounter
	ledgerIDs   *service.MetricGauge
	failures    *service.MetricCounter
	lastError   *service.MetricGauge
	fallbacks   *service.MetricCounter
	repairs     *service.MetricCounter
	outside     *service.MetricCounter
}

func newMetrics(m *service.Metrics) *metrics {
	return &metrics{
		polls:       m.NewCounter("revel_poller_polls_total", "resource"),
		pages:       m.NewCounter("revel_poller_pages_total", "resource"),
		records:     m.NewCounter("revel_poller_records_total", "resource"),
		suppressed:  m.NewCounter("revel_poller_records_suppressed_total", "resource"),
		events:      m.NewCounter("revel_poller_events_total", "resource", "type"),
		responses:   m.NewCounter("revel_poller_responses_total", "resource", "class"),
		retries:     m.NewCounter("revel_poller_retries_total", "resource"),
		rateWaits:   m.NewCounter("revel_poller_rate_limit_waits_total", "resource"),
		commits:     m.NewCounter("revel_poller_checkpoint_commits_total", "resource"),
		commitFails: m.NewCounter("revel_poller_checkpoint_errors_total", "resource"),
		unacked:     m.NewGauge("revel_poller_unacked_messages", "resource"),
		lag:         m.NewGauge("revel_poller_cursor_lag_seconds", "resource"),
		known:       m.NewGauge("revel_poller_known_ids", "resource"),
		auditMissed: m.NewCounter("revel_poller_audit_missed_total", "resource"),
		ledgerIDs:   m.NewGauge("revel_poller_audit_ledger_ids", "resource"),
		failures:    m.NewCounter("revel_poller_poll_failures_total", "resource"),
		lastError:   m.NewGauge("revel_poller_last_error_timestamp_seconds", "resource"),
		fallbacks:   m.NewCounter("revel_poller_paging_fallbacks_total", "resource", "cause"),
		repairs:     m.NewCounter("revel_poller_paging_repairs_total", "resource", "cause"),
		outside:     m.NewCounter("revel_poller_records_outside_window_total", "resource"),
	}
}

// statusClass groups HTTP statuses as 2xx, 4xx, 5xx.
func statusClass(code int) string {
	return strconv.Itoa(code/100) + "xx"
}
