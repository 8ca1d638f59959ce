package httpcallback

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/revel-connect/revel-connect/internal/retryafter"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

func init() {
	service.MustRegisterBatchOutput("http_callback", Spec(),
		func(pc *service.ParsedConfig, res *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
			var policy service.BatchPolicy
			maxInFlight, err := pc.FieldMaxInFlight()
			if err != nil {
				return nil, policy, 0, err
			}
			if policy, err = pc.FieldBatchPolicy(fBatching); err != nil {
				return nil, policy, 0, err
			}
			out, err := newOutput(pc, res)
			return out, policy, maxInFlight, err
		})
}

type output struct {
	url          *service.InterpolatedString
	verb         string
	headers      map[string]*service.InterpolatedString
	metadata     *service.MetadataFilter // nil = none
	retryPeriod  time.Duration
	maxBackoff   time.Duration
	successfulOn map[int]bool
	client       *http.Client
	log          *service.Logger
	retries      *service.MetricCounter
	throttled    *service.MetricCounter
	now          func() time.Time

	mu        sync.Mutex
	notBefore time.Time // no request starts before it: the latest Retry-After
}

func newOutput(pc *service.ParsedConfig, res *service.Resources) (*output, error) {
	o := &output{log: res.Logger(), now: time.Now, successfulOn: map[int]bool{}}
	var err error
	if o.url, err = pc.FieldInterpolatedString(fURL); err != nil {
		return nil, err
	}
	if raw, static := o.url.Static(); static {
		if err := checkURL(raw); err != nil {
			return nil, err
		}
	}
	if o.verb, err = pc.FieldString(fVerb); err != nil {
		return nil, err
	}
	if o.headers, err = pc.FieldInterpolatedStringMap(fHeaders); err != nil {
		return nil, err
	}
	if pc.Contains(fMetadata) {
		if o.metadata, err = pc.FieldMetadataFilter(fMetadata); err != nil {
			return nil, err
		}
	}
	timeout, err := pc.FieldDuration(fTimeout)
	if err != nil {
		return nil, err
	}
	if o.retryPeriod, err = pc.FieldDuration(fRetryPeriod); err != nil {
		return nil, err
	}
	if o.maxBackoff, err = pc.FieldDuration(fMaxBackoff); err != nil {
		return nil, err
	}
	if o.retryPeriod <= 0 {
		return nil, fmt.Errorf("%s: give a duration above zero, such as 1s", fRetryPeriod)
	}
	if o.maxBackoff < o.retryPeriod {
		return nil, fmt.Errorf("%s %s is shorter than %s %s: raise it", fMaxBackoff, o.maxBackoff, fRetryPeriod, o.retryPeriod)
	}
	codes, err := pc.FieldIntList(fSuccessfulOn)
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		o.successfulOn[c] = true
	}
	tlsConf, tlsOn, err := pc.FieldTLSToggled(fTLS)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if tlsOn {
		transport.TLSClientConfig = tlsConf
	} else {
		transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	o.client = &http.Client{Transport: transport, Timeout: timeout}
	o.retries = res.Metrics().NewCounter("http_callback_retries_total", "status")
	o.throttled = res.Metrics().NewCounter("http_callback_throttled_total")
	return o, nil
}

func (o *output) Connect(context.Context) error { return nil }

// WriteBatch sends the batch's messages in order, each until the callback
// accepts it. It fails only when ctx ends first; the messages it has sent
// stay sent, and Benthos sends the batch again.
func (o *output) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	for i, msg := range batch {
		if err := o.deliver(ctx, msg); err != nil {
			return fmt.Errorf("http_callback: message %d of %d not delivered: %w", i+1, len(batch), err)
		}
	}
	return nil
}

// deliver sends msg until it is accepted or ctx ends.
func (o *output) deliver(ctx context.Context, msg *service.Message) error {
	body, err := msg.AsBytes()
	if err != nil {
		return err
	}
	target, err := o.url.TryString(msg)
	if err != nil {
		return fmt.Errorf("%s: %w", fURL, err)
	}
	header := http.Header{}
	if o.metadata != nil {
		_ = o.metadata.Walk(msg, func(k, v string) error {
			header.Set(k, v)
			return nil
		})
	}
	for k, v := range o.headers {
		s, err := v.TryString(msg)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", fHeaders, k, err)
		}
		header.Set(k, s)
	}
	for attempt := 1; ; attempt++ {
		if err := o.waitTurn(ctx); err != nil {
			return err
		}
		wait, status, err := o.send(ctx, target, header, body)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		o.retries.Incr(1, status)
		if wait >= 0 { // the callback named a time: hold every request until then
			wait = max(wait, o.retryPeriod)
			o.throttled.Incr(1)
			o.holdUntil(o.now().Add(wait))
			o.log.Warnf("http_callback: %s: %v; attempt %d, retrying in %s as its Retry-After asks", redact(target), err, attempt, wait.Round(time.Millisecond))
			continue
		}
		wait = backoff(attempt, o.retryPeriod, o.maxBackoff)
		o.log.Warnf("http_callback: %s: %v; attempt %d, retrying in %s", redact(target), err, attempt, wait.Round(time.Millisecond))
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// send makes one request. On failure it returns the callback's
// Retry-After (negative when it named none) and the status label.
func (o *output) send(ctx context.Context, target string, header http.Header, body []byte) (time.Duration, string, error) {
	req, err := http.NewRequestWithContext(ctx, o.verb, target, bytes.NewReader(body))
	if err != nil {
		return -1, "error", err
	}
	req.Header = header.Clone()
	resp, err := o.client.Do(req)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err // the *url.Error repeats the URL, which may carry a token
		}
		return -1, "error", err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	if resp.StatusCode/100 == 2 || o.successfulOn[resp.StatusCode] {
		return 0, "", nil
	}
	wait, ok := retryafter.Parse(resp.Header.Get("Retry-After"), o.now())
	if !ok {
		wait = -1
	}
	return wait, strconv.Itoa(resp.StatusCode), fmt.Errorf("the callback answered %s", resp.Status)
}

// holdUntil stops every request until t.
func (o *output) holdUntil(t time.Time) {
	o.mu.Lock()
	if t.After(o.notBefore) {
		o.notBefore = t
	}
	o.mu.Unlock()
}

// waitTurn returns once no Retry-After holds requests back.
func (o *output) waitTurn(ctx context.Context) error {
	for {
		o.mu.Lock()
		d := o.notBefore.Sub(o.now())
		o.mu.Unlock()
		if d <= 0 {
			return nil
		}
		// Another request may push notBefore further meanwhile: check again.
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// urlLintRule flags a url without interpolation that checkURL would
// refuse, so that lint and `tenants put` catch it before a stream runs.
const urlLintRule = `root = if !this.contains("${!") && (this.parse_url().catch(null) == null || !["http", "https"].contains(this.parse_url().scheme) || this.parse_url().host == "") { ["url: give an absolute http(s) URL such as https://example.com/revel-events (a password or token in it is not shown)"] }`

// checkURL refuses a static url that no request could be sent to, so a
// stream fails at start instead of retrying each message for ever. The
// error leaves the URL out: it may carry a password or token.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		err = ue.Err // the *url.Error repeats the URL
	}
	if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		err = errors.New("no http or https scheme and host")
	}
	if err != nil {
		return fmt.Errorf("%s: %v; give an absolute http(s) URL such as https://example.com/revel-events", fURL, err)
	}
	return nil
}

// redact drops a URL's query and user info from logs: callbacks often
// carry a token there.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the callback"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

func (o *output) Close(context.Context) error {
	o.client.CloseIdleConnections()
	return nil
}
