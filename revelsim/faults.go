package revelsim

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Fault is one scripted misbehaviour. Revel publishes no error contract, so
// these model what clients have met in practice or must survive anyway:
// throttling (Revel publishes no rate limits and asks clients to honour
// 429), gateway errors, slow and cut-off pages (a public pipeline retries
// empty or malformed pages: asimbilaladil/pos-analytics-pipeline), and a
// next link pointing somewhere else.
type Fault struct {
	Status     int           // e.g. 429, 500, 502, 503, 401; 0 = serve normally but apply the rest
	RetryAfter string        // Retry-After header value, e.g. "2" (only with Status)
	Truncate   bool          // 200 with the real page body cut in half (invalid JSON)
	Delay      time.Duration // wait before responding; a cancelled request gets nothing
	// ForeignNext makes meta.next this origin (e.g. "http://127.0.0.2:9")
	// plus the relative next link, even on the last page, for
	// credential-leak tests.
	ForeignNext string
	// Match selects requests; nil = any list request. It runs under the
	// fault lock, so it must not call InjectFault, SetFaultRates or OnRequest.
	Match func(*http.Request) bool
	Times int // how many matching requests it applies to (0 = 1)
}

// InjectFault queues f. Each routed GET takes the first queued fault that
// matches it, before auth and normal handling; a fault is dropped once it
// has applied Times times.
func (s *Server) InjectFault(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faultMu.Lock()
	s.faults = append(s.faults, &f)
	s.faultMu.Unlock()
}

// FaultRates makes list requests fail at random, for the standalone
// simulator. Rates are probabilities in [0,1] drawn per request from a
// generator seeded with Seed, so a run is reproducible for a given request
// sequence. ServerError picks 500, 502 or 503; Slow delays by SlowDelay
// (default 2s) and then serves normally; RetryAfter > 0 adds a Retry-After
// header (whole seconds) to 429s.
type FaultRates struct {
	ServerError, TooManyRequests, Slow float64
	RetryAfter                         time.Duration
	SlowDelay                          time.Duration
	Seed                               int64
}

// SetFaultRates replaces the random fault rates; the zero value disables them.
func (s *Server) SetFaultRates(r FaultRates) {
	if r.SlowDelay <= 0 {
		r.SlowDelay = 2 * time.Second
	}
	s.faultMu.Lock()
	s.rates = r
	s.rnd = rand.New(rand.NewPCG(uint64(r.Seed), 0))
	s.faultMu.Unlock()
}

func (s *Server) onRequest() func(*http.Request) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return s.hook
}

// takeFault consumes the first queued fault matching r, else draws a
// random one for list requests; the zero Fault means "serve normally".
func (s *Server) takeFault(r *http.Request, list bool) Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if (f.Match == nil && !list) || (f.Match != nil && !f.Match(r)) {
			continue
		}
		if f.Times--; f.Times == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		return *f
	}
	if !list || s.rnd == nil {
		return Fault{}
	}
	var f Fault
	switch rt := s.rates; {
	case rt.TooManyRequests > 0 && s.rnd.Float64() < rt.TooManyRequests:
		f.Status = http.StatusTooManyRequests
		if rt.RetryAfter > 0 {
			f.RetryAfter = strconv.Itoa(int(math.Ceil(rt.RetryAfter.Seconds())))
		}
	case rt.ServerError > 0 && s.rnd.Float64() < rt.ServerError:
		f.Status = []int{500, 502, 503}[s.rnd.IntN(3)]
	}
	if s.rates.Slow > 0 && s.rnd.Float64() < s.rates.Slow {
		f.Delay = s.rates.SlowDelay
	}
	return f
}

// writeFault renders an error status with the body its origin would send:
// Django/Tastypie's canned JSON for 500, a load balancer's HTML page for
// 502-504, and nothing for throttling and auth errors (Tastypie's
// HttpTooManyRequests and HttpUnauthorized are empty).
func writeFault(w http.ResponseWriter, f Fault) int {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.Status == http.StatusInternalServerError:
		return writeJSON(w, f.Status, []byte(`{"error_message": "Sorry, this request could not be processed. Please try again later."}`))
	case f.Status >= 502 && f.Status <= 504:
		text := strconv.Itoa(f.Status) + " " + http.StatusText(f.Status)
		body := "<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text + "</h1></center>\r\n</body>\r\n</html>\r\n"
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(f.Status)
		w.Write([]byte(body)) //nolint:errcheck // the client went away
		return f.Status
	}
	w.WriteHeader(f.Status)
	return f.Status
}
