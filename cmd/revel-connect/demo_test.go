package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// seededOrders is how many orders SeedTenant creates; higher ids are the
// generator's.
const seededOrders = 24

// eventLine splits a printed event line into its type, object and id.
func eventLine(line string) (eventType, objectType string, id int, ok bool) {
	f := strings.Fields(line)
	if len(f) != 6 || (f[3] != "CREATED" && f[3] != "UPDATED" && f[3] != "DELETED") {
		return "", "", 0, false
	}
	id, err := strconv.Atoi(f[5])
	return f[3], f[4], id, err == nil
}

// The README's first command: the demo shows the history, then live
// changes, as CREATED, UPDATED and DELETED events, and Ctrl-C stops it
// cleanly with a summary.
func TestDemoPrintsHistoryAndLiveChanges(t *testing.T) {
	p := start(t, "demo", "--interval", "200ms", "--rate", "20", "--duration", "2m")
	seen := map[string]bool{}
	p.until(t, "CREATED, UPDATED, DELETED, a live order and a hard-deleted timesheet", func(line string) bool {
		typ, obj, id, ok := eventLine(line)
		if ok {
			seen[typ], seen[typ+" "+obj] = true, true
			seen["live"] = seen["live"] || (obj == "orders" && id > seededOrders)
		}
		return seen["CREATED"] && seen["UPDATED"] && seen["DELETED"] && seen["live"] && seen["DELETED timesheets"]
	})
	rest := p.stop(t, os.Interrupt)
	if len(rest) == 0 || !strings.HasPrefix(rest[len(rest)-1], "-- ") {
		t.Errorf("no summary after Ctrl-C; last lines: %q", rest)
	}
	if strings.Contains(p.stderr.String(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", p.stderr)
	}
}

// --output POSTs every notification; the pipeline reads the simulator's
// naive dates in the zone it was given, so a zone other than the default
// raises no zone or future-date warnings.
func TestDemoPostsToOutput(t *testing.T) {
	// With --rate 0 the tenant holds its seeded history only: 10 employees,
	// 27 timesheet entries, 24 orders and 18 payments.
	const history = 79
	var mu sync.Mutex
	ids := map[string]int{}
	bad := 0
	all := make(chan struct{})
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n struct {
			ID string `json:"id"`
		}
		mu.Lock()
		defer mu.Unlock()
		if json.Unmarshal(body, &n) != nil || n.ID == "" || r.Header.Get("Elements-Webhook-Id") != n.ID {
			bad++
		}
		ids[n.ID]++
		if len(ids) == history && ids[n.ID] == 1 {
			close(all)
		}
	}))
	defer callback.Close()

	p := start(t, "demo", "--output", callback.URL, "--rate", "0", "--interval", "200ms", "--zone", "Asia/Tokyo")
	printed := 0
	last := ""
	p.until(t, "every seeded record printed", func(line string) bool {
		if _, _, _, ok := eventLine(line); ok {
			printed++
			if !strings.Contains(line, " JST ") {
				t.Errorf("event not in the demo's zone: %q", line)
			}
			// Tokyo keeps no daylight saving time, so its local times sort as text.
			if when := line[:19]; when < last {
				t.Errorf("history out of time order: %q after %s", line, last)
			} else {
				last = when
			}
		}
		return printed == history
	})
	select {
	case <-all:
	case <-time.After(waitLimit):
	}
	p.stop(t, syscall.SIGTERM)
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != history || bad != 0 {
		t.Errorf("callback got %d distinct notifications (%d malformed), want %d", len(ids), bad, history)
	}
	if logs := p.stderr.String(); strings.Contains(logs, "level=WARN") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("warnings logged:\n%s", logs)
	}
}

// The printed pipeline is a valid config: `revel-connect lint` accepts it
// with no environment set, in both output modes and another zone.
func TestDemoConfigLintsClean(t *testing.T) {
	for name, args := range map[string][]string{
		"stdout":   {"demo", "--config"},
		"callback": {"demo", "--config", "--output", "https://example.com/revel-events", "--zone", "Europe/Berlin", "--state-dir", "/var/lib/revel-connect"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := cmdOutput(t, args...)
			if err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
			file := filepath.Join(t.TempDir(), "revel.yaml")
			if err := os.WriteFile(file, out, 0o600); err != nil {
				t.Fatal(err)
			}
			if lint, err := cmdOutput(t, "lint", file); err != nil || len(lint) != 0 {
				t.Errorf("lint: %v\n%s\nconfig:\n%s", err, lint, out)
			}
		})
	}
}

