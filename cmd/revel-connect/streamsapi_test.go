package main

import (
	"bytes"
	"net/http"
	"reflect"
	"testing"
)

func TestLocalHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:4195":       true,
		"localhost:4195":       true,
		"LOCALHOST":            true,
		"[::1]:4195":           true,
		"10.1.2.3:4195":        true, // an address, not a name a page can rebind
		"rebound.example:4195": false,
		"localhost.evil.com":   false,
		"":                     false,
	} {
		if got := localHost(host); got != want {
			t.Errorf("localHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestExpandEnv(t *testing.T) {
	t.Setenv("RCTEST_SET", "value")
	t.Setenv("RCTEST_EMPTY", "")
	got := expandEnv("a: ${RCTEST_SET}\nb: ${RCTEST_UNSET:fallback}\nc: ${RCTEST_EMPTY:d}\nd: ${RCTEST_UNSET}\ne: ${! meta(\"x\") }")
	want := "a: value\nb: fallback\nc: d\nd: \ne: ${! meta(\"x\") }"
	if got != want {
		t.Errorf("expandEnv = %q, want %q", got, want)
	}
}

func TestCollectScrubbed(t *testing.T) {
	orig := map[string]any{"a": "key", "b": []any{map[string]any{"p": "pw"}, "x"}, "c": "kept", "d": map[string]any{}}
	scrubbed := map[string]any{"a": scrubbedMark, "b": []any{map[string]any{"p": scrubbedMark}, "x"}, "c": "kept", "e": scrubbedMark}
	var got []string
	collectScrubbed(orig, scrubbed, &got)
	if len(got) != 2 || !reflect.DeepEqual(map[string]bool{got[0]: true, got[1]: true}, map[string]bool{"key": true, "pw": true}) {
		t.Errorf("collectScrubbed found %q, want key and pw", got)
	}
}

// TestGuardFailsClosed: when Benthos' manager is not shaped as expected,
// the guard says so, and streams mode then refuses to start rather than
// serve the API unguarded. (End to end, TestSecretsNeverShow shows it
// installed in the real one.)
func TestGuardFailsClosed(t *testing.T) {
	type otherReg interface{ Register(string) }
	for name, mgr := range map[string]any{
		"nil":                nil,
		"not a pointer":      struct{ apiReg endpointRegistrar }{},
		"no apiReg":          &struct{ reg endpointRegistrar }{},
		"apiReg of a struct": &struct{ apiReg struct{} }{},
		"apiReg unset":       &struct{ apiReg endpointRegistrar }{},
		"another interface":  &struct{ apiReg otherReg }{},
	} {
		if err := installGuard(mgr, newAPIGuard(environment(), true)); err == nil {
			t.Errorf("%s: the guard installed itself", name)
		}
	}
	type fake struct{ apiReg endpointRegistrar }
	next := &fakeRegistrar{}
	mgr := &fake{apiReg: next}
	if err := installGuard(mgr, newAPIGuard(environment(), true)); err != nil {
		t.Fatal(err)
	}
	mgr.apiReg.RegisterEndpoint("/streams/{id}", "", nil)
	mgr.apiReg.RegisterEndpoint("/ping", "", nil)
	if !reflect.DeepEqual(next.wrapped, map[string]bool{"/streams/{id}": true, "/ping": false}) {
		t.Errorf("wrapped: %v, want only /streams/{id}", next.wrapped)
	}
}

// fakeRegistrar records which handlers arrive wrapped (non-nil).
type fakeRegistrar struct{ wrapped map[string]bool }

func (f *fakeRegistrar) RegisterEndpoint(path, _ string, h http.HandlerFunc) {
	if f.wrapped == nil {
		f.wrapped = map[string]bool{}
	}
	f.wrapped[path] = h != nil
}

// benchStreamBody is GET /streams/{id}'s answer for a stream with secrets
// in a secret field and in a URL.
var benchStreamBody = []byte(`{"active":true,"uptime":1.5,"uptime_str":"1.5s","config":{"input":{"revel_poller":{"base_url":"http://127.0.0.1:8081","api_key":"key-4f9a1c07","api_secret":"revel-secret-7d2e","resources":{"employees":{"url":"/resources/Employee/?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}","id_field":"id"}}}},"output":{"http_callback":{"url":"https://rc:cb-pass-61c0@example.com/hook"}}}}`)

// go test ./cmd/revel-connect -run '^$' -bench StreamResponse
func BenchmarkStreamResponse(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(map[bool]string{false: "first", true: "cached"}[cached], func(b *testing.B) {
			g := newAPIGuard(environment(), true)
			for b.Loop() {
				if !cached {
					clear(g.redacted)
				}
				if _, err := g.streamResponse(benchStreamBody); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestStreamResponseRedacts(t *testing.T) {
	g := newAPIGuard(environment(), true)
	for range 2 { // computed, then cached
		out, err := g.streamResponse(benchStreamBody)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"key-4f9a1c07", "revel-secret-7d2e", "cb-pass-61c0"} {
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("shows %s: %s", secret, out)
			}
		}
		if !bytes.Contains(out, []byte(`"uptime":1.5`)) || !bytes.Contains(out, []byte("rc:xxxxx@example.com")) {
			t.Errorf("answer lost its fields: %s", out)
		}
		// Posted back, the url must be the same: the macro stays escaped.
		if !bytes.Contains(out, []byte("updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss}}")) {
			t.Errorf("the url's macro does not round-trip: %s", out)
		}
	}
}
