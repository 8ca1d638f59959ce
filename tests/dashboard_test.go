package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/VictoriaMetrics/metricsql"
	dto "github.com/prometheus/client_model/go"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

// dashboardFile is the Grafana dashboard shipped in deploy/.
var dashboardFile = filepath.Join("..", "deploy", "grafana", "revel-connect.json")

type grafanaPanel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"` // a collapsed row's
}

// dashboardQueries returns every panel query by panel title, and the
// templating queries.
func dashboardQueries(t *testing.T) (map[string][]string, []string) {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels     []grafanaPanel `json:"panels"`
		Templating struct {
			List []struct {
				Type       string `json:"type"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	queries := map[string][]string{}
	ids := map[int]bool{}
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			if ids[p.ID] {
				t.Errorf("panel id %d repeats", p.ID)
			}
			ids[p.ID] = true
			for _, tg := range p.Targets {
				queries[p.Title] = append(queries[p.Title], tg.Expr)
			}
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	var templ []string
	for _, v := range d.Templating.List {
		if v.Type == "query" {
			templ = append(templ, v.Definition)
		}
	}
	return queries, templ
}

// grafanaVars are what Grafana substitutes before a query reaches
// Prometheus.
var grafanaVars = strings.NewReplacer("$__rate_interval", "1m", "$__interval", "30s", "$__range", "6h", "$resource", "employees|orders")

// PromQL's functions that take a range vector, and its other functions and
// aggregations: MetricsQL, whose parser this test uses, accepts more, so
// anything beyond these is refused here.
var (
	promRangeFuncs = []string{"rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets", "predict_linear",
		"avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time", "last_over_time", "quantile_over_time", "stddev_over_time"}
	promFuncs = []string{"abs", "ceil", "floor", "round", "clamp_min", "clamp_max", "histogram_quantile", "time", "timestamp",
		"vector", "scalar", "label_replace", "absent", "sort", "sort_desc"}
	promAggrs     = []string{"sum", "min", "max", "avg", "count", "stddev", "topk", "bottomk", "quantile", "count_values", "group"}
	promBinaryOps = []string{"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless", "atan2"}
	withTemplate  = regexp.MustCompile(`(?i)\bwith\s*\(`)
)

// checkPromQL parses q as PromQL and returns the metric names it reads.
func checkPromQL(q string) ([]string, error) {
	if withTemplate.MatchString(q) {
		return nil, fmt.Errorf("WITH templates are MetricsQL's, not PromQL")
	}
	e, err := metricsql.Parse(q)
	if err != nil {
		return nil, err
	}
	var names []string
	var problems []string
	var visit func(e metricsql.Expr, rangeArg bool)
	visit = func(e metricsql.Expr, rangeArg bool) {
		switch e := e.(type) {
		case *metricsql.MetricExpr:
			if rangeArg {
				problems = append(problems, fmt.Sprintf("%s needs a [range]", e.AppendString(nil)))
			}
			for _, group := range e.LabelFilterss {
				for _, f := range group {
					if f.Label == "__name__" {
						names = append(names, f.Value)
					}
				}
			}
		case *metricsql.RollupExpr:
			switch {
			case e.Window == nil && rangeArg:
				problems = append(problems, fmt.Sprintf("%s needs a [range]", e.AppendString(nil)))
			case e.Window != nil && !rangeArg:
				problems = append(problems, fmt.Sprintf("%s: a range vector where PromQL wants an instant vector", e.AppendString(nil)))
			case e.Step != nil || e.InheritStep || e.At != nil:
				problems = append(problems, "subqueries and @ are not used here")
			}
			visit(e.Expr, false)
		case *metricsql.FuncExpr:
			if e.KeepMetricNames {
				problems = append(problems, "keep_metric_names is MetricsQL's")
			}
			isRange := slices.Contains(promRangeFuncs, e.Name)
			if !isRange && !slices.Contains(promFuncs, e.Name) {
				problems = append(problems, e.Name+" is not a PromQL function")
			}
			for i, a := range e.Args {
				visit(a, isRange && i == len(e.Args)-1 && e.Name != "quantile_over_time" || isRange && e.Name == "quantile_over_time" && i == 1)
			}
		case *metricsql.AggrFuncExpr:
			if !slices.Contains(promAggrs, e.Name) || e.Limit != 0 {
				problems = append(problems, e.Name+" is not a PromQL aggregation")
			}
			for _, a := range e.Args {
				visit(a, false)
			}
		case *metricsql.BinaryOpExpr:
			if !slices.Contains(promBinaryOps, strings.ToLower(e.Op)) {
				problems = append(problems, e.Op+" is not a PromQL operator")
			}
			visit(e.Left, false)
			visit(e.Right, false)
		case *metricsql.NumberExpr, *metricsql.StringExpr:
		default:
			problems = append(problems, fmt.Sprintf("unexpected %T", e))
		}
	}
	visit(e, false)
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return names, nil
}

func TestCheckPromQLRefusesWhatPrometheusRefuses(t *testing.T) {
	for _, q := range []string{
		`rate(revel_poller_events_total)`,                   // no range: MetricsQL allows it, PromQL does not
		`sum(revel_poller_events_total[5m])`,                // a range where an instant vector is due
		`sum by (type) (rate(revel_poller_events_total[5m]`, // unbalanced
		`rollup_rate(revel_poller_events_total[5m])`,        // MetricsQL only
		`WITH (x = revel_poller_events_total) x`,            // MetricsQL only
		`revel_poller_events_total default 0`,               // MetricsQL only
		`sum(revel_poller_events_total) limit 3`,            // MetricsQL only
	} {
		if _, err := checkPromQL(q); err == nil {
			t.Errorf("%s accepted", q)
		}
	}
	names, err := checkPromQL(`max by (resource) (revel_poller_cursor_lag_seconds{resource=~"a|b"}) > 3600 or histogram_quantile(0.99, sum by (le) (rate(output_latency_seconds_bucket[5m])))`)
	if err != nil || !slices.Equal(names, []string{"revel_poller_cursor_lag_seconds", "output_latency_seconds_bucket"}) {
		t.Errorf("names %v, %v", names, err)
	}
}

// registeredMetrics are the names our components register, read from their
// source: a counter is served from its first increment, so a short run
// need not show them all.
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`(?:New(?:Counter|Gauge|Timer)|\b[cg])\("([a-zA-Z_:][a-zA-Z0-9_:]*)"`)
	names := map[string]bool{}
	for _, f := range []string{"../internal/poller/metrics.go", "../plugin/httpcallback/output.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			names[m[1]] = true
		}
	}
	if len(names) < 15 {
		t.Fatalf("found only %v registered", names)
	}
	return names
}

// servedMetrics runs a pipeline like config/callback.yaml, against the
// simulator and a callback that throttles once, and returns the series
// names its /metrics serves (a histogram's _bucket, _sum and _count).
func servedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", map[string]any{"first_name": "Ana"})
	var mu sync.Mutex
	calls := 0
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if calls++; calls == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer callback.Close()
	addr := freeAddr(t)
	conf := pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", "")) + fmt.Sprintf(`
http:
  enabled: true
  address: %s
output:
  http_callback:
    url: %s
    retry_period: 10ms
`, addr, callback.URL)
	runYAML(t, conf, nil)
	var fams map[string]*dto.MetricFamily
	eventually(t, func() string { return "the event delivered after a throttle" }, func() bool {
		fams = testutil.Scrape(t, "http://"+addr+"/metrics")
		return metricValue(fams, "output_sent", nil) >= 1 && metricValue(fams, "http_callback_throttled_total", nil) >= 1
	})
	served := map[string]bool{}
	for name, f := range fams {
		served[name] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				served[name+s] = true
			}
		}
	}
	return served
}

// TestDashboardQueriesParseAndNameServedMetrics: every query of the Grafana
// dashboard in deploy/ is PromQL once Grafana's variables are substituted,
// and reads only metrics revel-connect serves: seen in a real scrape, or
// registered by revel_poller or http_callback.
func TestDashboardQueriesParseAndNameServedMetrics(t *testing.T) {
	queries, templ := dashboardQueries(t)
	served := servedMetrics(t)
	registered := registeredMetrics(t)
	for name := range registered {
		if !strings.HasPrefix(name, "revel_poller_") && !strings.HasPrefix(name, "http_callback_") {
			t.Errorf("registered metric %s has no revel_poller_ or http_callback_ prefix", name)
		}
	}
	used := map[string]bool{}
	for title, qs := range queries {
		for _, q := range qs {
			names, err := checkPromQL(grafanaVars.Replace(q))
			if err != nil {
				t.Errorf("panel %q: %s: %v", title, q, err)
				continue
			}
			if len(names) == 0 {
				t.Errorf("panel %q: %s reads no metric", title, q)
			}
			for _, n := range names {
				used[n] = true
				if !served[n] && !registered[n] {
					t.Errorf("panel %q reads %s, which revel-connect does not serve", title, n)
				}
			}
		}
	}
	labelValues := regexp.MustCompile(`^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*), *resource\)$`)
	for _, q := range templ {
		m := labelValues.FindStringSubmatch(q)
		if m == nil || !registered[m[1]] {
			t.Errorf("template query %q: want label_values(<a revel_poller metric>, resource)", q)
		}
	}
	// The list: lag per resource, events by type, errors and
	// retries, audit misses, checkpoint health.
	for _, want := range []string{"revel_poller_cursor_lag_seconds", "revel_poller_events_total", "revel_poller_responses_total",
		"revel_poller_retries_total", "revel_poller_audit_missed_total", "revel_poller_checkpoint_errors_total", "http_callback_retries_total"} {
		if !used[want] {
			t.Errorf("no panel reads %s", want)
		}
	}
}
