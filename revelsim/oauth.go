package revelsim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// TokenPath is where the simulator issues API Platform tokens.
const TokenPath = "/oauth/token"

// OAuth enables Revel's API Platform authentication (developer.revelsystems.com,
// "API Platform authentication"): a
// client-credentials token endpoint at TokenPath, and Bearer tokens plus a
// Client-Id header naming the merchant on API requests.
type OAuth struct {
	ClientID, ClientSecret string
	// Merchant is the Client-Id API requests must carry; empty accepts any.
	Merchant string
	// TTL is a token's lifetime; 0 = 24h, as Revel's.
	TTL time.Duration
}

type tokenStore struct {
	mu     sync.Mutex
	tokens map[string]time.Time // token -> expiry
	issued int
}

// serveToken answers a client-credentials grant; client credentials may
// come as HTTP Basic or form fields, as RFC 6749 allows.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) int {
	o := s.opts.OAuth
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return http.StatusMethodNotAllowed
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		return writeJSON(w, http.StatusBadRequest, []byte(`{"error": "unsupported_grant_type"}`))
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	if !eq(id, o.ClientID) || !eq(secret, o.ClientSecret) {
		return writeJSON(w, http.StatusUnauthorized, []byte(`{"error": "invalid_client"}`))
	}
	ttl := o.TTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	s.oauth.mu.Lock()
	if s.oauth.tokens == nil {
		s.oauth.tokens = map[string]time.Time{}
	}
	s.oauth.tokens[token] = s.clock().Add(ttl)
	s.oauth.issued++
	s.oauth.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": int(ttl.Seconds())})
	return writeJSON(w, http.StatusOK, body)
}

// bearerAuthorized accepts a live token issued by serveToken with the
// merchant's Client-Id.
func (s *Server) bearerAuthorized(r *http.Request) bool {
	o := s.opts.OAuth
	if o == nil {
		return false
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || (o.Merchant != "" && r.Header.Get("Client-Id") != o.Merchant) {
		return false
	}
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	expiry, ok := s.oauth.tokens[token]
	return ok && s.clock().Before(expiry)
}

// RevokeTokens invalidates every token issued so far, as a rotated client
// secret or an expiry would: clients must fetch a new one.
func (s *Server) RevokeTokens() {
	s.oauth.mu.Lock()
	s.oauth.tokens = nil
	s.oauth.mu.Unlock()
}

// TokensIssued counts tokens issued since the server started.
func (s *Server) TokensIssued() int {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	return s.oauth.issued
}
