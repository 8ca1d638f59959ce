package revelsim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// discard is a ResponseWriter that keeps only the size, so the benchmark
// measures the simulator rather than a recorder's buffer.
type discard struct {
	h http.Header
	n int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }
func (d *discard) WriteHeader(int)             {}

var (
	millionOnce sync.Once
	million     *revelsim.Server
)

const millionRows = 1_000_000

// millionEmployees is shared by the benchmarks. It logs the one-off costs:
// seeding, then a first pass over every page, which encodes (and caches)
// each row's JSON once.
func millionEmployees(b *testing.B) *revelsim.Server {
	millionOnce.Do(func() {
		start := time.Now()
		million = revelsim.New(revelsim.Options{})
		million.SeedEmployees(millionRows, time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), time.Second)
		seeded := time.Since(start)
		start = time.Now()
		w := &discard{h: http.Header{}}
		for p := range millionRows / 1000 {
			million.ServeHTTP(w, httptest.NewRequest(http.MethodGet, fmt.Sprintf("/resources/Employee/?limit=1000&offset=%d", p*1000), nil))
		}
		b.Logf("seeded %d employees in %s; first pass over all %d pages (%d MB) in %s",
			millionRows, seeded.Round(time.Millisecond), millionRows/1000, w.n>>20, time.Since(start).Round(time.Millisecond))
		million.ResetRequests()
	})
	return million
}

// BenchmarkServePage serves pages of 1000 from 1M Employees (rows already
// encoded once); one op is one page, cycling through the whole table.
func BenchmarkServePage(b *testing.B) {
	s := millionEmployees(b)
	cases := []struct {
		name string
		path func(page int, lastID int64) string
	}{
		{"offset", func(p int, _ int64) string {
			return fmt.Sprintf("/resources/Employee/?limit=1000&offset=%d", p*1000)
		}},
		{"offset_updated_window", func(p int, _ int64) string {
			return fmt.Sprintf("/resources/Employee/?updated_date__gte=2026-01-01T00:00:00&updated_date__lt=2027-01-01T00:00:00&limit=1000&offset=%d", p*1000)
		}},
		{"keyset_updated_window", func(_ int, last int64) string {
			return fmt.Sprintf("/resources/Employee/?updated_date__gte=2026-01-01T00:00:00&order_by=id&limit=1000&id__gt=%d", last)
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			var last int64
			p := 0
			for b.Loop() {
				w.n = 0
				s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, c.path(p, last), nil))
				if p++; p == millionRows/1000 {
					p, last = 0, 0
				} else {
					last += 1000
				}
				b.SetBytes(int64(w.n))
			}
			s.ResetRequests()
		})
	}
}
