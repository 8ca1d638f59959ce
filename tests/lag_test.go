package tests

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

// lagPipeline runs one employees resource into output, serving /metrics,
// and returns its URL. replace holds pairs of old and new lines of
// pollerConf's input.
func lagPipeline(t *testing.T, base, output string, replace ...string) string {
	t.Helper()
	addr := freeAddr(t)
	conf := strings.NewReplacer(replace...).Replace(pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", ""))) + fmt.Sprintf(`
http:
  enabled: true
  address: %s
metrics:
  prometheus: {}
output:
%s
`, addr, output)
	runYAML(t, conf, nil)
	return "http://" + addr + "/metrics"
}

// lagAndPolls scrapes the employees lag gauge and poll count (-1 if absent).
func lagAndPolls(t *testing.T, url string) (lag, polls float64) {
	fams := testutil.Scrape(t, url)
	res := map[string]string{"resource": "employees"}
	return metricValue(fams, "revel_poller_cursor_lag_seconds", res), metricValue(fams, "revel_poller_polls_total", res)
}

// TestLagGrowsBetweenPolls: after its one poll, an idle resource's lag
// gauge keeps rising while it waits an hour for the next.
func TestLagGrowsBetweenPolls(t *testing.T) {
	_, base := startSim(t, revelsim.Options{})
	url := lagPipeline(t, base, "  drop: {}", "refresh_interval: 20ms", "refresh_interval: 1h")
	var lag, polls float64
	eventually(t, func() string { return fmt.Sprintf("lag %v after %v polls, want 2 or more after 1", lag, polls) }, func() bool {
		lag, polls = lagAndPolls(t, url)
		if polls > 1 {
			t.Fatalf("%v polls with refresh_interval 1h", polls)
		}
		return polls == 1 && lag >= 2
	})
}

// TestLagGrowsWhileAPollIsStuck: a poll that waits for the output to
// acknowledge a page (max_unacked_pages reached) keeps the lag gauge
// rising, though the poll does not end.
func TestLagGrowsWhileAPollIsStuck(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	url := lagPipeline(t, base, "  http_client:\n    url: "+hang.URL+"\n    verb: POST\n    timeout: 1h\n    max_in_flight: 1",
		"refresh_interval: 20ms", "refresh_interval: 1s", "page_size: 100", "page_size: 1\n    max_unacked_pages: 1")
	t.Cleanup(func() { close(release) }) // before the pipeline stops
	var lag, polls float64
	eventually(t, func() string { return fmt.Sprintf("first poll: lag %v after %v polls", lag, polls) }, func() bool {
		lag, polls = lagAndPolls(t, url)
		return polls >= 1 && lag >= 0
	})
	for i := range 3 {
		sim.Insert("Employee", map[string]any{"first_name": fmt.Sprint("E", i)})
	}
	// The second poll delivers a page the output never acknowledges and
	// waits to track the next; the lag rises past the interval.
	eventually(t, func() string { return fmt.Sprintf("lag %v after %v polls, want 4 or more while stuck", lag, polls) }, func() bool {
		lag, polls = lagAndPolls(t, url)
		if polls > 2 {
			t.Fatalf("%v polls: the second should be stuck", polls)
		}
		return polls == 2 && lag >= 4
	})
}
