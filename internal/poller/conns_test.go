package poller

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

// TestIdleConnectionsClosedBeforeALongWait: a resource whose next poll is
// 30 s or more away closes its connection when its poll ends; one polled
// more often keeps and reuses it; a closed input keeps none.
func TestIdleConnectionsClosedBeforeALongWait(t *testing.T) {
	for _, tc := range []struct {
		interval string
		polls    int
		open     int // connections open between polls
	}{
		{"50ms", 5, 1},
		{"1h", 1, 0},
	} {
		t.Run(tc.interval, func(t *testing.T) {
			sim := revelsim.New(revelsim.Options{APIKey: "k", APISecret: "s"})
			conns := &testutil.Conns{}
			srv := httptest.NewUnstartedServer(sim)
			srv.Config.ConnState = conns.State
			srv.Start()
			t.Cleanup(srv.Close)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			in := connectedInput(ctx, t, `
base_url: `+srv.URL+`
api_key: k
api_secret: s
start_from: earliest
refresh_interval: `+tc.interval+`
resources:
  employees:
    url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}
    id_field: id
`)
			for len(sim.Requests()) < tc.polls {
				if ctx.Err() != nil {
					t.Fatalf("%d polls, want %d", len(sim.Requests()), tc.polls)
				}
				time.Sleep(time.Millisecond) // polling a condition
			}
			conns.WaitOpen(t, tc.open)
			if _, dials := conns.Counts(); dials != 1 {
				t.Errorf("%d connections over %d polls, want 1", dials, tc.polls)
			}
			if err := in.Close(ctx); err != nil {
				t.Fatal(err)
			}
			conns.WaitOpen(t, 0)
			if n := len(sim.Requests()); tc.interval == "1h" && n != 1 {
				t.Errorf("%d polls with refresh_interval 1h", n)
			}
		})
	}
}
