package revelapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenEarlyRefresh renews a token this long before it expires, so no
// request is sent with one about to lapse.
const tokenEarlyRefresh = 5 * time.Minute

// OAuth2 is Revel's API Platform authentication: one client-credentials
// Bearer token for all of a partner's merchants, and a Client-Id header
// naming the merchant (its subdomain).
type OAuth2 struct {
	conf     clientcredentials.Config
	merchant string
	http     *http.Client // for token requests

	mu     sync.Mutex
	tokens oauth2.TokenSource
}

// NewOAuth2 fetches tokens with conf using hc (nil: a client with a 30s
// timeout and a NewTransport of its own) and names merchant in every
// request.
func NewOAuth2(conf clientcredentials.Config, merchant string, hc *http.Client) *OAuth2 {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second, Transport: NewTransport()}
	}
	o := &OAuth2{conf: conf, merchant: merchant, http: hc}
	o.tokens = o.newSource()
	return o
}

func (o *OAuth2) newSource() oauth2.TokenSource {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, o.http)
	return oauth2.ReuseTokenSourceWithExpiry(nil, o.conf.TokenSource(ctx), tokenEarlyRefresh)
}

// Apply implements Auth.
func (o *OAuth2) Apply(_ context.Context, r *http.Request) error {
	o.mu.Lock()
	src := o.tokens
	o.mu.Unlock()
	tok, err := src.Token()
	if err != nil {
		return fmt.Errorf("oauth2 token from %s: %w", o.conf.TokenURL, err)
	}
	tok.SetAuthHeader(r)
	if o.merchant != "" {
		r.Header.Set("Client-Id", o.merchant)
	}
	return nil
}

// CloseIdleConnections closes the connections kept open to the token
// endpoint: a token lasts hours, so one would otherwise idle until the
// transport's 90 s idle timeout.
func (o *OAuth2) CloseIdleConnections() {
	o.http.CloseIdleConnections()
}

// Refresh implements Refresher: the next request fetches a new token.
func (o *OAuth2) Refresh() {
	o.mu.Lock()
	o.tokens = o.newSource()
	o.mu.Unlock()
}

// Refresher is an Auth whose credentials can be renewed; a 401 renews them
// once and retries before giving up.
type Refresher interface {
	Refresh()
}
