package revelsim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

func TestInjectedStatusFaults(t *testing.T) {
	s := seeded(t, revelsim.Options{APIKey: "k", APISecret: "s"}, 3)
	s.InjectFault(revelsim.Fault{Status: 429, RetryAfter: "2"})
	s.InjectFault(revelsim.Fault{Status: 503, Times: 2})
	s.InjectFault(revelsim.Fault{Status: 500})
	s.InjectFault(revelsim.Fault{Status: 502})
	s.InjectFault(revelsim.Fault{Status: 401})

	type result struct {
		status      int
		retryAfter  string
		contentType string
		body        string
	}
	var got []result
	for range 7 {
		req := httptest.NewRequest(http.MethodGet, "/resources/Employee/?limit=1", nil)
		req.Header.Set("API-AUTHENTICATION", "k:s")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		got = append(got, result{w.Code, w.Header().Get("Retry-After"), w.Header().Get("Content-Type"), w.Body.String()})
	}
	want := []int{429, 503, 503, 500, 502, 401, 200}
	for i, r := range got {
		if r.status != want[i] {
			t.Fatalf("request %d: status %d, want %d (all: %+v)", i, r.status, want[i], got)
		}
	}
	if got[0].retryAfter != "2" || got[0].body != "" {
		t.Errorf("429: Retry-After %q, body %q", got[0].retryAfter, got[0].body)
	}
	if got[1].retryAfter != "" || got[1].contentType != "text/html" || !strings.Contains(got[1].body, "503 Service Unavailable") {
		t.Errorf("503: %+v", got[1])
	}
	var canned map[string]string
	if err := json.Unmarshal([]byte(got[3].body), &canned); err != nil || canned["error_message"] == "" {
		t.Errorf("500 body %q", got[3].body)
	}
	if got[5].body != "" {
		t.Errorf("401 body %q", got[5].body)
	}
}

func TestFaultMatching(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 3)
	s.Insert("TimeSheetEntry", nil)
	s.InjectFault(revelsim.Fault{Status: 500, Match: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "TimeSheetEntry") }})
	s.InjectFault(revelsim.Fault{Status: 429})

	// A nil Match skips detail requests; the first list request takes the
	// first fault that matches it, leaving the TimeSheetEntry fault queued.
	if w := fetch(t, s, "/resources/Employee/1/"); w.Code != 200 {
		t.Errorf("detail: %d", w.Code)
	}
	if w := fetch(t, s, "/resources/Employee/"); w.Code != 429 {
		t.Errorf("employee list: %d, want 429", w.Code)
	}
	if w := fetch(t, s, "/resources/Employee/"); w.Code != 200 {
		t.Errorf("employee list after the fault: %d", w.Code)
	}
	// An explicit Match applies to detail requests too.
	if w := fetch(t, s, "/resources/TimeSheetEntry/1/"); w.Code != 500 {
		t.Errorf("timesheet detail: %d, want 500", w.Code)
	}
	if w := fetch(t, s, "/resources/TimeSheetEntry/"); w.Code != 200 {
		t.Errorf("timesheet list after the fault: %d", w.Code)
	}
}

func TestTruncatedPage(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 5)
	full := fetch(t, s, "/resources/Employee/").Body.Bytes()
	s.InjectFault(revelsim.Fault{Truncate: true})
	w := fetch(t, s, "/resources/Employee/")
	if w.Code != 200 || w.Body.Len() != len(full)/2 || w.Header().Get("Content-Length") != itoa(len(full)/2) {
		t.Fatalf("truncated: status %d, %d of %d bytes, Content-Length %s", w.Code, w.Body.Len(), len(full), w.Header().Get("Content-Length"))
	}
	var env envelope
	if err := json.Unmarshal(w.Body.Bytes(), &env); err == nil {
		t.Error("truncated body still decodes")
	}
	if !strings.HasPrefix(string(full), w.Body.String()) {
		t.Error("truncated body is not a prefix of the real page")
	}
}

func TestForeignNext(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 3)
	s.InjectFault(revelsim.Fault{ForeignNext: "http://127.0.0.2:9", Times: 2})
	env := list(t, s, "/resources/Employee/?limit=2")
	if env.Meta.Next == nil || *env.Meta.Next != "http://127.0.0.2:9/resources/Employee/?limit=2&offset=2" || len(env.Objects) != 2 {
		t.Errorf("next = %v", env.Meta.Next)
	}
	// Even the last page points abroad, so a client that follows next leaves.
	env = list(t, s, "/resources/Employee/?limit=2&offset=2")
	if env.Meta.Next == nil || *env.Meta.Next != "http://127.0.0.2:9/resources/Employee/?limit=2&offset=4" {
		t.Errorf("last page next = %v", env.Meta.Next)
	}
	if env := list(t, s, "/resources/Employee/?limit=2&offset=2"); env.Meta.Next != nil {
		t.Errorf("fault outlived Times: next = %v", *env.Meta.Next)
	}
}

