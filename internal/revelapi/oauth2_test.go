package revelapi

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/revel-connect/revel-connect/revelsim"
)

func oauthSim(t *testing.T, ttl time.Duration) (*revelsim.Server, string) {
	t.Helper()
	return startSim(t, revelsim.Options{OAuth: &revelsim.OAuth{ClientID: "partner", ClientSecret: "partner-secret", Merchant: "acme", TTL: ttl}})
}

func oauthClient(t *testing.T, base, secret string) *Client {
	t.Helper()
	auth := NewOAuth2(clientcredentials.Config{ClientID: "partner", ClientSecret: secret, TokenURL: base + revelsim.TokenPath}, "acme", nil)
	c, _ := newClient(t, base, func(o *Options) { o.Auth = auth })
	return c
}

func TestOAuth2BearerAndClientID(t *testing.T) {
	sim, base := oauthSim(t, 0)
	sim.Insert("Employee", nil)
	c := oauthClient(t, base, "partner-secret")
	for i := 0; i < 3; i++ {
		if _, err := get(t, c, "/resources/Employee/"); err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.TokensIssued(); n != 1 {
		t.Fatalf("%d tokens fetched for 3 requests, want 1 reused", n)
	}
	for _, r := range sim.Requests() {
		if r.Path == revelsim.TokenPath {
			continue
		}
		if len(r.Header.Get("Authorization")) < len("Bearer x") || r.Header.Get("Client-Id") != "acme" || r.Header.Get("API-AUTHENTICATION") != "" {
			t.Fatalf("request headers = %v", r.Header)
		}
	}
}

func TestOAuth2UnauthorizedRefreshesOnceAndRetries(t *testing.T) {
	sim, base := oauthSim(t, 0)
	c := oauthClient(t, base, "partner-secret")
	if _, err := get(t, c, "/resources/Employee/"); err != nil {
		t.Fatal(err)
	}
	sim.RevokeTokens()
	if _, err := get(t, c, "/resources/Employee/"); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n := sim.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens issued, want a second after the 401", n)
	}
	statuses := []int{}
	for _, r := range sim.Requests() {
		if r.Path != revelsim.TokenPath {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 3 || statuses[1] != http.StatusUnauthorized || statuses[2] != http.StatusOK {
		t.Fatalf("API statuses = %v, want [200 401 200]", statuses)
	}
}

func TestOAuth2TokenRenewedBeforeExpiry(t *testing.T) {
	// Tokens living no longer than the early-refresh margin are renewed
	// for every request instead of being sent about to lapse.
	sim, base := oauthSim(t, tokenEarlyRefresh)
	c := oauthClient(t, base, "partner-secret")
	for i := 0; i < 3; i++ {
		if _, err := get(t, c, "/resources/Employee/"); err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.TokensIssued(); n != 3 {
		t.Fatalf("%d tokens for 3 requests, want each renewed early", n)
	}
}

func TestOAuth2RejectedClientIsAnAuthError(t *testing.T) {
	sim, base := oauthSim(t, 0)
	c := oauthClient(t, base, "wrong")
	_, err := get(t, c, "/resources/Employee/")
	if !IsAuth(err) {
		t.Fatalf("err = %v, want an authentication error", err)
	}
	api := 0
	for _, r := range sim.Requests() {
		if r.Path != revelsim.TokenPath {
			api++
		}
	}
	if api != 0 {
		t.Fatalf("%d API requests made without a token", api)
	}
}
