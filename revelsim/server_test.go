package revelsim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/revel-connect/revel-connect/revelsim"
)

func TestRouting(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	s.Insert("Employee", map[string]any{"first_name": "Ana"})
	cases := []struct {
		method, path string
		status       int
	}{
		{"GET", "/resources/Employee/", 200},
		{"GET", "/resources/Employee/1/", 200},
		{"GET", "/enterprise/Establishment/", 200},
		{"GET", "/enterprise/User/", 200},
		{"GET", "/enterprise/Company/", 200},
		{"GET", "/products/ProductCategory/", 200},
		{"GET", "/resources/TimeSheetEntry/", 200},
		{"GET", "/resources/Employee", 404},          // trailing slash required
		{"GET", "/resources/employee/", 404},         // names are case-sensitive
		{"GET", "/resources/TimesheetEntry/", 404},   // ditto, a real user's mistake
		{"GET", "/enterprise/Employee/", 404},        // wrong prefix
		{"GET", "/resources/ProductCategory/", 404},  // lives under /products/
		{"GET", "/resources/AttendanceEntry/", 404},  // no such resource
		{"GET", "/resources/", 404},                  // no index
		{"GET", "/resources/Employee/2/", 404},       // no such object
		{"GET", "/resources/Employee/abc/", 404},     // not an id
		{"GET", "/resources/Employee/1/extra/", 404}, // too deep
		{"POST", "/resources/Employee/", 405},        // read-only simulator
		{"DELETE", "/resources/Employee/1/", 405},    // ditto
		{"POST", "/resources/Nope/", 404},            // unknown beats method
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, w.Code, c.status)
		}
		if c.status != 200 && w.Body.Len() != 0 {
			t.Errorf("%s %s: body %q, want empty", c.method, c.path, w.Body)
		}
		if c.status == 405 && w.Header().Get("Allow") != "GET" {
			t.Errorf("%s %s: Allow %q", c.method, c.path, w.Header().Get("Allow"))
		}
	}
}

func TestDetail(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	id := s.Insert("TimeSheetEntry", map[string]any{"clock_in": "2018-08-20T09:00:00", "clock_out": nil, "role_wage": 0.0})
	w := fetch(t, s, "/resources/TimeSheetEntry/1/")
	for _, want := range []string{`"clock_out": null`, `"role_wage": 0.0`, `"resource_uri": "/resources/TimeSheetEntry/1/"`, `"id": 1`} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("detail %d lacks %s: %s", id, want, w.Body)
		}
	}
	var obj map[string]any
	if err := json.Unmarshal(fetch(t, s, "/resources/TimeSheetEntry/1/?fields=id,clock_in").Body.Bytes(), &obj); err != nil {
		t.Fatal(err)
	}
	if len(obj) != 2 || obj["clock_in"] != "2018-08-20T09:00:00" {
		t.Errorf("projected detail = %v", obj)
	}
}

func TestAuth(t *testing.T) {
	s := revelsim.New(revelsim.Options{APIKey: "k3y", APISecret: "s3cret"})
	base := start(t, s)
	cases := []struct {
		name, query, header string
		status              int
		carried             bool
	}{
		{"none", "", "", 401, false},
		{"wrong header", "", "k3y:nope", 401, true},
		{"header", "", "k3y:s3cret", 200, true},
		{"query", "?api_key=k3y&api_secret=s3cret", "", 200, true},
		{"key only", "?api_key=k3y", "", 401, true},
		{"wrong secret", "?api_key=k3y&api_secret=x", "", 401, true},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(http.MethodGet, base+"/resources/Employee/"+c.query, nil)
		if c.header != "" {
			req.Header.Set("API-AUTHENTICATION", c.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status || (c.status == 401 && resp.ContentLength != 0) {
			t.Errorf("%s: %d (length %d), want %d", c.name, resp.StatusCode, resp.ContentLength, c.status)
		}
	}
	log := s.Requests()
	if len(log) != len(cases) {
		t.Fatalf("logged %d requests, want %d", len(log), len(cases))
	}
	for i, c := range cases {
		if log[i].Authenticated != c.carried || log[i].Status != c.status || log[i].Path != "/resources/Employee/" {
			t.Errorf("%s: logged %+v", c.name, log[i])
		}
	}
	if got := log[2].Header.Get("API-AUTHENTICATION"); got != "k3y:s3cret" {
		t.Errorf("logged header %q", got)
	}
	if got := log[3].Query.Get("api_key"); got != "k3y" {
		t.Errorf("logged query api_key %q", got)
	}

	s.ResetRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("after reset: %d requests", n)
	}
	// No credentials configured: everything is open.
	open := revelsim.New(revelsim.Options{})
	if w := fetch(t, open, "/resources/Employee/"); w.Code != 200 {
		t.Errorf("open server: %d", w.Code)
	}
}

func TestRequestLogBounded(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	for range 25001 {
		fetch(t, s, "/resources/Nope/")
	}
	fetch(t, s, "/resources/Employee/?marker=last")
	log := s.Requests()
	if len(log) != 10000 || log[len(log)-1].Query.Get("marker") != "last" {
		t.Fatalf("log has %d entries, last %+v", len(log), log[len(log)-1])
	}
	log[len(log)-1].Query.Set("marker", "changed")
	if s.Requests()[9999].Query.Get("marker") != "last" {
		t.Error("Requests() shares its maps with the log")
	}
}

func TestStartClose(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	base := start(t, s)
	if !strings.HasPrefix(base, "http://127.0.0.1:") || s.URL() != base {
		t.Fatalf("base %q, URL %q", base, s.URL())
	}
	if _, err := s.Start(""); err == nil {
		t.Error("second Start succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.URL() != "" {
		t.Errorf("URL after Close = %q", s.URL())
	}
	if _, err := http.Get(base + "/resources/Employee/"); err == nil {
		t.Error("server still answering after Close")
	}
}

func TestLogfRedactsSecret(t *testing.T) {
	var lines []string
	s := revelsim.New(revelsim.Options{APIKey: "k", APISecret: "s3cret", Logf: func(format string, args ...any) {
		lines = append(lines, fmt.Sprintf(format, args...))
	}})
	fetch(t, s, "/resources/Employee/?api_key=k&api_secret=s3cret&limit=1")
	if len(lines) != 1 || strings.Contains(lines[0], "s3cret") || !strings.Contains(lines[0], "-> 200") || !strings.Contains(lines[0], "api_secret=REDACTED") {
		t.Errorf("log lines %q", lines)
	}
}
