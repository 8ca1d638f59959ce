package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestFleetStatusShowsTheReplicasThatAnswer: a replica frozen (SIGSTOP) or
// gone is an error naming it, and every other replica's tenants are still
// shown. Asked one after another, a frozen replica took the whole timeout
// and the fleet's status was nothing but that error.
func TestFleetStatusShowsTheReplicasThatAnswer(t *testing.T) {
	frozen := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer frozen.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fleet":
			w.Write([]byte(`{"group":"g","member":"m1","tenants":[{"id":"acme","partition":2,"status":"running"}]}`))
		case "/metrics":
			w.Write([]byte("revel_poller_cursor_lag_seconds{resource=\"employees\",tenant=\"acme\"} 4\n"))
		}
	}))
	defer ok.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	rows, err := fleetStatus(ctx, []string{frozen.URL, gone.URL, ok.URL})
	if len(rows) != 1 || rows[0].Tenant != "acme" || rows[0].Replica != ok.URL || rows[0].Lag["employees"] != 4 {
		t.Errorf("rows = %+v, want acme from %s with employees lag 4", rows, ok.URL)
	}
	if err == nil || !strings.Contains(err.Error(), frozen.URL) || !strings.Contains(err.Error(), gone.URL) || strings.Contains(err.Error(), ok.URL) {
		t.Errorf("error = %v, want one naming %s and %s only", err, frozen.URL, gone.URL)
	}
}
