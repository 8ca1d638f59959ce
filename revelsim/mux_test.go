package revelsim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/revel-connect/revel-connect/revelsim"
)

// TestMuxRoutesEachTenantItsOwnRequests serves two tenants from one
// listener: a request under /t/<name>/ reaches that tenant only, which
// sees and logs the path without the prefix.
func TestMuxRoutesEachTenantItsOwnRequests(t *testing.T) {
	one := revelsim.New(revelsim.Options{APIKey: "k1", APISecret: "s1"})
	two := revelsim.New(revelsim.Options{APIKey: "k2", APISecret: "s2"})
	one.Insert("Employee", map[string]any{"first_name": "Ana"})
	two.Insert("Employee", map[string]any{"first_name": "Ben"})
	two.Insert("Employee", map[string]any{"first_name": "Cy"})
	var mux revelsim.Mux
	mux.Add("1", one)
	mux.Add("2", two)
	srv := httptest.NewServer(&mux)
	defer srv.Close()
	base := srv.URL

	get := func(path, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("API-AUTHENTICATION", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/t/1/resources/Employee/?limit=1", "k1:s1")
	if code != http.StatusOK || gjson.Get(body, "meta.total_count").Int() != 1 || gjson.Get(body, "objects.0.first_name").Str != "Ana" {
		t.Fatalf("tenant 1 answered %d %s", code, body)
	}
	if code, _ := get("/t/1/resources/Employee/", "k2:s2"); code != http.StatusUnauthorized {
		t.Errorf("tenant 1 with tenant 2's credentials: %d, want 401", code)
	}
	code, body = get("/t/2/resources/Employee/?limit=1", "k2:s2")
	if code != http.StatusOK || gjson.Get(body, "meta.total_count").Int() != 2 {
		t.Fatalf("tenant 2 answered %d %s", code, body)
	}
	// Tenants build links as Revel does, from their own (unprefixed) path.
	if next := gjson.Get(body, "meta.next").Str; !strings.HasPrefix(next, "/resources/Employee/?") {
		t.Errorf("meta.next = %q", next)
	}
	for _, path := range []string{"/t/3/resources/Employee/", "/t/1", "/t//resources/Employee/", "/resources/Employee/", "/t/12/resources/Employee/"} {
		if code, body := get(path, "k1:s1"); code != http.StatusNotFound || body != "" {
			t.Errorf("%s: %d %q, want an empty 404", path, code, body)
		}
	}

	reqs := one.Requests()
	if len(reqs) != 2 {
		t.Fatalf("tenant 1 logged %d requests, want 2: %+v", len(reqs), reqs)
	}
	for _, r := range reqs {
		if r.Path != "/resources/Employee/" {
			t.Errorf("tenant 1 logged path %q, want it without the prefix", r.Path)
		}
	}
	if n := len(two.Requests()); n != 1 {
		t.Errorf("tenant 2 logged %d requests, want 1", n)
	}
}

func TestMuxRefusesUnreachableNames(t *testing.T) {
	for _, name := range []string{"", "a/b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Add(%q) did not panic", name)
				}
			}()
			var mux revelsim.Mux
			mux.Add(name, revelsim.New(revelsim.Options{}))
		}()
	}
}
