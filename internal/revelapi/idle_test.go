package revelapi

import (
	"net/http/httptest"
	"testing"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

// countedSim serves a simulated tenant, OAuth2 tokens included, counting
// its connections.
func countedSim(t *testing.T) (*revelsim.Server, string, *testutil.Conns) {
	t.Helper()
	sim := revelsim.New(revelsim.Options{OAuth: &revelsim.OAuth{ClientID: "partner", ClientSecret: "partner-secret", Merchant: "acme"}})
	conns := &testutil.Conns{}
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ConnState = conns.State
	srv.Start()
	t.Cleanup(srv.Close)
	return sim, srv.URL, conns
}

// TestCloseIdleConnections: a client closes its own idle connections and
// its token endpoint's, not another client's; the next request dials again
// and reuses the token.
func TestCloseIdleConnections(t *testing.T) {
	sim, base, conns := countedSim(t)
	auth := NewOAuth2(clientcredentials.Config{ClientID: "partner", ClientSecret: "partner-secret", TokenURL: base + revelsim.TokenPath}, "acme", nil)
	c1, _ := newClient(t, base, func(o *Options) { o.Auth = auth })
	c2, _ := newClient(t, base, func(o *Options) { o.Auth = auth })
	for _, c := range []*Client{c1, c2} {
		if _, err := get(t, c, "/resources/Employee/"); err != nil {
			t.Fatal(err)
		}
	}
	conns.WaitOpen(t, 3) // c1's, c2's and the token request's

	c1.CloseIdleConnections()
	conns.WaitOpen(t, 1) // c2's
	if _, err := get(t, c2, "/resources/Employee/"); err != nil {
		t.Fatal(err)
	}
	if _, dials := conns.Counts(); dials != 3 {
		t.Errorf("%d connections dialled, want c2's kept and reused", dials)
	}

	c2.CloseIdleConnections()
	conns.WaitOpen(t, 0)
	if _, err := get(t, c1, "/resources/Employee/"); err != nil {
		t.Fatalf("after closing its connections: %v", err)
	}
	conns.WaitOpen(t, 1)
	if n := sim.TokensIssued(); n != 1 {
		t.Errorf("%d tokens issued, want the first reused", n)
	}
}
