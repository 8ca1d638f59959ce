// Package revelapi reads list pages from the Revel REST API: credentials,
// retries, rate limits and Tastypie page decoding.
package revelapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/revel-connect/revel-connect/internal/httpurl"
	"github.com/revel-connect/revel-connect/internal/redact"
	"github.com/revel-connect/revel-connect/internal/retryafter"
)

// Auth adds credentials to a request. It is only ever called for requests
// to the configured origin.
type Auth interface {
	Apply(ctx context.Context, r *http.Request) error
}

// KeyAuth is Revel's per-tenant API key and secret.
type KeyAuth struct {
	Key, Secret string
}

// Apply implements Auth.
func (k KeyAuth) Apply(_ context.Context, r *http.Request) error {
	r.Header.Set("API-AUTHENTICATION", k.Key+":"+k.Secret)
	return nil
}

// Backoff shapes the waits between retries of one page.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// Options configure a Client.
type Options struct {
	// BaseURL is the tenant origin, e.g. https://acme.revelup.com.
	BaseURL string
	Auth    Auth
	// Timeout bounds each request attempt, body included.
	Timeout time.Duration
	// Wait, if set, is called before every attempt; it blocks for a rate
	// limit and fails only when ctx ends.
	Wait    func(ctx context.Context) error
	Backoff Backoff
	// OnRetry, if set, hears about every failed attempt that will be
	// retried and how long the client waits first.
	OnRetry func(u *url.URL, attempt int, wait time.Duration, err error)
	// OnResponse, if set, sees the status of every response received.
	OnResponse func(status int)
	// Transport, if set, carries the requests (tests, TLS settings); nil
	// gives the client a NewTransport of its own.
	Transport http.RoundTripper
	// Hold, if set, is shared by every client of one tenant: a Retry-After
	// that one request receives holds back all of their requests, not
	// just the retry. Nil gives the client a hold of its own.
	Hold *Hold
}

// Hold keeps requests back until a time a server asked for. It is safe for
// concurrent use; the zero value holds nothing.
type Hold struct {
	until atomic.Int64 // Unix nanoseconds; 0 = never held
}

// Extend holds requests until at least t.
func (h *Hold) Extend(t time.Time) {
	for {
		cur := h.until.Load()
		if t.UnixNano() <= cur || h.until.CompareAndSwap(cur, t.UnixNano()) {
			return
		}
	}
}

// Until is the time requests are held until; zero if never held.
func (h *Hold) Until() time.Time {
	if n := h.until.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// NewTransport returns the transport a client uses when Options.Transport
// is nil: http.DefaultTransport's settings, keeping up to 16 idle
// connections to the origin (a cycle reads pages ahead and, splitting a
// backlog, in several id ranges side by side). A transport of its own lets
// a client close its idle connections (CloseIdleConnections) without
// touching any other tenant's.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = 16
	return t
}

// copyBuffers lends io.CopyBuffer its buffer: io.Copy would allocate 32 KiB
// for every response, an idle poll's few hundred bytes included.
var copyBuffers = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// Client fetches pages from one Revel origin.
type Client struct {
	base  *url.URL
	opts  Options
	http  *http.Client
	sleep func(context.Context, time.Duration) error // replaced in tests to observe waits
	// lastBody is the size of the last response body, to size the next.
	lastBody atomic.Int64
}

// maxBody guards against a runaway response; a page of 1000 Revel orders is
// a few megabytes.
const maxBody = 256 << 20

// New checks the options and returns a client.
func New(opts Options) (*Client, error) {
	base, err := httpurl.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("base_url: %w such as https://acme.revelup.com", err)
	}
	if opts.Backoff.Initial <= 0 {
		opts.Backoff.Initial = time.Second
	}
	if opts.Backoff.Max < opts.Backoff.Initial {
		opts.Backoff.Max = max(opts.Backoff.Initial, time.Minute)
	}
	if opts.Hold == nil {
		opts.Hold = &Hold{}
	}
	c := &Client{base: base, opts: opts, sleep: Sleep}
	transport := opts.Transport
	if transport == nil {
		transport = NewTransport()
	}
	c.http = &http.Client{
		Transport: transport,
		// Redirects would carry the credential header to wherever they
		// point; only same-origin redirects are followed.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !c.sameOrigin(req.URL) {
				return fmt.Errorf("%w: refusing redirect to %s: credentials go only to %s", ErrForeignLink, shownURL(req.URL), c.origin())
			}
			if len(via) >= 5 {
				return errors.New("stopped after 5 redirects")
			}
			return nil
		},
	}
	return c, nil
}

