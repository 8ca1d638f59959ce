package revelsim

import (
	"net/http"
	"net/url"
	"slices"
)

// Request is one served request as the simulator saw it.
type Request struct {
	Method, Path string
	Query        url.Values
	// Authenticated reports whether the request carried credentials
	// (API-AUTHENTICATION or Authorization header, api_key or api_secret
	// parameter), valid or not; Status tells whether they were accepted.
	// Credential-leak tests assert it is false on a foreign origin.
	Authenticated bool
	Status        int // 499 when the client gave up during a Delay
	Header        http.Header
}

// maxLog bounds the request log so a long-running simulator stays small.
const maxLog = 10000

func (s *Server) record(r *http.Request, status int) {
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Authenticated: carriesCredentials(r), Status: status, Header: r.Header.Clone()}
	s.logMu.Lock()
	s.log = append(s.log, req)
	if len(s.log) >= 2*maxLog { // trim in batches: amortised O(1) per request
		s.log = slices.Clone(s.log[len(s.log)-maxLog:])
	}
	s.logMu.Unlock()
}

// Requests returns a copy of the last 10,000 requests, oldest first.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := slices.Clone(s.log[max(0, len(s.log)-maxLog):])
	for i := range out { // callers may modify what they get
		out[i].Query, out[i].Header = url.Values(http.Header(out[i].Query).Clone()), out[i].Header.Clone()
	}
	return out
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.logMu.Lock()
	s.log = nil
	s.logMu.Unlock()
}
