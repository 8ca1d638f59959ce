package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/revel-connect/revel-connect/internal/fleet"
	"github.com/revel-connect/revel-connect/internal/testutil"
)

// fleetReplica is one `revel-connect fleet` process.
type fleetReplica struct {
	name   string
	api    string
	cmd    *exec.Cmd
	exited chan struct{}
	logs   *testutil.Buffer
	frozen atomic.Bool // stopped with SIGSTOP
}

// fleetClient gives up on a replica that does not answer (a frozen one).
var fleetClient = &http.Client{Timeout: 2 * time.Second}

// fleetArgs are the flags every replica and tenants command of a test
// fleet shares: short session timeouts so failover takes seconds.
func fleetArgs(brokers []string) []string {
	return []string{"--brokers", strings.Join(brokers, ","), "--partitions", "6"}
}

func startReplica(t *testing.T, name string, brokers []string) *fleetReplica {
	t.Helper()
	addr := freeAddr(t)
	root := filepath.Join(t.TempDir(), "root.yaml")
	if err := os.WriteFile(root, []byte(fmt.Sprintf("http:\n  address: %s\nlogger:\n  level: info\n", addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"fleet"}, fleetArgs(brokers)...)
	args = append(args, "--group", "revel", "-o", root,
		"--session-timeout", "3s", "--heartbeat-interval", "150ms", "--rebalance-timeout", "10s", "--stop-timeout", "5s")
	r := &fleetReplica{name: name, api: "http://" + addr, logs: &testutil.Buffer{}, exited: make(chan struct{})}
	r.cmd = exec.Command(revelConnect(t), args...)
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(func() { r.stop(t) })
	eventually(t, func() string { return name + " never became ready:\n" + r.logs.String() }, func() bool {
		select {
		case <-r.exited:
			t.Fatalf("%s exited:\n%s", name, r.logs.String())
		default:
		}
		resp, err := http.Get(r.api + "/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return r
}

// stop ends the replica gracefully (SIGTERM) and waits for it.
func (r *fleetReplica) stop(t *testing.T) {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(15 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
		t.Errorf("%s did not stop within 15s of SIGTERM:\n%s", r.name, r.logs.String())
	}
}

func (r *fleetReplica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// owns is what the replica's /fleet reports it runs: tenant -> status.
func (r *fleetReplica) owns() map[string]string {
	select {
	case <-r.exited:
		return nil
	default:
	}
	resp, err := fleetClient.Get(r.api + "/fleet")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var st fleet.Status
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return nil
	}
	out := map[string]string{}
	for _, tn := range st.Tenants {
		out[tn.ID] = tn.Status
	}
	return out
}

// fleetTenantConfig is a tenant's stream as the tenants topic holds it.
func fleetTenantConfig(tn *streamTenant, callback string) string {
	return fmt.Sprintf(`input:
  revel_poller:
    base_url: %s
    api_key: key-%s
    api_secret: %s
    refresh_interval: 100ms
    start_from: earliest
    checkpoint_cache: state
    checkpoint_key: %s
    instance:
      name: %s
    resources:
      employees:
        url: /resources/Employee/?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
        id_field: id
        dates_configuration:
          updated_date_timezone: America/Los_Angeles
          created_date_timezone: America/Los_Angeles
output:
  http_client:
    url: %s/tenants/%s
    verb: POST
    retry_period: 20ms
`, tn.base, tn.id, tn.secret, tn.id, tn.id, callback, tn.id)
}

// tenantsCmd runs `revel-connect tenants ...` and returns its output.
func tenantsCmd(t *testing.T, brokers []string, sub string, args ...string) string {
	t.Helper()
	all := append(append([]string{"tenants", sub}, fleetArgs(brokers)...), args...)
	out, err := exec.Command(revelConnect(t), all...).CombinedOutput()
	if err != nil {
		t.Fatalf("revel-connect %s: %v\n%s", strings.Join(all, " "), err, out)
	}
	return string(out)
}

// TestFleetReplicasShareTenantsAndFailOver runs replicas of the built
// binary against a Kafka cluster in the test process: tenants are spread
// over them, a replica added takes some over, one stopped hands its over
// gracefully (no duplicates), one SIGKILLed loses its to the others within
// the session timeout (duplicates bounded by what it had not yet
// checkpointed), and tenants are added and removed at run time.
func TestFleetReplicasShareTenantsAndFailOver(t *testing.T) {
	// Cleanups run last in, first out: Kafka and the callback outlive the
	// replicas, which stop gracefully at the end.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	brokers := cluster.ListenAddrs()
	callback := &tenantCallback{events: map[string]map[string]int{}}
	srv := httptest.NewServer(callback)
	t.Cleanup(srv.Close)
	receiver := srv.URL

	tenants := make([]*streamTenant, 10)
	for i := range tenants {
		tenants[i] = newStreamTenant(t, i)
	}
	initial, added := tenants[:9], tenants[9]
	dir := t.TempDir()
	for _, tn := range initial {
		file := filepath.Join(dir, tn.id+".yaml")
		if err := os.WriteFile(file, []byte(fleetTenantConfig(tn, receiver)), 0o600); err != nil {
			t.Fatal(err)
		}
		tenantsCmd(t, brokers, "put", tn.id, file)
	}

	replicas := []*fleetReplica{startReplica(t, "r1", brokers), startReplica(t, "r2", brokers)}
	live := func() []*fleetReplica {
		var out []*fleetReplica
		for _, r := range replicas {
			select {
			case <-r.exited:
			default:
				if !r.frozen.Load() {
					out = append(out, r)
				}
			}
		}
		return out
	}
	// spread holds when the live replicas run want between them, each
	// tenant on exactly one.
	spread := func(want []*streamTenant) func() bool {
		return func() bool {
			owner := map[string]int{}
			for _, r := range live() {
				owns := r.owns()
				if owns == nil {
					return false
				}
				for id, status := range owns {
					if status != "running" {
						return false
					}
					owner[id]++
				}
			}
			if len(owner) != len(want) {
				return false
			}
			for _, tn := range want {
				if owner[tn.id] != 1 {
					return false
				}
			}
			return true
		}
	}
	running := append([]*streamTenant{}, initial...)
	progress := func() string {
		var b strings.Builder
		for _, r := range replicas {
			fmt.Fprintf(&b, "%s owns %v\n", r.name, r.owns())
		}
		callback.mu.Lock()
		fmt.Fprintf(&b, "delivered %v\n", callback.events)
		callback.mu.Unlock()
		for _, r := range replicas {
			fmt.Fprintf(&b, "--- %s\n%s", r.name, r.logs.String())
		}
		return b.String()
	}
	delivered := func(ts []*streamTenant) func() bool {
		return func() bool {
			for _, tn := range ts {
				if callback.delivered(tn.id, tn.employee[len(tn.employee)-1], "CREATED") == 0 {
					return false
				}
			}
			return true
		}
	}
	round := func() {
		t.Helper()
		for _, tn := range running {
			tn.insert()
		}
		eventually(t, progress, delivered(running))
	}
	eventually(t, progress, spread(running))
	eventually(t, progress, delivered(running))

	// status --fleet shows each tenant once, on its owner, with its lag
	// (once the group has settled: r2 may still be taking its share).
	var statusOut []byte
	eventually(t, func() string { return "status --fleet:\n" + string(statusOut) + progress() }, func() bool {
		out, err := exec.Command(revelConnect(t), "status", "--format", "json", "--fleet", replicas[0].api+","+replicas[1].api).Output()
		statusOut = out
		if err != nil {
			return false
		}
		var rows []struct {
			Tenant, Replica, Status string
			Lag                     map[string]float64 `json:"lag_seconds"`
		}
		if json.Unmarshal(out, &rows) != nil || len(rows) != len(running) {
			return false
		}
		replicasSeen := map[string]bool{}
		for _, row := range rows {
			if _, ok := row.Lag["employees"]; row.Status != "running" || !ok {
				return false
			}
			replicasSeen[row.Replica] = true
		}
		return len(replicasSeen) == 2
	})

	// A replica added takes a share.
	replicas = append(replicas, startReplica(t, "r3", brokers))
	eventually(t, progress, func() bool { return len(replicas[2].owns()) > 0 && spread(running)() })
	round()

	// A tenant added and one removed at run time.
	file := filepath.Join(dir, added.id+".yaml")
	if err := os.WriteFile(file, []byte(fleetTenantConfig(added, receiver)), 0o600); err != nil {
		t.Fatal(err)
	}
	tenantsCmd(t, brokers, "put", added.id, file)
	removed := running[0]
	tenantsCmd(t, brokers, "delete", removed.id)
	running = append(running[1:], added)
	eventually(t, progress, spread(running))
	if list := tenantsCmd(t, brokers, "list"); strings.Contains(list, removed.id+"\t") || !strings.Contains(list, added.id+"\t") {
		t.Errorf("tenants list after the put and delete:\n%s", list)
	}
	removedBefore := removed.requests()
	round()

	// A replica stopped hands its tenants over gracefully.
	replicas[1].stop(t)
	eventually(t, progress, spread(running))
	round()
	if d := duplicates(callback); len(d) > 0 {
		t.Errorf("delivered twice before any crash: %v", d)
	}

	// A replica killed: the survivor takes its tenants within the session
	// timeout. Its last round may be delivered again, if it had not yet
	// saved the checkpoint.
	// twice lists the changes that may be delivered twice: those of a
	// replica's last round when it is killed or frozen.
	twice := map[string]bool{}
	lastRoundOf := func(r *fleetReplica) {
		for id := range r.owns() {
			for _, tn := range running {
				if tn.id == id {
					twice[fmt.Sprintf("%s/%d/CREATED", id, tn.employee[len(tn.employee)-1])] = true
				}
			}
		}
	}
	victim := replicas[2]
	lastRoundOf(victim)
	victim.kill()
	eventually(t, progress, spread(running))
	round()

	// A replica frozen past its session timeout (SIGSTOP: a long pause of
	// the process or its VM) is a zombie: the others take its tenants
	// over. Woken, it may poll once more (a duplicate within its window),
	// then its heartbeat tells it it lost them, it stops them, and it
	// rejoins as a new member; its late checkpoint writes carry its old
	// epoch and lose to the new owners' (TestZombieStateWritesAreFenced in
	// internal/fleet checks that record by record).
	replicas = append(replicas, startReplica(t, "r4", brokers))
	eventually(t, progress, func() bool { return len(replicas[3].owns()) > 0 && spread(running)() })
	zombie := replicas[0]
	zombieOwned := zombie.owns()
	if err := zombie.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	zombie.frozen.Store(true)
	eventually(t, progress, spread(running))
	for _, tn := range running {
		if _, ok := zombieOwned[tn.id]; ok {
			tn.insert()
			twice[fmt.Sprintf("%s/%d/CREATED", tn.id, tn.employee[len(tn.employee)-1])] = true
		}
	}
	eventually(t, progress, delivered(running))
	if err := zombie.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	zombie.frozen.Store(false)
	eventually(t, progress, func() bool { return strings.Contains(zombie.logs.String(), "partitions lost") })
	eventually(t, progress, spread(running))
	round()

	if n := removed.requests() - removedBefore; n != 0 {
		t.Errorf("tenant %s was polled %d times after its removal", removed.id, n)
	}
	callback.mu.Lock()
	defer callback.mu.Unlock()
	for tenant, events := range callback.events {
		for key, n := range events {
			if n == 1 {
				continue
			}
			if n == 2 && twice[tenant+"/"+key] {
				continue // unacknowledged when its replica was killed, or polled by the zombie
			}
			t.Errorf("tenant %s: %s delivered %d times", tenant, key, n)
		}
	}
	for _, r := range replicas {
		logs := r.logs.String()
		for _, tn := range tenants {
			if strings.Contains(logs, tn.secret) {
				t.Errorf("%s logged tenant %s's API secret", r.name, tn.id)
			}
		}
	}
}

func duplicates(c *tenantCallback) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for tenant, events := range c.events {
		for key, n := range events {
			if n > 1 {
				out = append(out, fmt.Sprintf("%s %s x%d", tenant, key, n))
			}
		}
	}
	return out
}

// TestTenantsPutLintsAndImportWritesATenant: `tenants put` refuses a stream
// that does not lint, or that uses a component the binary leaves out, and
// writes nothing; `import --tenant` writes a Cloud Elements instance
// straight to the tenants topic, checkpointing in the fleet's state cache.
func TestTenantsPutLintsAndImportWritesATenant(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	dir := t.TempDir()
	tn := &streamTenant{id: "acme", base: "http://127.0.0.1:1", secret: "s"}
	for name, conf := range map[string]string{
		"unknown-field": strings.Replace(fleetTenantConfig(tn, "http://127.0.0.1:2"), "    refresh_interval:", "    no_such_field: 1\n    refresh_interval:", 1),
		"command":       fleetTenantConfig(tn, "http://127.0.0.1:2") + "pipeline:\n  processors:\n    - command:\n        name: sh\n",
	} {
		file := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		args := append(append([]string{"tenants", "put"}, fleetArgs(brokers)...), "acme", file)
		out, err := exec.Command(revelConnect(t), args...).CombinedOutput()
		if err == nil {
			t.Errorf("tenants put of %s succeeded:\n%s", name, out)
		}
		want := map[string]string{"unknown-field": "no_such_field", "command": "command"}[name]
		if !strings.Contains(string(out), want) {
			t.Errorf("tenants put of %s: the error does not name %q:\n%s", name, want, out)
		}
	}
	if list := tenantsCmd(t, brokers, "list"); list != "" {
		t.Errorf("refused puts wrote tenants:\n%s", list)
	}

	seed := filepath.Join("..", "cmd", "revel-connect", "ceimport", "testdata", "seed.json")
	args := append(append([]string{"import", "--tenant", "acme"}, fleetArgs(brokers)...), seed)
	if out, err := exec.Command(revelConnect(t), args...).CombinedOutput(); err != nil {
		t.Fatalf("import --tenant: %v\n%s", err, out)
	}
	admin, err := fleet.NewTenants(t.Context(), service.GlobalEnvironment(), []kgo.Opt{kgo.SeedBrokers(brokers...)}, fleet.DefaultTenantsTopic, fleet.DefaultStateTopic, 6)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	list, err := admin.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != "acme" {
		t.Fatalf("tenants after import: %+v", list)
	}
	for _, want := range []string{"checkpoint_cache: state\n", "checkpoint_key: acme\n", "revel_poller:"} {
		if !strings.Contains(list[0].Config, want) {
			t.Errorf("the imported tenant lacks %q:\n%s", want, list[0].Config)
		}
	}
}

// TestTenantsNamedLikeHelp: "h" and "help" are tenant ids like any other.
// urfave/cli gives every command a help subcommand, so `tenants delete h`
// printed delete's help and exited 0, deleting nothing.
func TestTenantsNamedLikeHelp(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	file := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(file, []byte(fleetTenantConfig(&streamTenant{id: "h", base: "http://127.0.0.1:1", secret: "s"}, "http://127.0.0.1:2")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"h", "help"} {
		if out := tenantsCmd(t, brokers, "put", id, file); out != "tenant "+id+" written\n" {
			t.Errorf("tenants put %s: %q", id, out)
		}
	}
	if out := tenantsCmd(t, brokers, "delete", "h"); out != "tenant h deleted\n" {
		t.Errorf("tenants delete h: %q", out)
	}
	list := tenantsCmd(t, brokers, "list")
	if !strings.HasPrefix(list, "help\t") || strings.Count(list, "\n") != 1 {
		t.Errorf("tenants list after putting h and help and deleting h:\n%s", list)
	}
}