// The zone ids revel_poller takes work here too, and a bare --interval is
// seconds.
func TestDemoTakesPollerZonesAndSeconds(t *testing.T) {
	out, err := cmdOutput(t, "demo", "--config", "--zone", "PST", "--interval", "2")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	conf := string(out)
	if !strings.Contains(conf, "\n# 2s and prints") || !strings.Contains(conf, "refresh_interval: 2s\n") {
		t.Errorf("--interval 2 is not 2s:\n%s", conf)
	}
	if !strings.Contains(conf, "updated_date_timezone: America/Los_Angeles\n") {
		t.Errorf("--zone PST is not America/Los_Angeles:\n%s", conf)
	}
}

func TestDemoRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--zone", "Mars/Olympus"},
		{"--zone", "+25:00"},
		{"--zone", "Local"},
		{"--interval", "fast"},
		{"--interval", "-2"},
		{"--rate", "-1"},
		{"--interval", "0s"},
		{"--output", "example.com/hook"},
		{"--state-dir", "${HOME}/state"},
	} {
		if out, err := cmdOutput(t, append([]string{"demo", "--config"}, args...)...); err == nil {
			t.Errorf("demo %v succeeded:\n%s", args, out)
		}
	}
}

// With --output, an event is printed only once the callback has accepted
// it: a callback that refuses orders gets them retried and never printed,
// and the refusals are logged as run logs them, at once. Ctrl-C then stops
// the demo cleanly, with no "context canceled" lines.
func TestDemoPrintsOnlyDeliveredEvents(t *testing.T) {
	var mu sync.Mutex
	accepted := map[string]int{} // objectType -> notifications accepted
	refused := 0
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n struct {
			Message struct {
				Events []struct {
					ObjectType string `json:"objectType"`
				} `json:"events"`
			} `json:"message"`
		}
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &n)
		mu.Lock()
		defer mu.Unlock()
		if len(n.Message.Events) == 0 || n.Message.Events[0].ObjectType == "orders" {
			refused++
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		accepted[n.Message.Events[0].ObjectType]++
	}))
	defer callback.Close()

	p := start(t, "demo", "--output", callback.URL, "--rate", "0", "--interval", "200ms")
	// Whatever the seeded history holds, employees, timesheets and payments
	// are accepted and printed while orders are refused.
	printed := map[string]int{}
	p.until(t, "accepted records of each kind printed", func(line string) bool {
		if _, object, _, ok := eventLine(line); ok {
			printed[object]++
		}
		return printed["employees"] > 0 && printed["timesheets"] > 0 && printed["payments"] > 0
	})
	deadline := time.Now().Add(waitLimit)
	for !strings.Contains(p.stderr.String(), "503 Service Unavailable") {
		if time.Now().After(deadline) {
			t.Fatalf("no refusal logged:\n%s", p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rest := p.stop(t, os.Interrupt)
	for _, line := range rest {
		if _, object, _, ok := eventLine(line); ok {
			printed[object]++
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if printed["orders"] != 0 || refused == 0 {
		t.Errorf("%d orders printed, %d refused by the callback; want none printed", printed["orders"], refused)
	}
	for object, n := range printed {
		if n > accepted[object] {
			t.Errorf("%d %s printed, %d accepted", n, object, accepted[object])
		}
	}
	logs := p.stderr.String()
	if strings.Contains(logs, "context canceled") {
		t.Errorf("Ctrl-C logged cancellations:\n%s", logs)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if line == "" || strings.HasPrefix(line, "revel-connect demo: ") {
			continue
		}
		if !strings.HasPrefix(line, `time="`) || !strings.Contains(line, " level=") || strings.Contains(line, `\n"`) {
			t.Errorf("log line not in run's format: %s", line)
		}
		keys := map[string]bool{}
		for _, f := range strings.Fields(line) {
			if k, _, ok := strings.Cut(f, "="); ok && !strings.ContainsAny(k, `"`) && k != "" {
				if keys[k] && (k == "path" || k == "label" || k == "level") {
					t.Errorf("key %s repeated in %s", k, line)
				}
				keys[k] = true
			}
		}
	}
}

func TestFormatLogfmt(t *testing.T) {
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	got := formatLogfmt(at, slog.LevelWarn, "Failed to send: refused", []slog.Attr{
		slog.String("path", "root.output"), slog.String("label", ""), slog.String("path", "root.output.broker.outputs.0"),
	})
	want := `time="2026-11-29T10:00:00Z" level=warning msg="Failed to send: refused" path=root.output.broker.outputs.0 label=""` + "\n"
	if got != want {
		t.Errorf("formatLogfmt:\n%s\nwant:\n%s", got, want)
	}
}
