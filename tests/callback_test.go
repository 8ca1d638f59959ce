package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// TestCallbackExampleObeysRetryAfter runs config/callback.yaml against a
// callback that throttles twice with Retry-After: no request reaches it
// before the time it named, by its own clock, and each change is accepted
// exactly once. The changes exist before the first poll, so they form one
// page, whose messages http_callback sends one after another: no request
// is in flight when a throttling answer arrives.
func TestCallbackExampleObeysRetryAfter(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	const changes = 6
	for i := range changes {
		sim.Insert("Employee", map[string]any{"first_name": fmt.Sprint("E", i)})
	}

	type hit struct {
		at, until time.Time // until: the time a Retry-After named
	}
	var mu sync.Mutex
	var hits []hit
	accepted := map[string]int{} // event id -> deliveries accepted
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		h := hit{at: at}
		switch len(hits) {
		case 0, 3: // the first request and a later one
			h.until = time.Now().Add(time.Second)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			var n notification
			if json.Unmarshal(body, &n) != nil {
				w.WriteHeader(http.StatusBadRequest)
				break
			}
			accepted[n.ID]++
		}
		hits = append(hits, h)
	}))
	defer callback.Close()

	raw, err := os.ReadFile(filepath.Join("..", "config", "callback.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	runYAML(t, string(raw), exampleLookup(simulatorEnv(base, callback.URL, t.TempDir())))
	eventually(t, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("%d of %d accepted", len(accepted), changes)
	}, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted) >= changes
	})
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))

	mu.Lock()
	defer mu.Unlock()
	if len(accepted) != changes {
		t.Errorf("%d notifications accepted, want %d", len(accepted), changes)
	}
	for id, n := range accepted {
		if n != 1 {
			t.Errorf("notification %s accepted %d times", id, n)
		}
	}
	for i, h := range hits {
		if h.until.IsZero() {
			continue
		}
		for j, later := range hits[i+1:] {
			if later.at.Before(h.until) {
				t.Errorf("request %d arrived %v before the Retry-After time of request %d's answer", i+2+j, h.until.Sub(later.at), i+1)
			}
		}
	}
}
