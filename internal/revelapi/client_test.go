package revelapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/revelsim"
	"github.com/revel-connect/revel-connect/revelsim/revelsimtest"
)

const (
	testKey    = "key-123"
	testSecret = "s3cret-value"
)

func startSim(t *testing.T, opts revelsim.Options) (*revelsim.Server, string) {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey, opts.APISecret = testKey, testSecret
	}
	s := revelsimtest.Start(t, opts)
	return s, s.URL()
}

// sleeps records the waits a client asks for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newClient(t *testing.T, base string, mod func(*Options)) (*Client, *sleeps) {
	t.Helper()
	opts := Options{BaseURL: base, Auth: KeyAuth{Key: testKey, Secret: testSecret}, Timeout: 5 * time.Second,
		Backoff: Backoff{Initial: 100 * time.Millisecond, Max: time.Second}}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	s := &sleeps{}
	c.sleep = s.sleep
	return c, s
}

func get(t *testing.T, c *Client, ref string) (*Page, error) {
	t.Helper()
	u, err := c.Resolve(ref)
	if err != nil {
		t.Fatal(err)
	}
	return c.Get(context.Background(), u)
}

func TestGetDecodesTastypiePage(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 3; i++ {
		sim.Insert("Employee", map[string]any{"first_name": fmt.Sprintf("E%d", i)})
	}
	c, _ := newClient(t, base, nil)
	page, err := get(t, c, "/resources/Employee/?limit=2")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 2 || !page.HasTotal || page.TotalCount != 3 || page.TimeZone != "America/Los_Angeles" {
		t.Fatalf("page = %+v", page)
	}
	if !strings.HasPrefix(page.Next, "/resources/Employee/?") {
		t.Fatalf("next = %q", page.Next)
	}
	if got := gjson.Get(page.Objects[1], "first_name").Str; got != "E1" {
		t.Fatalf("second object first_name = %q", got)
	}
	reqs := sim.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("API-AUTHENTICATION") != testKey+":"+testSecret {
		t.Fatalf("credentials not sent as API-AUTHENTICATION: %+v", reqs)
	}
}

func TestUnauthorizedIsNotRetried(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	c, sl := newClient(t, base, func(o *Options) { o.Auth = KeyAuth{Key: "wrong", Secret: "creds"} })
	_, err := get(t, c, "/resources/Employee/")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized || !IsAuth(err) {
		t.Fatalf("err = %v, want a 401 StatusError", err)
	}
	if n := len(sim.Requests()); n != 1 || len(sl.all()) != 0 {
		t.Fatalf("a 401 was retried: %d requests, sleeps %v", n, sl.all())
	}
	if strings.Contains(err.Error(), "creds") {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestBadRequestCarriesTastypieMessage(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", map[string]any{"first_name": "Ana"})
	c, _ := newClient(t, base, nil)
	_, err := get(t, c, "/resources/Employee/?first_name__gte=A")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusBadRequest || !strings.Contains(se.Message, "does not allow filtering") {
		t.Fatalf("err = %v", err)
	}
	if _, err := get(t, c, "/resources/Nope/"); !errors.As(err, &se) || se.Code != http.StatusNotFound {
		t.Fatalf("unknown resource err = %v", err)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", nil)
	sim.InjectFault(revelsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7"})
	c, sl := newClient(t, base, nil)
	page, err := get(t, c, "/resources/Employee/")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 1 {
		t.Fatalf("objects = %d", len(page.Objects))
	}
	if got := sl.all(); len(got) != 1 || got[0] != 7*time.Second {
		t.Fatalf("waits = %v, want exactly the Retry-After of 7s", got)
	}
}

// A Retry-After holds back every request that shares the hold (a tenant's
// other resources and backfill slices), not just the one retried.
func TestRetryAfterHoldsEveryRequestOfTheTenant(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", nil)
	sim.InjectFault(revelsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7",
		Match: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "Employee") }})
	hold := &Hold{}
	shared := func(o *Options) { o.Hold = hold }
	throttled, _ := newClient(t, base, shared)
	other, otherSleeps := newClient(t, base, shared)
	alone, aloneSleeps := newClient(t, base, nil)

	if _, err := get(t, throttled, "/resources/Employee/"); err != nil {
		t.Fatal(err)
	}
	if _, err := get(t, other, "/resources/TimeSheetEntry/"); err != nil {
		t.Fatal(err)
	}
	if got := otherSleeps.all(); len(got) != 1 || got[0] <= 6*time.Second || got[0] > 7*time.Second {
		t.Fatalf("a client sharing the hold waited %v, want one wait of the rest of the 7s Retry-After", got)
	}
	if _, err := get(t, alone, "/resources/TimeSheetEntry/"); err != nil {
		t.Fatal(err)
	}
	if got := aloneSleeps.all(); len(got) != 0 {
		t.Fatalf("a client with its own hold waited %v, want no wait", got)
	}
}

func TestThrottleWithoutRetryAfterBacksOffExponentially(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.InjectFault(revelsim.Fault{Status: http.StatusTooManyRequests, Times: 4})
	c, sl := newClient(t, base, nil)
	if _, err := get(t, c, "/resources/Employee/"); err != nil {
		t.Fatal(err)
	}
	got := sl.all()
	if len(got) != 4 {
		t.Fatalf("waits = %v, want 4", got)
	}
	// Jittered within [d/2, d] for d = 100ms, 200ms, 400ms, 800ms.
	for i, w := range got {
		d := 100 * time.Millisecond << i
		if w < d/2 || w > d {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, d/2, d)
		}
	}
}

