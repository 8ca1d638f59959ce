package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckReady(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ready" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	if err := checkReady(context.Background(), srv.URL+"/ready", 5*time.Second); err == nil {
		t.Error("503 counted as ready")
	}
	status.Store(http.StatusOK)
	if err := checkReady(context.Background(), srv.URL+"/ready", 5*time.Second); err != nil {
		t.Errorf("200: %v", err)
	}
	srv.Close()
	if err := checkReady(context.Background(), srv.URL+"/ready", 5*time.Second); err == nil {
		t.Error("no server counted as ready")
	}
}
