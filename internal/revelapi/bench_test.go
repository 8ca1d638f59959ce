package revelapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// employeePage is a page of n simulated Employees as the simulator sends
// it: about 700 bytes a record.
func employeePage(b *testing.B, n int) string {
	b.Helper()
	sim := revelsim.New(revelsim.Options{})
	sim.SeedEmployees(n, time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), 1234567*time.Microsecond)
	w := httptest.NewRecorder()
	sim.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/resources/Employee/?order_by=id&limit=1000", nil))
	return w.Body.String()
}

// BenchmarkDecodePage decodes a page of 1000 Employees.
func BenchmarkDecodePage(b *testing.B) {
	body := employeePage(b, 1000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodePage(body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/record")
}

// bodyTransport answers every request with one body.
type bodyTransport string

func (t bodyTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, ContentLength: int64(len(t)), Body: io.NopCloser(strings.NewReader(string(t)))}, nil
}

// BenchmarkKeysetPage fetches, decodes and checks the order of a keyset
// page of 1000 Employees served from memory: the client's work per page.
func BenchmarkKeysetPage(b *testing.B) {
	body := employeePage(b, 1000)
	c, err := New(Options{BaseURL: "http://revel.test", Transport: bodyTransport(body)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		p, err := c.NewPager("/resources/Employee/?updated_date__gte=2026-01-01T00:00:00", 1000, Keyset, Position{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Next(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/record")
}
