package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// sample is one scraped series' value and labels.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads the Prometheus text exposition at url.
func scrape(ctx context.Context, url string) ([]sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("metrics %q: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s answered %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("metrics: %s: %w", url, err)
	}
	var out []sample
	for name, f := range families {
		if !strings.HasPrefix(name, "revel_poller_") {
			continue
		}
		for _, m := range f.GetMetric() {
			s := sample{name: name, labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				s.value = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				s.value = m.GetGauge().GetValue()
			case dto.MetricType_UNTYPED:
				s.value = m.GetUntyped().GetValue()
			default:
				continue
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// matches reports whether series m belongs to s: the same resource, and,
// where the series says, the same input label and stream (streams mode
// names a stream after its file).
func (s *resourceStatus) matches(m sample) bool {
	if m.labels["resource"] != s.Resource {
		return false
	}
	if l, ok := m.labels["label"]; ok && l != "" && s.Input != "" && l != s.Input {
		return false
	}
	if st, ok := m.labels["stream"]; ok && st != "" && st != strings.TrimSuffix(s.Config, filepath.Ext(s.Config)) {
		return false
	}
	return true
}

// addMetrics takes the live lag and the error counts from series; the
// scrape happened at now.
func (s *resourceStatus) addMetrics(series []sample, now time.Time) {
	var lag *float64
	errs := &errorCounts{}
	found := false
	for _, m := range series {
		if !s.matches(m) {
			continue
		}
		found = true
		switch m.name {
		case "revel_poller_cursor_lag_seconds":
			if lag == nil || m.value > *lag { // several matching series: the worst
				v := m.value
				lag = &v
			}
		case "revel_poller_responses_total":
			switch m.labels["class"] {
			case "4xx":
				errs.Responses4xx += m.value
			case "5xx":
				errs.Responses5xx += m.value
			}
		case "revel_poller_poll_failures_total":
			errs.PollFailures += m.value
		case "revel_poller_last_error_timestamp_seconds":
			if t := time.Unix(int64(m.value), 0).UTC(); m.value > 0 && (errs.LastError == nil || t.After(*errs.LastError)) {
				errs.LastError = &t
			}
		case "revel_poller_retries_total":
			errs.Retries += m.value
		case "revel_poller_checkpoint_errors_total":
			errs.CheckpointErrors += m.value
		case "revel_poller_unacked_messages":
			errs.Unacked += m.value
		}
	}
	if !found {
		return
	}
	s.Errors = errs
	// The gauge is served once a cycle's changes are all delivered.
	if lag != nil {
		s.LagSeconds, s.LagFrom = lag, "metrics"
		s.LastPoll = timePtr(now.Add(-time.Duration(*lag * float64(time.Second))).Truncate(time.Second))
	}
}
