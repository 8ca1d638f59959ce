package revelsim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// MuxPrefix starts every tenant's path on a Mux: tenant name's API is
// under MuxPrefix + name, e.g. /t/acme/resources/Employee/.
const MuxPrefix = "/t/"

// Mux serves many tenants from one listener, each under its own path
// prefix, as a proxy that mounts tenants on paths would: a request to
// /t/<name>/resources/Employee/ reaches the Server added as name, which
// sees (and logs in its own Requests) /resources/Employee/. A poller's
// base_url for that tenant is the Mux's origin plus /t/<name>, such as
// http://127.0.0.1:41234/t/acme; links a tenant builds (meta.next) lack the
// prefix, as a real Revel's behind such a proxy would. A path naming no
// added tenant is a 404 with an empty body, like Revel's. The zero value
// serves no tenant; all methods are safe for concurrent use.
//
// Thousands of tenants fit behind one Mux, where a listener each would run
// a load generator out of ephemeral ports and file descriptors.
type Mux struct {
	mu      sync.RWMutex
	tenants map[string]http.Handler
}

// Add serves s as tenant name, replacing any tenant of that name. It panics
// if name is empty or holds a "/", since no request path could reach it.
func (m *Mux) Add(name string, s *Server) {
	if name == "" || strings.Contains(name, "/") {
		panic(fmt.Sprintf("revelsim: Mux tenant name %q must be non-empty and hold no /", name))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tenants == nil {
		m.tenants = map[string]http.Handler{}
	}
	m.tenants[name] = http.StripPrefix(MuxPrefix+name, s)
}

// ServeHTTP hands a request to the tenant its path names, without the
// tenant's prefix.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, MuxPrefix)
	name, _, hasSlash := strings.Cut(rest, "/")
	var h http.Handler
	if ok && hasSlash {
		m.mu.RLock()
		h = m.tenants[name]
		m.mu.RUnlock()
	}
	if h == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	h.ServeHTTP(w, r)
}
