package revelapi

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTLSIsVerified: against a server whose certificate nothing vouches for,
// the request fails in the handshake, before the credentials are sent.
func TestTLSIsVerified(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	c, err := New(Options{BaseURL: srv.URL, Auth: KeyAuth{Key: testKey, Secret: testSecret},
		Timeout: 5 * time.Second, Backoff: Backoff{Initial: time.Hour, Max: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first error
	c.opts.OnRetry = func(_ *url.URL, _ int, _ time.Duration, err error) {
		if first == nil {
			first = err
		}
		cancel()
	}
	u, err := c.Resolve("/resources/Employee/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, u); err == nil {
		t.Fatal("a GET to an unverifiable server succeeded")
	}
	if first == nil {
		first = errors.New("no attempt reported")
	}
	if !strings.Contains(first.Error(), "certificate") {
		t.Errorf("error %q does not name the certificate", first)
	}
	if strings.Contains(first.Error(), testSecret) {
		t.Errorf("error %q shows the secret", first)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the server received %d requests", n)
	}
}
