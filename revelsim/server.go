package revelsim

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "time/tzdata" // the default zone must load in minimal containers too
)

// OrderingMode selects how order_by is treated; Revel's support for it is
// undocumented (no Revel doc or public client confirms it on any resource),
// so clients must be tested against all three.
type OrderingMode int

const (
	// OrderingAllowed sorts on id, updated_date and created_date (with "-"
	// for descending); other fields are a 400.
	OrderingAllowed OrderingMode = iota
	// OrderingRejected answers any order_by with
	// 400 {"error": "No matching '<field>' field for ordering on."}.
	OrderingRejected
	// OrderingIgnored serves id order whatever order_by says.
	OrderingIgnored
)

// Options configures a Server. The zero value is a Los Angeles tenant that
// needs no credentials.
type Options struct {
	APIKey, APISecret string           // both empty = no auth required
	Zone              *time.Location   // tenant zone for naive dates; nil = America/Los_Angeles
	Clock             func() time.Time // nil = time.Now; drive it to script created/updated dates and DST
	DefaultLimit      int              // 0 = 20 (Tastypie's API_LIMIT_PER_PAGE)
	// MaxLimit clamps limit; limit=0 means MaxLimit. 0 = 1000 (Tastypie's
	// max_limit). Negative = no clamp: limit=0 returns every row with no
	// next/previous, as a 2018 tenant did in a captured response
	// ("limit": 0 in meta, no next).
	MaxLimit int
	Ordering OrderingMode
	Logf     func(format string, args ...any) // optional request log
	// OAuth, if set, also accepts API Platform Bearer tokens issued at
	// TokenPath.
	OAuth *OAuth
	// Quirks make the tenant misbehave on purpose; the zero value is a
	// well-behaved Tastypie.
	Quirks Quirks
}

// Latency is how long the tenant takes to answer a list request. Revel
// answers a page in roughly half a second, and a 1,000-row OrderItem page
// has taken 30 s (pos-analytics-pipeline's notes, in
// github.com/asimbilaladil/pos-analytics-pipeline), so a poller's speed
// against a real tenant is set by these waits, not by its own CPU.
type Latency struct {
	PerRequest time.Duration // every list response waits this long
	Jitter     time.Duration // plus a uniformly random 0 to Jitter
	PerRow     time.Duration // plus this for each row in the page
}

// SetLatency slows every later list response down by l; the zero value
// answers at once.
func (s *Server) SetLatency(l Latency) {
	s.faultMu.Lock()
	s.latency = l
	s.faultMu.Unlock()
}

func (s *Server) currentLatency() Latency {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.latency
}

// wait returns how long to hold a response of rows rows.
func (l Latency) wait(rows int) time.Duration {
	d := l.PerRequest + time.Duration(rows)*l.PerRow
	if l.Jitter > 0 {
		d += rand.N(l.Jitter + 1)
	}
	return d
}

// Server is a simulated Revel tenant. Use it as an http.Handler or call
// Start to listen on loopback. All methods are safe for concurrent use.
type Server struct {
	opts         Options
	zone         *time.Location
	clock        func() time.Time
	defaultLimit int
	maxLimit     int // <= 0: no clamp

	oauth tokenStore

	mu     sync.RWMutex // guards tables and everything in them
	tables map[string]*table
	routes map[string]*resource // "/resources/Employee" -> resource
	// late schedules changes made from now on; pending holds those not
	// yet visible, in the order they were made.
	late         LateCommit
	pending      []pendingChange
	listRequests atomic.Uint64

	faultMu sync.Mutex
	faults  []*Fault
	rates   FaultRates
	rnd     *rand.Rand
	hook    func(*http.Request)
	latency Latency

	churnMu sync.Mutex
	churned int // later-page requests churned so far (Quirks.Churn)

	logMu sync.Mutex
	log   []Request

	srvMu sync.Mutex
	srv   *http.Server
	url   string
}

// New returns a Server with no data. It panics if the default zone cannot
// be loaded, which the embedded tzdata rules out.
func New(opts Options) *Server {
	s := &Server{opts: opts, zone: opts.Zone, clock: opts.Clock, defaultLimit: opts.DefaultLimit, maxLimit: opts.MaxLimit,
		tables: map[string]*table{}, routes: map[string]*resource{}, late: opts.Quirks.LateCommit}
	if s.zone == nil {
		zone, err := time.LoadLocation("America/Los_Angeles")
		if err != nil {
			panic(err)
		}
		s.zone = zone
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.defaultLimit <= 0 {
		s.defaultLimit = 20
	}
	if s.maxLimit == 0 {
		s.maxLimit = 1000
	}
	for _, r := range resources {
		s.tables[r.name] = newTable(r)
		s.routes[r.prefix+r.name] = r
	}
	return s
}

// Start listens on addr ("" = 127.0.0.1:0, an ephemeral loopback port) and
// serves in the background. It returns the base URL, e.g.
// "http://127.0.0.1:41234". Binding beyond loopback needs an explicit addr.
func (s *Server) Start(addr string) (string, error) {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv != nil {
		return "", errors.New("revelsim: already started")
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	go func(srv *http.Server) {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("revelsim: serve: %v", err)
		}
	}(s.srv)
	return s.url, nil
}

// Close stops a started server, cancelling in-flight (e.g. delayed)
// requests. It is a no-op if Start was never called.
func (s *Server) Close() error {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	s.srv, s.url = nil, ""
	return err
}

// URL returns the base URL from Start, or "" when not listening.
func (s *Server) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return s.url
}