// A client that follows a foreign next must not carry its credentials
// there; a second simulator plays the foreign origin and records what came.
func TestForeignOriginSeesCredentials(t *testing.T) {
	foreign := revelsim.New(revelsim.Options{})
	foreignURL := start(t, foreign)
	home := seeded(t, revelsim.Options{APIKey: "k", APISecret: "s"}, 3)
	homeURL := start(t, home)
	home.InjectFault(revelsim.Fault{ForeignNext: foreignURL})

	get := func(u string, withCreds bool) envelope {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if withCreds {
			req.Header.Set("API-AUTHENTICATION", "k:s")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env envelope
		json.NewDecoder(resp.Body).Decode(&env) //nolint:errcheck // checked via Meta below
		return env
	}
	env := get(homeURL+"/resources/Employee/?limit=2", true)
	if env.Meta.Next == nil || !strings.HasPrefix(*env.Meta.Next, foreignURL+"/") {
		t.Fatalf("next = %v", env.Meta.Next)
	}
	get(*env.Meta.Next, true) // a careless client
	get(*env.Meta.Next, false)
	log := foreign.Requests()
	if len(log) != 2 || !log[0].Authenticated || log[1].Authenticated || log[0].Header.Get("API-AUTHENTICATION") != "k:s" {
		t.Errorf("foreign log %+v", log)
	}
}

func TestDelayHonoursCancellation(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 3)
	s.InjectFault(revelsim.Fault{Delay: time.Hour})
	arrived := make(chan struct{})
	s.OnRequest(func(*http.Request) { close(arrived) })

	ctx, cancel := context.WithCancel(context.Background())
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/resources/Employee/", nil).WithContext(ctx))
		close(done)
	}()
	<-arrived
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("handler still waiting after the client cancelled")
	}
	log := s.Requests()
	if w.Body.Len() != 0 || len(log) != 1 || log[0].Status != 499 {
		t.Errorf("body %q, log %+v", w.Body, log)
	}

	// A delay that runs out serves the page normally.
	s.OnRequest(nil)
	s.InjectFault(revelsim.Fault{Delay: time.Millisecond})
	if env := list(t, s, "/resources/Employee/"); len(env.Objects) != 3 {
		t.Errorf("after delay: %d objects", len(env.Objects))
	}
}

func TestDelayOverTheNetwork(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 3)
	base := start(t, s)
	s.InjectFault(revelsim.Fault{Delay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	s.OnRequest(func(*http.Request) { cancel() }) // the client gives up once the server has the request
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/resources/Employee/", nil)
	if _, err := http.DefaultClient.Do(req); err == nil || ctx.Err() == nil {
		t.Fatalf("request completed: %v", err)
	}
	closed := make(chan error)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked by a delayed request")
	}
}

func TestFaultRates(t *testing.T) {
	statuses := func(r revelsim.FaultRates, n int) []int {
		s := seeded(t, revelsim.Options{}, 1)
		s.SetFaultRates(r)
		var out []int
		for range n {
			w := fetch(t, s, "/resources/Employee/")
			if w.Code == 429 && r.RetryAfter > 0 && w.Header().Get("Retry-After") != "2" {
				t.Errorf("429 Retry-After %q", w.Header().Get("Retry-After"))
			}
			out = append(out, w.Code)
		}
		return out
	}
	seen := map[int]int{}
	for _, c := range statuses(revelsim.FaultRates{ServerError: 1, Seed: 7}, 30) {
		seen[c]++
	}
	if seen[500]+seen[502]+seen[503] != 30 || len(seen) < 2 {
		t.Errorf("ServerError=1: %v", seen)
	}
	for _, c := range statuses(revelsim.FaultRates{TooManyRequests: 1, RetryAfter: 1500 * time.Millisecond}, 5) {
		if c != 429 {
			t.Errorf("TooManyRequests=1: %d", c)
		}
	}
	mixed := revelsim.FaultRates{ServerError: 0.3, TooManyRequests: 0.2, Seed: 42}
	a, b := statuses(mixed, 60), statuses(mixed, 60)
	counts := map[int]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different runs:\n%v\n%v", a, b)
		}
		counts[a[i]]++
	}
	if counts[200] == 0 || counts[429] == 0 || counts[200] == 60 {
		t.Errorf("mixed rates: %v", counts)
	}
	for _, c := range statuses(revelsim.FaultRates{Slow: 1, SlowDelay: time.Millisecond}, 3) {
		if c != 200 {
			t.Errorf("Slow=1: %d", c)
		}
	}
	for _, c := range statuses(revelsim.FaultRates{}, 5) {
		if c != 200 {
			t.Errorf("zero rates: %d", c)
		}
	}
}

// OnRequest runs between pages, so offset paging drifts when rows vanish:
// limit/offset pages are slices of a set that may change between requests.
func TestOnRequestMutatesBetweenPages(t *testing.T) {
	s := seeded(t, revelsim.Options{}, 10)
	s.OnRequest(func(r *http.Request) {
		if r.URL.Query().Get("offset") == "3" {
			if err := s.Delete("Employee", 1); err != nil {
				t.Error(err)
			}
			s.Insert("Employee", map[string]any{"first_name": "late"})
		}
	})
	p1 := list(t, s, "/resources/Employee/?limit=3")
	p2 := list(t, s, *p1.Meta.Next)
	wantIDs(t, "page 1", ids(p1), 1, 2, 3)
	wantIDs(t, "page 2", ids(p2), 5, 6, 7) // id 4 slid into page 1's range and was skipped
	if p1.Meta.TotalCount != 10 || p2.Meta.TotalCount != 10 || s.Count("Employee") != 10 {
		t.Errorf("total_count %d then %d", p1.Meta.TotalCount, p2.Meta.TotalCount)
	}
	if got, _ := s.Get("Employee", 11); got["first_name"] != "late" {
		t.Errorf("inserted row: %v", got)
	}
}
