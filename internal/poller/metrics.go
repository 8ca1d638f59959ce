package poller

import (
	"slices"
	"strconv"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// metrics are the input's own metrics, labelled by resource; the exported
// names are documented in docs/metrics.md. An input that shares a stream
// with other tenants' (the fleet's) labels them by tenant first.
type metrics struct {
	polls       counter
	pages       counter
	records     counter
	suppressed  counter
	events      counter
	responses   counter
	retries     counter
	rateWaits   counter
	commits     counter
	commitFails counter
	unacked     gauge
	lag         gauge
	known       gauge
	auditMissed counter
	ledgerIDs   gauge
	failures    counter
	lastError   gauge
	fallbacks   counter
	repairs     counter
	outside     counter
}

// newMetrics creates the input's metrics; with a tenant, each has a
// leading tenant label.
func newMetrics(m *service.Metrics, tenant string) *metrics {
	var pre []string
	if tenant != "" {
		pre = []string{tenant}
	}
	c := func(name string, labels ...string) counter {
		return counter{m.NewCounter(name, withTenant(pre, labels)...), pre}
	}
	g := func(name string, labels ...string) gauge {
		return gauge{m.NewGauge(name, withTenant(pre, labels)...), pre}
	}
	return &metrics{
		polls:       c("revel_poller_polls_total", "resource"),
		pages:       c("revel_poller_pages_total", "resource"),
		records:     c("revel_poller_records_total", "resource"),
		suppressed:  c("revel_poller_records_suppressed_total", "resource"),
		events:      c("revel_poller_events_total", "resource", "type"),
		responses:   c("revel_poller_responses_total", "resource", "class"),
		retries:     c("revel_poller_retries_total", "resource"),
		rateWaits:   c("revel_poller_rate_limit_waits_total", "resource"),
		commits:     c("revel_poller_checkpoint_commits_total", "resource"),
		commitFails: c("revel_poller_checkpoint_errors_total", "resource"),
		unacked:     g("revel_poller_unacked_messages", "resource"),
		lag:         g("revel_poller_cursor_lag_seconds", "resource"),
		known:       g("revel_poller_known_ids", "resource"),
		auditMissed: c("revel_poller_audit_missed_total", "resource"),
		ledgerIDs:   g("revel_poller_audit_ledger_ids", "resource"),
		failures:    c("revel_poller_poll_failures_total", "resource"),
		lastError:   g("revel_poller_last_error_timestamp_seconds", "resource"),
		fallbacks:   c("revel_poller_paging_fallbacks_total", "resource", "cause"),
		repairs:     c("revel_poller_paging_repairs_total", "resource", "cause"),
		outside:     c("revel_poller_records_outside_window_total", "resource"),
	}
}

// TenantLabel is the label key NewMember's metrics lead with.
const TenantLabel = "tenant"

// withTenant is labels led by the tenant label key when pre holds a tenant.
func withTenant(pre, labels []string) []string {
	if pre == nil {
		return labels
	}
	return append([]string{TenantLabel}, labels...)
}

type counter struct {
	c   *service.MetricCounter
	pre []string
}

func (c counter) Incr(n int64, labels ...string) { c.c.Incr(n, withValues(c.pre, labels)...) }

type gauge struct {
	g   *service.MetricGauge
	pre []string
}

func (g gauge) Set(v int64, labels ...string) { g.g.Set(v, withValues(g.pre, labels)...) }

func withValues(pre, labels []string) []string {
	if pre == nil {
		return labels
	}
	return append(slices.Clone(pre), labels...)
}

// statusClass groups HTTP statuses as 2xx, 4xx, 5xx.
func statusClass(code int) string {
	return strconv.Itoa(code/100) + "xx"
}
