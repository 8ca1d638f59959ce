package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

type httpDelivery struct {
	header http.Header
	body   []byte
}

// runToCallback polls the simulator with format: cloudevents and delivers
// with the given http_callback output (its url set to a loopback receiver).
func runToCallback(t *testing.T, output string) ([]httpDelivery, int64) {
	t.Helper()
	sim, base := startSim(t, revelsim.Options{})
	id := sim.Insert("Order", map[string]any{"deleted": false, "final_total": 12.76})

	var mu sync.Mutex
	var got []httpDelivery
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, httpDelivery{header: r.Header.Clone(), body: body})
		mu.Unlock()
	}))
	t.Cleanup(callback.Close)

	logs := &testutil.Buffer{}
	b := newBuilder(logs)
	addSections(t, b, pollerConf(base, "", "    format: cloudevents\n", resource("orders", "/resources/Order/", "")))
	if err := b.AddOutputYAML(fmt.Sprintf(output, callback.URL)); err != nil {
		t.Fatal(err)
	}
	start(t, b, logs)
	eventually(t, func() string { return "a delivery" }, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	})
	mu.Lock()
	defer mu.Unlock()
	return append([]httpDelivery(nil), got...), id
}

func TestCloudEventsOverHTTPStructured(t *testing.T) {
	got, id := runToCallback(t, `
http_callback:
  url: %s
  verb: POST
  headers:
    Content-Type: application/cloudevents+json; charset=UTF-8
`)
	var ce map[string]any
	if err := json.Unmarshal(got[0].body, &ce); err != nil {
		t.Fatal(err)
	}
	if ce["specversion"] != "1.0" || ce["type"] != "com.revelsystems.orders.created" || ce["subject"] != fmt.Sprint(id) ||
		got[0].header.Get("Content-Type") != "application/cloudevents+json; charset=UTF-8" {
		t.Fatalf("structured event %s with headers %v", got[0].body, got[0].header)
	}
	if data, _ := ce["data"].(map[string]any); fmt.Sprint(data["id"]) != fmt.Sprint(id) {
		t.Fatalf("data = %v", ce["data"])
	}
}

func TestCloudEventsOverHTTPBinary(t *testing.T) {
	got, id := runToCallback(t, `
http_callback:
  url: %s
  verb: POST
  headers:
    Content-Type: ${! metadata("ce-datacontenttype") }
  metadata:
    include_patterns: [ "^ce-(specversion|id|source|type|subject|time)$" ]
processors:
  - mapping: root = this.data
`)
	h := got[0].header
	if h.Get("Ce-Specversion") != "1.0" || h.Get("Ce-Type") != "com.revelsystems.orders.created" ||
		h.Get("Ce-Subject") != fmt.Sprint(id) || h.Get("Ce-Id") == "" || h.Get("Ce-Source") == "" || h.Get("Ce-Time") == "" ||
		h.Get("Content-Type") != "application/json" || h.Get("Ce-Datacontenttype") != "" {
		t.Fatalf("binary-mode headers %v", h)
	}
	var record map[string]any
	if err := json.Unmarshal(got[0].body, &record); err != nil || fmt.Sprint(record["id"]) != fmt.Sprint(id) || record["specversion"] != nil {
		t.Fatalf("body is not the record alone: %s", got[0].body)
	}
	for k := range h {
		if len(k) > 5 && k[:5] == "Revel" {
			t.Fatalf("header %s leaked from metadata", k)
		}
	}
}
