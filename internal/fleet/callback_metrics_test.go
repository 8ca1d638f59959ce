package fleet

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/revel-connect/revel-connect/plugin/httpcallback"
)

// TestCallbackRetriesShowInTheFleetsMetrics: a tenant whose callback is
// down retries without end (http_callback never reports an output error),
// so http_callback_retries_total is the only metric that says so; a
// replica must export it, by stream, as it exports output_error.
func TestCallbackRetriesShowInTheFleetsMetrics(t *testing.T) {
	k := newKit(t)
	var refused atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		refused.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	tn := k.newTenant("down")
	conf := k.config(tn, "")
	conf = conf[:strings.Index(conf, "output:")] + `output:
  http_callback:
    url: ` + down.URL + `/events
    retry_period: 10ms
    max_retry_backoff: 50ms
`
	k.putConfig(tn, conf)
	rn := k.start("r1")

	retries := func() float64 {
		families, err := rn.m.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var n float64
		for _, f := range families {
			if f.GetName() == "http_callback_retries_total" {
				for _, m := range f.GetMetric() {
					n += m.GetCounter().GetValue()
				}
			}
		}
		return n
	}
	eventually(t, func() string { return "the callback refused nothing yet" }, func() bool { return refused.Load() >= 3 })
	eventually(t, func() string { return "http_callback_retries_total is not exported while the callback refuses" },
		func() bool { return retries() >= 1 })
}
