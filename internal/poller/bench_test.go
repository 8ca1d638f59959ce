package poller

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/revelapi"
	"github.com/revel-connect/revel-connect/revelsim"
)

// pageTransport serves keyset pages rendered in advance, by id__gt.
type pageTransport map[string]string

func (t pageTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := t[r.URL.Query().Get("id__gt")]
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, ContentLength: int64(len(body)),
		Body: io.NopCloser(strings.NewReader(body))}, nil
}

// employeePages renders the keyset pages of n simulated Employees, 1000 a
// page, as the simulator serves them.
func employeePages(b *testing.B, n int) pageTransport {
	b.Helper()
	sim := revelsim.New(revelsim.Options{})
	sim.SeedEmployees(n, time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), 1234567*time.Microsecond)
	pages := pageTransport{}
	for after := 0; after <= n; after += 1000 {
		key, q := "", ""
		if after > 0 {
			key = strconv.Itoa(after)
			q = "&id__gt=" + key
		}
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/resources/Employee/?order_by=id&limit=1000"+q, nil))
		pages[key] = w.Body.String()
	}
	return pages
}

// BenchmarkCycle polls a backlog of 10,000 Employees, served from memory,
// and hands every event to a reader that takes each message's bytes and
// acknowledges it: the poller's own work per record, without the network
// or Benthos' pipeline.
func BenchmarkCycle(b *testing.B) {
	const n = 10_000
	pc, err := Spec().ParseYAML(`
base_url: http://revel.test
start_from: earliest
page_size: 1000
resources:
  employees:
    url: /resources/Employee/?updated_date__gte=${DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}
    id_field: id
    paging: keyset
    dates_configuration:
      updated_date_timezone: America/Los_Angeles
      created_date_timezone: America/Los_Angeles
`, nil)
	if err != nil {
		b.Fatal(err)
	}
	in, err := newInput(pc, service.MockResources())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	p, err := in.newPoller(ctx, in.conf.resources[0], nil, nil, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if p.client, err = revelapi.New(revelapi.Options{BaseURL: "http://revel.test", Transport: employeePages(b, n)}); err != nil {
		b.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case d := <-in.deliveries:
				for _, m := range d.Batch {
					if _, err := m.AsBytes(); err != nil {
						panic(err)
					}
				}
				d.Ack(ctx)
			case <-stop:
				return
			}
		}
	}()
	for b.Loop() {
		p.state = &checkpoint.State{Cursor: earliest, Seen: map[string]int64{}}
		if err := p.cycle(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/record")
}
