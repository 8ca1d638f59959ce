package poller

import (
	"context"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
	"github.com/revel-connect/revel-connect/revelsim/revelsimtest"
)

// TestIdleInputCost starts many inputs of two resources each with a long
// refresh_interval, lets every resource poll once, and checks what an
// idle input then holds: one goroutine per resource, and no connection
// (whose readLoop and writeLoop would be two more each). The heap an idle
// input keeps is logged (go test -v), not asserted.
func TestIdleInputCost(t *testing.T) {
	const n, resources = 200, 2
	// A tenant each, as each Revel tenant is a host of its own: clients
	// keep idle connections per host.
	sims := make([]*revelsim.Server, n)
	for i := range sims {
		sims[i] = revelsimtest.Start(t, revelsim.Options{APIKey: "k", APISecret: "s"})
	}
	conf := `
base_url: ${BASE_URL}
api_key: k
api_secret: s
start_from: earliest
refresh_interval: 1h
resources:
  employees:
    url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}
    id_field: id
  customers:
    url: /resources/Customer/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}
    id_field: id
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	goroutines, heap := idleBaseline()
	inputs := make([]*input, n)
	for i := range inputs {
		inputs[i] = connectedInput(ctx, t, strings.Replace(conf, "${BASE_URL}", sims[i].URL(), 1))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, in := range inputs {
			if err := in.Close(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	// Idle: every resource has acknowledged its first (empty) cycle, and
	// the goroutines of its requests and connections have ended.
	const slack = 8 // the simulator's and the runtime's own
	var extra int
	for {
		polled := 0
		for _, in := range inputs {
			for _, p := range in.pollers {
				if !p.tracker.Through().IsZero() {
					polled++
				}
			}
		}
		extra = runtime.NumGoroutine() - goroutines
		if polled == n*resources && extra <= n*resources+slack {
			break
		}
		if ctx.Err() != nil {
			var b strings.Builder
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Fatalf("%d of %d resources polled; %d goroutines beyond the baseline for %d idle inputs, want at most %d (one a resource):\n%s",
				polled, n*resources, extra, n, n*resources+slack, b.String())
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling a condition, not timing
	}
	g, h := idleBaseline()
	t.Logf("an idle input (%d resources, refresh_interval 1h, %d inputs): %.2f goroutines, %d heap bytes",
		resources, n, float64(g-goroutines)/n, int64(h-heap)/n)
	runtime.KeepAlive(inputs)
}

// idleBaseline collects garbage and returns the goroutines and the bytes of
// live heap.
func idleBaseline() (goroutines int, heap uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}