// CloseIdleConnections closes the connections the client's transport keeps
// open between requests (all of them, if Options.Transport is shared), and
// those of an Auth that fetches tokens over HTTP. A request in flight keeps
// its connection; the next request dials again.
func (c *Client) CloseIdleConnections() {
	c.http.CloseIdleConnections()
	if a, ok := c.opts.Auth.(interface{ CloseIdleConnections() }); ok {
		a.CloseIdleConnections()
	}
}

// Resolve turns a path and query, or a link from a response, into a URL on
// the configured origin. A link to any other origin is an error: following
// it would hand the tenant's credentials to a stranger.
func (c *Client) Resolve(ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("bad link %q: %w", ref, err)
	}
	u := c.base.ResolveReference(r)
	if r.Host == "" && !strings.HasPrefix(r.Path, "/") {
		return nil, fmt.Errorf("link %q is not a path", ref)
	}
	if r.IsAbs() || r.Host != "" {
		if !c.sameOrigin(u) {
			return nil, fmt.Errorf("%w: %s is not on %s", ErrForeignLink, shownURL(u), c.origin())
		}
		return u, nil
	}
	// Keep a path prefix of base_url (a proxy mount point) in front of
	// Revel's absolute paths.
	if p := strings.TrimRight(c.base.Path, "/"); p != "" && !strings.HasPrefix(r.Path, p+"/") {
		u.Path = p + r.Path
		u.RawPath = ""
	}
	return u, nil
}

// ErrForeignLink marks a pagination link or redirect to another origin.
var ErrForeignLink = errors.New("link leaves the configured origin")

func (c *Client) origin() string { return c.base.Scheme + "://" + c.base.Host }

func (c *Client) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}

// StatusError is a response that retrying will not fix: bad credentials,
// an unknown resource, a rejected filter.
type StatusError struct {
	Code int
	URL  string
	// Message is Tastypie's {"error": ...} text when the body has one.
	Message string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("GET %s: %d %s", e.URL, e.Code, http.StatusText(e.Code))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// IsAuth reports whether err means the credentials were rejected.
func IsAuth(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden)
}

