package httpcallback

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure"
)

// received is one request as the callback saw it.
type received struct {
	at     time.Time // when the handler began, on the server's clock
	id     string
	status int
	// answered is when the response was about to be written and until is
	// the time its Retry-After named; zero without one.
	answered, until time.Time
}

// callback is a receiver on 127.0.0.1 whose n-th request (from 1) gets
// answer(n, w), which writes the response and returns the Retry-After time
// it named, if any.
type callback struct {
	mu     sync.Mutex
	log    []received
	answer func(n int, w http.ResponseWriter) (status int, until time.Time)
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	rec := received{at: at, id: string(body)}
	rec.answered = time.Now()
	rec.status, rec.until = c.answer(len(c.log)+1, w)
	c.log = append(c.log, rec)
}

func (c *callback) requests() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.log...)
}

func ok(w http.ResponseWriter) (int, time.Time) {
	w.WriteHeader(http.StatusOK)
	return http.StatusOK, time.Time{}
}

// run sends n messages, in batches of size, through http_callback with
// the given extra config to url, and returns each batch's outcome.
func run(t *testing.T, url string, n, size int, extra string) []error {
	t.Helper()
	b := service.NewStreamBuilder()
	b.SetLoggerYAML("level: none")
	if err := b.AddOutputYAML(fmt.Sprintf(`
http_callback:
  url: %s
  headers:
    Elements-Webhook-Id: ${! content() }
  retry_period: 20ms
  max_retry_backoff: 100ms
%s`, url, extra)); err != nil {
		t.Fatal(err)
	}
	produce, err := b.AddBatchProducerFunc()
	if err != nil {
		t.Fatal(err)
	}
	stream, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = stream.Run(context.Background()) }()
	t.Cleanup(func() { _ = stream.StopWithin(5 * time.Second) })

	errs := make([]error, (n+size-1)/size)
	var wg sync.WaitGroup
	for i := range errs {
		var batch service.MessageBatch
		for j := i * size; j < min(n, (i+1)*size); j++ {
			batch = append(batch, service.NewMessage([]byte(strconv.Itoa(j))))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			errs[i] = produce(ctx, batch)
		}()
	}
	wg.Wait()
	return errs
}

// TestRetryAfterIsObeyed: after a response naming a time, whether in
// seconds or as an HTTP-date, the callback receives no request before that
// time, as measured by its own clock; every message arrives exactly once.
func TestRetryAfterIsObeyed(t *testing.T) {
	cb := &callback{answer: func(n int, w http.ResponseWriter) (int, time.Time) {
		switch n {
		case 3:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return http.StatusTooManyRequests, time.Now().Add(time.Second)
		case 6:
			until := time.Now().Truncate(time.Second).Add(2 * time.Second)
			w.Header().Set("Retry-After", until.UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusServiceUnavailable)
			return http.StatusServiceUnavailable, until
		case 9, 10: // no Retry-After: backoff
			w.WriteHeader(http.StatusInternalServerError)
			return http.StatusInternalServerError, time.Time{}
		}
		return ok(w)
	}}
	srv := httptest.NewServer(cb)
	defer srv.Close()

	const n = 12
	for i, err := range run(t, srv.URL, n, 4, "  max_in_flight: 1") {
		if err != nil {
			t.Errorf("batch %d: %v", i, err)
		}
	}
	reqs := cb.requests()
	throttles := 0
	for i, r := range reqs {
		if r.until.IsZero() {
			continue
		}
		throttles++
		for _, later := range reqs[i+1:] {
			if later.at.Before(r.until) {
				t.Errorf("request for %s arrived %v before the Retry-After time of the %d answered at %s", later.id, r.until.Sub(later.at), r.status, r.answered.Format(time.StampMicro))
			}
		}
	}
	if throttles != 2 {
		t.Fatalf("%d throttling answers, want 2: %+v", throttles, reqs)
	}
	assertOnce(t, reqs, n)
}

