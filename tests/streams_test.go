package tests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/cmd/revel-connect/ceimport"
	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

// streamTenant is one Revel tenant: its own simulator and credentials.
type streamTenant struct {
	id       string
	sim      *revelsim.Server
	base     string
	secret   string
	employee []int64 // inserted, in order
}

func newStreamTenant(t *testing.T, n int) *streamTenant {
	tn := &streamTenant{id: fmt.Sprintf("t%02d", n), secret: fmt.Sprintf("secret-of-tenant-%02d", n)}
	tn.sim, tn.base = startSim(t, revelsim.Options{APIKey: "key-" + tn.id, APISecret: tn.secret})
	tn.insert()
	return tn
}

func (tn *streamTenant) insert() int64 {
	id := tn.sim.Insert("Employee", map[string]any{"first_name": tn.id})
	tn.employee = append(tn.employee, id)
	return id
}

func (tn *streamTenant) requests() int { return len(tn.sim.Requests()) }

// streamConfig is the tenant's stream: the seed instance imported with
// --stream, pointed at the tenant with its own credentials, as
// provisioning code would POST it.
func (tn *streamTenant) streamConfig(t *testing.T, callback string) string {
	conf := importSeed(t, func(conf map[string]any) {
		conf["subdomain"] = "tenant-" + tn.id
		conf["event.notification.callback.url"] = callback + "/tenants/" + tn.id
		conf["event.notification.signature.key"] = "set"
		delete(conf["event.poller.configuration"].(map[string]any), "timesheets")
	}, ceimport.Options{Stream: true, CheckpointKey: "tenants/" + tn.id})
	return withOverrides(t, conf, map[string]any{
		"input.revel_poller.base_url":         tn.base,
		"input.revel_poller.api_key":          "key-" + tn.id,
		"input.revel_poller.api_secret":       tn.secret,
		"input.revel_poller.refresh_interval": "200ms",
		"input.revel_poller.start_from":       "earliest",
		"input.revel_poller.instance.name":    tn.id,
	})
}

// tenantCallback records what each tenant's stream delivered, checking
// every signature.
type tenantCallback struct {
	key      string
	mu       sync.Mutex
	events   map[string]map[string]int // tenant -> "objectId/eventType" -> deliveries
	problems []string
}

func (c *tenantCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	tenant := strings.TrimPrefix(r.URL.Path, "/tenants/")
	c.mu.Lock()
	defer c.mu.Unlock()
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		c.problems = append(c.problems, fmt.Sprintf("%s: not a notification: %s", tenant, body))
	}
	if sig := r.Header.Get("Elements-Webhook-Signature"); sig != ceSignature(c.key, body) {
		c.problems = append(c.problems, fmt.Sprintf("%s: bad signature %q", tenant, sig))
	}
	if c.events[tenant] == nil {
		c.events[tenant] = map[string]int{}
	}
	for _, e := range n.Message.Events {
		c.events[tenant][e.ObjectID+"/"+e.EventType]++
	}
}

// delivered reports how often employee id of tenant was delivered as typ.
func (c *tenantCallback) delivered(tenant string, id int64, typ string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events[tenant][fmt.Sprintf("%d/%s", id, typ)]
}

// streamsServer is a running `revel-connect streams` and its REST API.
type streamsServer struct {
	api  string
	logs *testutil.Buffer
}