// retryable marks failures that a later attempt can fix.
type retryable struct {
	err        error
	retryAfter time.Duration // from a Retry-After header; 0 = use backoff
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// Get fetches one page, retrying throttling, server errors, timeouts and
// malformed bodies until it succeeds or ctx ends. Errors a retry cannot fix
// come back as *StatusError at once.
func (c *Client) Get(ctx context.Context, u *url.URL) (*Page, error) {
	refreshed := false
	var held time.Time // the hold this request has already waited out
	for attempt := 1; ; attempt++ {
		page, err := c.attempt(ctx, u, held)
		if err == nil {
			return page, nil
		}
		if r, ok := c.opts.Auth.(Refresher); ok && !refreshed && IsAuth(err) {
			// A token may be revoked or expired early: renew it once.
			refreshed = true
			r.Refresh()
			continue
		}
		var r *retryable
		if !errors.As(err, &r) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		wait := r.retryAfter
		if wait <= 0 {
			wait = c.opts.Backoff.Wait(attempt)
		} else {
			// The server asked every request to wait, not only this one.
			held = time.Now().Add(wait)
			c.opts.Hold.Extend(held)
		}
		if c.opts.OnRetry != nil {
			c.opts.OnRetry(u, attempt, wait, r.err)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// Wait returns how long to wait before attempt n+1 after n failures:
// exponential, and jittered so many pollers retrying one outage do not
// return in lockstep.
func (b Backoff) Wait(failures int) time.Duration {
	d := b.Initial
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d/2 + rand.N(d/2+1)
}

// attempt sends one request, after the tenant's hold (unless this request
// has waited it out already) and the rate limit.
func (c *Client) attempt(ctx context.Context, u *url.URL, held time.Time) (*Page, error) {
	if until := c.opts.Hold.Until(); until.After(held) {
		if err := c.sleep(ctx, time.Until(until)); err != nil {
			return nil, err
		}
	}
	if c.opts.Wait != nil {
		if err := c.opts.Wait(ctx); err != nil {
			return nil, err
		}
	}
	actx := ctx
	if c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "revel-connect")
	if c.opts.Auth != nil && c.sameOrigin(u) {
		if err := c.opts.Auth.Apply(ctx, req); err != nil {
			if rejected := tokenRejected(err); rejected != nil {
				return nil, rejected
			}
			return nil, &retryable{err: fmt.Errorf("credentials: %w", err)}
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, ErrForeignLink) {
			return nil, err
		}
		var ue *url.Error // net/http's: its URL keeps the query
		if errors.As(err, &ue) {
			ue.URL = redact.URLs(ue.URL)
		}
		return nil, &retryable{err: err}
	}
	defer resp.Body.Close()
	if c.opts.OnResponse != nil {
		c.opts.OnResponse(resp.StatusCode)
	}

	// One allocation of the page's size, not a doubling series of copies:
	// pages are hundreds of kilobytes. A compressed response has no
	// length, and the last page's size is a good guess.
	var body strings.Builder
	size := resp.ContentLength
	if size <= 0 {
		size = c.lastBody.Load()
	}
	if size > 0 && size <= maxBody {
		body.Grow(int(size))
	}
	buf := copyBuffers.Get().(*[32 << 10]byte)
	_, readErr := io.CopyBuffer(&body, io.LimitReader(resp.Body, maxBody+1), buf[:])
	copyBuffers.Put(buf)
	c.lastBody.Store(int64(body.Len()))
	if body.Len() > maxBody {
		return nil, fmt.Errorf("GET %s: response larger than %d MiB; lower page_size", shownURL(u), maxBody>>20)
	}

	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return nil, &retryable{err: fmt.Errorf("GET %s: 429 Too Many Requests", shownURL(u)), retryAfter: retryWait(resp.Header)}
	case code >= 500:
		return nil, &retryable{err: fmt.Errorf("GET %s: %d %s", shownURL(u), code, http.StatusText(code)), retryAfter: retryWait(resp.Header)}
	case code != http.StatusOK:
		return nil, &StatusError{Code: code, URL: shownURL(u), Message: errorMessage(body.String())}
	}
	if readErr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &retryable{err: fmt.Errorf("GET %s: reading body: %w", shownURL(u), readErr)}
	}
	page, err := DecodePage(body.String())
	if err != nil {
		return nil, &retryable{err: fmt.Errorf("GET %s: %w", shownURL(u), err)}
	}
	return page, nil
}

// tokenRejected turns a token endpoint's refusal (bad client id or secret)
// into an authentication failure, which retrying as is cannot fix.
func tokenRejected(err error) *StatusError {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return nil
	}
	code := re.Response.StatusCode
	if code >= 500 || code == http.StatusTooManyRequests {
		return nil
	}
	where := "the token endpoint"
	if re.Response.Request != nil {
		where = shownURL(re.Response.Request.URL)
	}
	return &StatusError{Code: http.StatusUnauthorized, URL: where, Message: fmt.Sprintf("token request refused (%d %s)", code, re.ErrorCode)}
}

// retryWait is the wait a response's Retry-After asks for; 0 leaves the
// retry to the backoff.
func retryWait(h http.Header) time.Duration {
	d, _ := retryafter.Parse(h.Get("Retry-After"), time.Now())
	return d
}

// Sleep waits for d or until ctx ends, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// shownURL is u as errors and logs show it: no password, and no value of a
// query parameter named like a credential (?token=...).
func shownURL(u *url.URL) string { return redact.URLs(u.Redacted()) }