// OnRequest sets a hook run before each list request is served (before
// faults and auth), outside any lock, so it may Insert, Update or Delete
// rows between pages. nil removes it.
func (s *Server) OnRequest(fn func(r *http.Request)) {
	s.faultMu.Lock()
	s.hook = fn
	s.faultMu.Unlock()
}

// statusClientClosed is logged when the client gave up during a Delay
// (nginx's convention; nothing is written).
const statusClientClosed = 499

// ServeHTTP routes a request the way Revel's URLconf does: case-sensitive
// resource names, trailing slash required, 404 (empty body) for anything
// unknown, 405 for anything but GET, then 401 without valid credentials.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &recordingWriter{ResponseWriter: w, record: func(status int) { s.record(r, status) }}
	status := s.serve(rw, r)
	if !rw.recorded {
		rw.recorded = true
		s.record(r, status)
	}
	if s.opts.Logf != nil {
		s.logf("revelsim: %s %s -> %d (%s)", r.Method, redact(r), status, time.Since(start).Round(time.Microsecond))
	}
}

// recordingWriter logs the request when its status is written, before the
// client can see the response: a test that has its answer finds the
// request in Requests.
type recordingWriter struct {
	http.ResponseWriter
	record   func(status int)
	recorded bool
}

func (w *recordingWriter) WriteHeader(status int) {
	if !w.recorded {
		w.recorded = true
		w.record(status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) int {
	if s.opts.OAuth != nil && r.URL.Path == TokenPath {
		return s.serveToken(w, r)
	}
	res, id, ok := s.route(r.URL.Path)
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return http.StatusNotFound
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return http.StatusMethodNotAllowed
	}
	list := id == 0
	if hook := s.onRequest(); list && hook != nil {
		hook(r)
	}
	f := s.takeFault(r, list)
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return statusClientClosed
		}
	}
	if f.Status != 0 {
		return writeFault(w, f)
	}
	if !s.authorized(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return http.StatusUnauthorized
	}
	if list {
		s.commitDue(s.listRequests.Add(1))
		return s.serveList(w, r, res, f)
	}
	s.commitDue(0)
	return s.serveDetail(w, r, res, id)
}

// route splits "/resources/Employee/" or "/resources/Employee/42/"; id is
// 0 for a list path.
func (s *Server) route(path string) (*resource, int64, bool) {
	for _, prefix := range []string{"/resources/", "/enterprise/", "/products/"} {
		rest, ok := strings.CutPrefix(path, prefix)
		if !ok || !strings.HasSuffix(rest, "/") {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
		res := s.routes[prefix+parts[0]]
		switch {
		case res == nil || len(parts) > 2:
			return nil, 0, false
		case len(parts) == 1:
			return res, 0, true
		}
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil || id <= 0 || !allDigits(parts[1]) {
			return nil, 0, false
		}
		return res, id, true
	}
	return nil, 0, false
}

// authorized checks the classic per-tenant credentials (Revel's
// "Authentication Types" page, developer-qa.revelup.io):
// header "API-AUTHENTICATION: key:secret" or api_key/api_secret parameters.
func (s *Server) authorized(r *http.Request) bool {
	if s.bearerAuthorized(r) {
		return true
	}
	if s.opts.APIKey == "" && s.opts.APISecret == "" {
		return s.opts.OAuth == nil
	}
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	if h := r.Header.Get("API-AUTHENTICATION"); h != "" && eq(h, s.opts.APIKey+":"+s.opts.APISecret) {
		return true
	}
	q := r.URL.Query()
	return q.Has("api_key") && eq(q.Get("api_key"), s.opts.APIKey) && eq(q.Get("api_secret"), s.opts.APISecret)
}

// carriesCredentials reports whether a request presented any credentials,
// valid or not; credential-leak tests check it on a foreign origin.
func carriesCredentials(r *http.Request) bool {
	q := r.URL.Query()
	return r.Header.Get("API-AUTHENTICATION") != "" || r.Header.Get("Authorization") != "" ||
		q.Has("api_key") || q.Has("api_secret")
}

// serveDetail answers GET /<prefix>/<Resource>/<id>/ with the bare object.
func (s *Server) serveDetail(w http.ResponseWriter, r *http.Request, res *resource, id int64) int {
	fields := parseFields(parseParams(r.URL.RawQuery))
	s.mu.RLock()
	t := s.table(res.name)
	row := t.find(id)
	var b []byte
	if row != nil {
		if only := t.projection(fields); only != nil {
			b = t.appendRow(nil, row, only)
		} else {
			b = t.appendRowJSON(nil, row)
		}
	}
	s.mu.RUnlock()
	if row == nil {
		w.WriteHeader(http.StatusNotFound)
		return http.StatusNotFound
	}
	return writeJSON(w, http.StatusOK, b)
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// redact hides api_secret in the request log line.
func redact(r *http.Request) string {
	q := r.URL.Query()
	if !q.Has("api_secret") {
		return r.URL.RequestURI()
	}
	q.Set("api_secret", "REDACTED")
	return fmt.Sprintf("%s?%s", r.URL.Path, q.Encode())
}
