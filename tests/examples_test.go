package tests

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/revelsim"
)

// exampleEnv is what a user exports before running an example, with extra
// added or overriding.
func exampleEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"REVEL_SUBDOMAIN":  "acme",
		"REVEL_API_KEY":    apiKey,
		"REVEL_API_SECRET": apiSecret,
		"CALLBACK_URL":     "https://example.com/revel-events",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// simulatorEnv points an example at the simulator at base, delivering to
// callback, polling fast from the beginning, checkpointing in stateDir.
func simulatorEnv(base, callback, stateDir string) map[string]string {
	return map[string]string{
		"REVEL_BASE_URL":         base,
		"REVEL_REFRESH_INTERVAL": "50ms",
		"REVEL_STATE_DIR":        stateDir,
		"REVEL_START_FROM":       "earliest",
		"REVEL_POLL_DELAY":       "0s",
		"CALLBACK_URL":           callback,
	}
}

// exampleLookup looks variables up in exampleEnv(extra).
func exampleLookup(extra map[string]string) func(string) (string, bool) {
	env := exampleEnv(extra)
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func exampleConfigs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "config", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example configs found: %v", err)
	}
	return files
}

func TestExampleConfigsLintClean(t *testing.T) {
	schema := service.GlobalEnvironment().FullConfigSchema("", "")
	for _, f := range exampleConfigs(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lookup := exampleLookup(nil)
			lints, err := schema.NewStreamConfigLinter().SetEnvVarLookupFunc(func(_ context.Context, k string) (string, bool) { return lookup(k) }).LintYAML(raw)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range lints {
				t.Errorf("%s:%d: %s", f, l.Line, l.What)
			}
		})
	}
}

// TestCallbackExampleDeliversToAnHTTPCallback runs config/callback.yaml as a
// user would, against the simulator, with a callback that fails at first.
func TestCallbackExampleDeliversToAnHTTPCallback(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	employees := map[string]bool{}
	for i := 0; i < 5; i++ {
		employees[fmt.Sprint(sim.Insert("Employee", map[string]any{"first_name": fmt.Sprint("E", i)}))] = true
	}
	sheet := sim.Insert("TimeSheetEntry", map[string]any{"clock_out": nil})

	var mu sync.Mutex
	bodies := map[string]int{} // body hash -> deliveries accepted
	var got []notification
	failures := 0
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if failures < 2 {
			failures++
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		var n notification
		if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &n) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.Header.Get("Elements-Webhook-Id") != n.ID {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		bodies[fmt.Sprintf("%x", sha256.Sum256(body))]++
		got = append(got, n)
	}))
	defer callback.Close()

	raw, err := os.ReadFile(filepath.Join("..", "config", "callback.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := simulatorEnv(base, callback.URL, t.TempDir())
	env["REVEL_AUDIT_FULL_INTERVAL"] = "100ms"
	runYAML(t, string(raw), exampleLookup(env))

	delivered := func(n int) {
		eventually(t, func() string { mu.Lock(); defer mu.Unlock(); return fmt.Sprintf("%d of %d delivered", len(got), n) }, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) >= n
		})
	}
	delivered(6)
	// Revel removes a timesheet entry outright; the listing of ids finds it.
	if err := sim.Delete("TimeSheetEntry", sheet); err != nil {
		t.Fatal(err)
	}
	delivered(7)
	eventually(t, func() string { return "no further polls" }, cycles(sim, "/resources/Employee/", 5))
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 7 {
		t.Fatalf("callback accepted %d notifications, want 7", len(got))
	}
	if e := got[6].Message.Events[0]; e.EventType != "DELETED" || e.ObjectType != "timesheets" || e.ObjectID != fmt.Sprint(sheet) {
		t.Errorf("last event %+v, want timesheet %d DELETED", e, sheet)
	}
	got = got[:6]
	for h, n := range bodies {
		if n != 1 {
			t.Errorf("notification %s accepted %d times", h, n)
		}
	}
	seen := map[string]bool{}
	for _, n := range got {
		e := n.Message.Events[0]
		seen[e.ObjectType+"/"+e.ObjectID] = true
		if e.EventType != "CREATED" {
			t.Errorf("event %+v, want CREATED", e)
		}
	}
	for id := range employees {
		if !seen["employees/"+id] {
			t.Errorf("employee %s never reached the callback", id)
		}
	}
	if !seen[fmt.Sprintf("timesheets/%d", sheet)] {
		t.Errorf("timesheet %d never reached the callback", sheet)
	}
}

// The examples agree: each POSTs with http_callback and the Elements-Webhook-Id
// header Cloud Elements sent, keeps a checkpoint per tenant in a cache, and
// lists timesheet ids to find the entries Revel deletes outright.
func TestExamplesAgree(t *testing.T) {
	for _, f := range exampleConfigs(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var conf map[string]any
			if err := yaml.Unmarshal(raw, &conf); err != nil {
				t.Fatal(err)
			}
			var walk func(v any)
			walk = func(v any) {
				switch v := v.(type) {
				case map[string]any:
					for k, c := range v {
						switch k {
						case "http_client":
							t.Errorf("POSTs with http_client, which ignores Retry-After; use http_callback")
						case "http_callback":
							h, _ := c.(map[string]any)["headers"].(map[string]any)
							if h["Elements-Webhook-Id"] != "${! @revel_event_id }" {
								t.Errorf("http_callback headers %v lack Elements-Webhook-Id: ${! @revel_event_id }", h)
							}
						case "revel_poller":
							p := c.(map[string]any)
							if p["checkpoint_cache"] == nil || !strings.Contains(fmt.Sprint(p["checkpoint_key"]), "${REVEL_SUBDOMAIN") {
								t.Errorf("checkpoint_cache %v, checkpoint_key %v: want a cache and a key per tenant", p["checkpoint_cache"], p["checkpoint_key"])
							}
							for name, r := range p["resources"].(map[string]any) {
								url := fmt.Sprint(r.(map[string]any)["url"])
								if (strings.Contains(url, "TimeSheetEntry") || strings.Contains(url, "/timesheets")) && r.(map[string]any)["audit_full_interval"] == nil {
									t.Errorf("resource %s never finds timesheet entries deleted outright (audit_full_interval)", name)
								}
							}
						}
						walk(c)
					}
				case []any:
					for _, c := range v {
						walk(c)
					}
				}
			}
			walk(conf)
		})
	}
}