func TestServerErrorsTruncationAndTimeoutsAreRetried(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 5; i++ {
		sim.Insert("Employee", nil)
	}
	sim.InjectFault(revelsim.Fault{Status: http.StatusInternalServerError})
	sim.InjectFault(revelsim.Fault{Status: http.StatusBadGateway})
	sim.InjectFault(revelsim.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "2"})
	sim.InjectFault(revelsim.Fault{Truncate: true})
	sim.InjectFault(revelsim.Fault{Delay: time.Minute})
	c, sl := newClient(t, base, func(o *Options) { o.Timeout = 200 * time.Millisecond })
	var retried []string
	c.opts.OnRetry = func(_ *url.URL, _ int, _ time.Duration, err error) { retried = append(retried, err.Error()) }
	page, err := get(t, c, "/resources/Employee/")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Objects) != 5 {
		t.Fatalf("objects = %d, want 5", len(page.Objects))
	}
	if len(retried) != 5 || len(sl.all()) != 5 || sl.all()[2] != 2*time.Second {
		t.Fatalf("retries = %q, waits = %v", retried, sl.all())
	}
	for i, want := range []string{"500", "502", "503", "not valid JSON", "deadline exceeded"} {
		if !strings.Contains(retried[i], want) {
			t.Errorf("retry %d = %q, want it to mention %q", i, retried[i], want)
		}
	}
}

