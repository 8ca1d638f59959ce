package revelsim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// envelope is Tastypie's list response. Next/Previous are pointers so a
// JSON null is distinguishable from a link.
type envelope struct {
	Meta struct {
		Limit      int     `json:"limit"`
		Next       *string `json:"next"`
		Offset     int     `json:"offset"`
		Previous   *string `json:"previous"`
		TimeZone   string  `json:"time_zone"`
		TotalCount int     `json:"total_count"`
	} `json:"meta"`
	Objects []map[string]any `json:"objects"`
}

// fetch serves path through the handler in-process (no socket).
func fetch(t testing.TB, s *revelsim.Server, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

// list fetches path, requires a 200 and decodes the envelope.
func list(t testing.TB, s *revelsim.Server, path string) envelope {
	t.Helper()
	w := fetch(t, s, path)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %s", path, w.Code, w.Body)
	}
	var env envelope
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, w.Body)
	}
	return env
}

// ids returns the objects' ids in response order.
func ids(env envelope) []int64 {
	out := make([]int64, len(env.Objects))
	for i, o := range env.Objects {
		out[i] = int64(o["id"].(float64))
	}
	return out
}

func wantIDs(t testing.TB, path string, got []int64, want ...int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("GET %s: ids %v, want %v", path, got, want)
	}
}

// wantError requires a 400 with Tastypie's {"error": msg} body.
func wantError(t testing.TB, s *revelsim.Server, path, msg string) {
	t.Helper()
	w := fetch(t, s, path)
	var body struct{ Error string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != http.StatusBadRequest || err != nil || body.Error != msg {
		t.Errorf("GET %s: %d %s, want 400 with error %q", path, w.Code, w.Body, msg)
	}
}

// fakeClock is a settable Options.Clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func start(t testing.TB, s *revelsim.Server) string {
	t.Helper()
	if _, err := s.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.URL()
}

func itoa(n int) string { return strconv.Itoa(n) }
