package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReceiverPrintsEachEvent(t *testing.T) {
	var out strings.Builder
	p := newEventPrinter(&out, time.UTC)
	srv := httptest.NewServer(receiverHandler(p))
	defer srv.Close()
	body := `{"message":{"events":[{"date":"2026-11-29T10:00:00Z","eventType":"DELETED","objectType":"timesheets","objectId":"7"}]}}`
	resp, err := http.Post(srv.URL+"/events", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST answered %d", resp.StatusCode)
	}
	if want := "2026-11-29 10:00:00 UTC  DELETED  timesheets  7\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	resp, err = http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET answered %d, want 405", resp.StatusCode)
	}
}