func TestGetStopsWhenContextEnds(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.InjectFault(revelsim.Fault{Status: http.StatusServiceUnavailable, Times: 1000})
	c, err := New(Options{BaseURL: base, Backoff: Backoff{Initial: time.Hour, Max: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	u, _ := c.Resolve("/resources/Employee/")
	c.opts.OnRetry = func(*url.URL, int, time.Duration, error) { cancel() }
	if _, err := c.Get(ctx, u); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestWaitRunsBeforeEveryAttempt(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.InjectFault(revelsim.Fault{Status: http.StatusBadGateway, Times: 2})
	waits := 0
	c, _ := newClient(t, base, func(o *Options) {
		o.Wait = func(context.Context) error { waits++; return nil }
	})
	if _, err := get(t, c, "/resources/Employee/"); err != nil {
		t.Fatal(err)
	}
	if waits != 3 {
		t.Fatalf("rate limit consulted %d times for 3 attempts", waits)
	}
}

func TestResolveKeepsCredentialsOnOrigin(t *testing.T) {
	c, _ := newClient(t, "https://acme.revelup.com", nil)
	for ref, want := range map[string]string{
		"/resources/Employee/?limit=1":                        "https://acme.revelup.com/resources/Employee/?limit=1",
		"https://acme.revelup.com/resources/Employee/?next=1": "https://acme.revelup.com/resources/Employee/?next=1",
		"HTTPS://ACME.revelup.com/resources/Employee/":        "https://ACME.revelup.com/resources/Employee/",
	} {
		u, err := c.Resolve(ref)
		if err != nil || u.String() != want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", ref, u, err, want)
		}
	}
	for _, ref := range []string{"https://evil.example/resources/Employee/", "http://acme.revelup.com/resources/Employee/", "//evil.example/x", "https://acme.revelup.com:8443/x"} {
		if _, err := c.Resolve(ref); !errors.Is(err, ErrForeignLink) {
			t.Errorf("Resolve(%q) err = %v, want ErrForeignLink", ref, err)
		}
	}
	prefixed, _ := newClient(t, "http://127.0.0.1:8081/revel/", nil)
	if u, err := prefixed.Resolve("/resources/Employee/?limit=1"); err != nil || u.String() != "http://127.0.0.1:8081/revel/resources/Employee/?limit=1" {
		t.Errorf("prefixed Resolve = %v, %v", u, err)
	}
}

func TestRedirectOffOriginIsRefused(t *testing.T) {
	var foreignHits, foreignCreds int
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits++
		if r.Header.Get("API-AUTHENTICATION") != "" {
			foreignCreds++
		}
		io.WriteString(w, `{"meta":{},"objects":[]}`)
	}))
	defer foreign.Close()
	redirector := httptest.NewServer(http.RedirectHandler(foreign.URL+"/resources/Employee/", http.StatusFound))
	defer redirector.Close()
	c, _ := newClient(t, redirector.URL, nil)
	_, err := get(t, c, "/resources/Employee/")
	if !errors.Is(err, ErrForeignLink) || !strings.Contains(err.Error(), "refusing redirect") {
		t.Fatalf("err = %v, want a refused redirect", err)
	}
	if foreignHits != 0 || foreignCreds != 0 {
		t.Fatalf("foreign origin got %d requests (%d with credentials)", foreignHits, foreignCreds)
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, bad := range []string{"", "acme.revelup.com", "ftp://acme.revelup.com", "https://"} {
		if _, err := New(Options{BaseURL: bad}); err == nil || !strings.Contains(err.Error(), "base_url") {
			t.Errorf("New(%q) err = %v", bad, err)
		}
	}
}

// A credential in a query parameter (a proxy's ?token=) stays out of
// errors, as a password in the URL does.
func TestErrorsHideQueryCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer srv.Close()
	c, _ := newClient(t, srv.URL, nil)
	u, err := url.Parse(srv.URL + "/resources/Employee/?limit=5&token=s3cr3t-t0ken")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(t.Context(), u)
	if err == nil {
		t.Fatal("a 403 was not an error")
	}
	if strings.Contains(err.Error(), "s3cr3t-t0ken") || !strings.Contains(err.Error(), "token=xxxxx") {
		t.Errorf("error %q shows the token, or not where it was", err)
	}

	// net/http's own errors (here, nothing listens) name the URL too.
	srv.Close()
	var retried error
	c, _ = newClient(t, srv.URL, func(o *Options) {
		o.OnRetry = func(_ *url.URL, _ int, _ time.Duration, err error) { retried = err }
	})
	ctx, cancel := context.WithCancel(t.Context())
	c.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	_, _ = c.Get(ctx, u)
	if retried == nil || strings.Contains(retried.Error(), "s3cr3t-t0ken") || !strings.Contains(retried.Error(), "token=xxxxx") {
		t.Errorf("connection error %v shows the token, or not where it was", retried)
	}
}