func startStreams(t *testing.T, stateDir string, env ...string) *streamsServer {
	t.Helper()
	addr := freeAddr(t)
	// Streams mode ignores resources in the -o config; they come with -r.
	dir := t.TempDir()
	root, resources := filepath.Join(dir, "root.yaml"), filepath.Join(dir, "resources.yaml")
	for file, conf := range map[string]string{
		root:      fmt.Sprintf("http:\n  address: %s\nlogger:\n  level: info\n", addr),
		resources: fmt.Sprintf("cache_resources:\n  - label: checkpoints\n    atomic_file:\n      directory: %s\n", stateDir),
	} {
		if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := &streamsServer{api: "http://" + addr, logs: &testutil.Buffer{}}
	exited := startBinary(t, s.logs, env, "streams", "-o", root, "-r", resources)
	eventually(t, func() string { return "the streams API never answered:\n" + s.logs.String() }, func() bool {
		select {
		case <-exited:
			t.Fatalf("streams mode exited:\n%s", s.logs.String())
		default:
		}
		resp, err := http.Get(s.api + "/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

// call makes a streams API request and fails the test unless it succeeds.
func (s *streamsServer) call(t *testing.T, method, path, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(method, s.api+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, out)
	}
	return out
}

// streamsList is GET /streams: id -> status.
func (s *streamsServer) list(t *testing.T) map[string]struct {
	Active bool    `json:"active"`
	Uptime float64 `json:"uptime"`
} {
	t.Helper()
	var out map[string]struct {
		Active bool    `json:"active"`
		Uptime float64 `json:"uptime"`
	}
	if err := json.Unmarshal(s.call(t, http.MethodGet, "/streams", ""), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStreamsModeAddsAndRemovesTenantsAtRuntime is Cloud Elements' POST
// /instances done the revel-connect way: one process in streams mode, a
// stream per tenant added and removed through the REST API while the
// others keep delivering.
func TestStreamsModeAddsAndRemovesTenantsAtRuntime(t *testing.T) {
	const signingKey = "streams-signing-key"
	callback := &tenantCallback{key: signingKey, events: map[string]map[string]int{}}
	receiver := httptest.NewServer(callback)
	defer receiver.Close()
	srv := startStreams(t, t.TempDir(), ceimport.EnvSignatureKey+"="+signingKey)

	tenants := make([]*streamTenant, 55)
	for i := range tenants {
		tenants[i] = newStreamTenant(t, i)
	}
	first, removed, untouched, added := tenants[:50], tenants[:5], tenants[5:50], tenants[50:]
	allDelivered := func(ts []*streamTenant, which func(*streamTenant) int64) func() bool {
		return func() bool {
			for _, tn := range ts {
				if callback.delivered(tn.id, which(tn), "CREATED") == 0 {
					return false
				}
			}
			return true
		}
	}
	firstEmployee := func(tn *streamTenant) int64 { return tn.employee[0] }
	lastEmployee := func(tn *streamTenant) int64 { return tn.employee[len(tn.employee)-1] }
	progress := func() string {
		callback.mu.Lock()
		defer callback.mu.Unlock()
		return fmt.Sprintf("%d tenants delivered: %v\n%s", len(callback.events), callback.events, srv.logs.String())
	}

	for _, tn := range first {
		srv.call(t, http.MethodPost, "/streams/"+tn.id, tn.streamConfig(t, receiver.URL))
	}
	eventually(t, progress, allDelivered(first, firstEmployee))
	changedAt := time.Now()

	// Remove five tenants and add five while the rest keep running; every
	// tenant, removed or not, then gets a new employee.
	for _, tn := range removed {
		srv.call(t, http.MethodDelete, "/streams/"+tn.id, "")
	}
	for _, tn := range added {
		srv.call(t, http.MethodPost, "/streams/"+tn.id, tn.streamConfig(t, receiver.URL))
	}
	for _, tn := range tenants {
		tn.insert()
	}
	running := append(append([]*streamTenant{}, untouched...), added...)
	eventually(t, progress, allDelivered(running, lastEmployee))
	eventually(t, progress, allDelivered(added, firstEmployee))

	// The removed tenants stay silent while a running one polls five more
	// times.
	before := make([]int, len(removed))
	for i, tn := range removed {
		before[i] = tn.requests()
	}
	eventually(t, progress, cycles(untouched[0].sim, "/resources/Employee/", 5))
	for i, tn := range removed {
		if n := tn.requests(); n != before[i] {
			t.Errorf("removed tenant %s was polled %d more times", tn.id, n-before[i])
		}
		if callback.delivered(tn.id, lastEmployee(tn), "CREATED") != 0 {
			t.Errorf("removed tenant %s delivered a change made after its removal", tn.id)
		}
	}

	listedAt := time.Now()
	streams := srv.list(t)
	if len(streams) != len(running) {
		t.Errorf("GET /streams lists %d streams, want %d", len(streams), len(running))
	}
	for _, tn := range running {
		if !streams[tn.id].Active {
			t.Errorf("stream %s is not active", tn.id)
		}
	}
	for _, tn := range untouched {
		if up := time.Duration(streams[tn.id].Uptime * float64(time.Second)); up < listedAt.Sub(changedAt) {
			t.Errorf("stream %s restarted during the changes (uptime %v)", tn.id, up)
		}
	}

	// A removed tenant added again resumes from its checkpoint: only the
	// change made while it was away is new.
	back := removed[0]
	srv.call(t, http.MethodPost, "/streams/"+back.id, back.streamConfig(t, receiver.URL))
	eventually(t, progress, allDelivered([]*streamTenant{back}, lastEmployee))
	eventually(t, progress, cycles(back.sim, "/resources/Employee/", 3))

	callback.mu.Lock()
	defer callback.mu.Unlock()
	for _, p := range callback.problems {
		t.Error(p)
	}
	for tenant, events := range callback.events {
		for key, n := range events {
			if n != 1 {
				t.Errorf("tenant %s: %s delivered %d times", tenant, key, n)
			}
		}
	}
	logs := srv.logs.String()
	for _, tn := range tenants {
		if strings.Contains(logs, tn.secret) {
			t.Errorf("the logs show tenant %s's API secret", tn.id)
		}
	}
	if !strings.Contains(logs, "streams mode") {
		t.Errorf("no startup line in the logs:\n%s", logs)
	}
}