// assertOnce checks that each of the n messages was accepted exactly once.
func assertOnce(t *testing.T, reqs []received, n int) {
	t.Helper()
	accepted := map[string]int{}
	for _, r := range reqs {
		if r.status/100 == 2 {
			accepted[r.id]++
		}
	}
	for i := range n {
		if c := accepted[strconv.Itoa(i)]; c != 1 {
			t.Errorf("message %d accepted %d times, want 1", i, c)
		}
	}
	if len(accepted) != n {
		t.Errorf("%d distinct messages accepted, want %d", len(accepted), n)
	}
}

// TestNothingDroppedUnderLoad: batches in flight at once, every other
// request throttled with a Retry-After of zero (the output still waits
// retry_period), failures without one: each message is accepted once, and
// none that was accepted is sent again.
func TestNothingDroppedUnderLoad(t *testing.T) {
	cb := &callback{answer: func(n int, w http.ResponseWriter) (int, time.Time) {
		switch {
		case n%2 == 0:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return http.StatusTooManyRequests, time.Time{}
		case n%7 == 0:
			w.WriteHeader(http.StatusBadGateway)
			return http.StatusBadGateway, time.Time{}
		}
		return ok(w)
	}}
	srv := httptest.NewServer(cb)
	defer srv.Close()
	const n = 60
	for i, err := range run(t, srv.URL, n, 5, "  max_in_flight: 4") {
		if err != nil {
			t.Errorf("batch %d: %v", i, err)
		}
	}
	assertOnce(t, cb.requests(), n)
}

// TestLongRetryAfterHoldsTheMessage: a callback asking for an hour is
// obeyed; when the pipeline stops meanwhile (the write's context ends) the
// write fails, so Benthos rejects the message to the input, which keeps
// it, rather than dropping it or counting it as sent.
func TestLongRetryAfterHoldsTheMessage(t *testing.T) {
	cb := &callback{answer: func(n int, w http.ResponseWriter) (int, time.Time) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
		return http.StatusTooManyRequests, time.Now().Add(time.Hour)
	}}
	srv := httptest.NewServer(cb)
	defer srv.Close()
	pc, err := Spec().ParseYAML("url: "+srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := newOutput(pc, service.MockResources())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	outcome := make(chan error, 1)
	go func() { outcome <- out.WriteBatch(ctx, service.MessageBatch{service.NewMessage([]byte("x"))}) }()
	for deadline := time.Now().Add(10 * time.Second); len(cb.requests()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the callback was never called")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-outcome:
		t.Fatalf("the write returned %v while the callback's Retry-After holds it", err)
	default:
	}
	cancel()
	if err := <-outcome; err == nil {
		t.Fatal("the message counts as delivered although the callback never accepted it")
	}
	if reqs := cb.requests(); len(reqs) != 1 {
		t.Fatalf("%d requests within the hour the callback asked for, want 1", len(reqs))
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"url: http://127.0.0.1:1/\nretry_period: 0s", "retry_period: give a duration above zero"},
		{"url: http://127.0.0.1:1/\nretry_period: 1m\nmax_retry_backoff: 1s", "max_retry_backoff 1s is shorter than retry_period 1m0s"},
		{"url: http://u:pw1234@127.0.0.1:1/%zz", `url: invalid URL escape "%zz"; give an absolute http(s) URL`},
		{"url: 127.0.0.1:9000/events", "url: "},
		{"url: /events", "url: no http or https scheme and host"},
	} {
		pc, err := Spec().ParseYAML(tc.yaml, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = newOutput(pc, service.MockResources())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.yaml, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw1234") {
			t.Errorf("%q: the error shows the URL's password: %v", tc.yaml, err)
		}
	}
}

func TestRedact(t *testing.T) {
	if got := redact("https://user:pw@example.com/hook?token=s3cret#x"); got != "https://example.com/hook" {
		t.Errorf("redact = %q", got)
	}
}
