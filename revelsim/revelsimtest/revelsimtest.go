// Package revelsimtest starts simulated Revel tenants for tests, as
// net/http/httptest starts servers:
//
//	sim := revelsimtest.Start(t, revelsim.Options{APIKey: "key", APISecret: "secret"})
//	sim.Insert("Employee", map[string]any{"first_name": "Ana"})
//	// point revel_poller's base_url at sim.URL()
package revelsimtest

import (
	"testing"

	"github.com/revel-connect/revel-connect/revelsim"
)

// Start serves a new tenant configured by opts on 127.0.0.1 (an ephemeral
// port) and closes it when the test ends. Its base URL, such as
// http://127.0.0.1:41234, is sim.URL(). A failure to listen fails the test.
func Start(t testing.TB, opts revelsim.Options) *revelsim.Server {
	t.Helper()
	sim := revelsim.New(opts)
	if _, err := sim.Start(""); err != nil {
		t.Fatalf("revelsimtest: %v", err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}
