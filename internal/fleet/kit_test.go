package fleet

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	"github.com/revel-connect/revel-connect/internal/testutil"
	_ "github.com/revel-connect/revel-connect/plugin/revelpoller"
	"github.com/revel-connect/revel-connect/revelsim"
	"github.com/revel-connect/revel-connect/revelsim/revelsimtest"
)

const waitLimit = 30 * time.Second

// kit is a Kafka cluster in the test process, a callback that counts what
// tenants deliver, and the tenants topic's admin.
type kit struct {
	t        *testing.T
	cluster  *kfake.Cluster
	brokers  []string
	callback *callback
	url      string
	tenants  *Tenants
	// streamPerTenant starts replicas with Config.StreamPerTenant.
	streamPerTenant bool
	// stopTimeout, if set, is the replicas' StopTimeout, and twice it
	// their RebalanceTimeout (the defaults' ratio).
	stopTimeout time.Duration
}

func newKit(t *testing.T) *kit {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	k := &kit{t: t, cluster: c, brokers: c.ListenAddrs(), callback: &callback{events: map[string]map[string]int{}}}
	srv := httptest.NewServer(k.callback)
	t.Cleanup(srv.Close)
	k.url = srv.URL
	k.tenants, err = NewTenants(context.Background(), service.GlobalEnvironment(), k.opts(), DefaultTenantsTopic, DefaultStateTopic, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.tenants.Close)
	return k
}

func (k *kit) opts() []kgo.Opt { return []kgo.Opt{kgo.SeedBrokers(k.brokers...)} }

// running is a replica running in the test process.
type running struct {
	name   string
	r      *Replica
	m      *Metrics
	cancel context.CancelFunc
	done   chan error
	logs   *testutil.Buffer
}

func (k *kit) start(name string) *running {
	k.t.Helper()
	logs := &testutil.Buffer{}
	m := NewMetrics()
	stopTimeout := 5 * time.Second
	if k.stopTimeout > 0 {
		stopTimeout = k.stopTimeout
	}
	r, err := New(context.Background(), Config{
		Brokers: k.brokers, Group: "fleet", Partitions: 4,
		SessionTimeout: 3 * time.Second, HeartbeatInterval: 100 * time.Millisecond,
		RebalanceTimeout: 2 * stopTimeout, StopTimeout: stopTimeout,
		Logger:          slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("replica", name),
		Metrics:         m,
		StreamPerTenant: k.streamPerTenant,
	})
	if err != nil {
		k.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rn := &running{name: name, r: r, m: m, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { rn.done <- r.Run(ctx) }()
	k.t.Cleanup(rn.stop)
	return rn
}

// stop leaves the group gracefully; safe to call twice.
func (rn *running) stop() {
	rn.cancel()
	if err := <-rn.done; err != nil {
		panic(err)
	}
	rn.done <- nil
}

// owns lists the tenants this replica runs.
func (rn *running) owns() map[string]string {
	out := map[string]string{}
	for _, t := range rn.r.Status().Tenants {
		out[t.ID] = t.Status
	}
	return out
}

// simTenant is one simulated Revel tenant.
type simTenant struct {
	id       string
	sim      *revelsim.Server
	employee []int64
}

func (k *kit) newTenant(id string) *simTenant {
	tn := &simTenant{id: id, sim: revelsimtest.Start(k.t, revelsim.Options{APIKey: "key-" + id, APISecret: "secret-" + id})}
	tn.insert()
	return tn
}

func (tn *simTenant) insert() int64 {
	id := tn.sim.Insert("Employee", map[string]any{"first_name": tn.id})
	tn.employee = append(tn.employee, id)
	return id
}

func (tn *simTenant) requests() int { return len(tn.sim.Requests()) }

// config is the tenant's stream, as the tenants topic holds it. Every
// tenant has the same output, so the tenants of a partition share a stream.
func (k *kit) config(tn *simTenant, extra string) string {
	return fmt.Sprintf(`input:
  revel_poller:
    base_url: %s
    api_key: key-%s
    api_secret: secret-%s
    refresh_interval: 100ms
    start_from: earliest
    checkpoint_cache: state
    checkpoint_key: %s
    instance:
      name: %s
    retry_backoff:
      initial_interval: 10ms
      max_interval: 100ms
    resources:
      employees:
        url: /resources/Employee/?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
        id_field: id
        dates_configuration:
          updated_date_timezone: America/Los_Angeles
          created_date_timezone: America/Los_Angeles
%soutput:
  http_client:
    url: %s/events
    verb: POST
    retry_period: 20ms
`, tn.sim.URL(), tn.id, tn.id, tn.id, tn.id, extra, k.url)
}

func (k *kit) put(tn *simTenant, extra string) {
	k.t.Helper()
	k.putConfig(tn, k.config(tn, extra))
}

func (k *kit) putConfig(tn *simTenant, conf string) {
	k.t.Helper()
	if err := k.tenants.Put(context.Background(), tn.id, conf); err != nil {
		k.t.Fatal(err)
	}
}

// callback counts each tenant's deliveries by objectId/eventType.
type callback struct {
	mu     sync.Mutex
	events map[string]map[string]int
	// delay holds every response this long (nanoseconds), so messages are
	// in flight; inFlight counts requests being held.
	delay    atomic.Int64
	inFlight atomic.Int32
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if d := time.Duration(c.delay.Load()); d > 0 {
		c.inFlight.Add(1)
		time.Sleep(d) // a slow receiver
		c.inFlight.Add(-1)
	}
	var n struct {
		Message struct {
			// Every tenant's stream posts to one URL; its instance
			// name is the tenant.
			InstanceName string `json:"instanceName"`
			Events       []struct {
				EventType string `json:"eventType"`
				ObjectID  string `json:"objectId"`
			} `json:"events"`
		} `json:"message"`
	}
	if err := json.Unmarshal(body, &n); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tenant := n.Message.InstanceName
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.events[tenant] == nil {
		c.events[tenant] = map[string]int{}
	}
	for _, e := range n.Message.Events {
		c.events[tenant][e.ObjectID+"/"+e.EventType]++
	}
}

func (c *callback) delivered(tenant string, id int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events[tenant][fmt.Sprintf("%d/CREATED", id)]
}

// duplicates lists every change delivered more than once.
func (c *callback) duplicates() []string {
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

func (c *callback) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, _ := json.Marshal(c.events)
	return string(b)
}

// allDelivered holds once every employee of each tenant was delivered.
// The latest one alone says nothing of the others: a backlog read in id
// ranges side by side (backfill_concurrency) is delivered in any id order.
func (k *kit) allDelivered(ts ...*simTenant) func() bool {
	return func() bool {
		for _, tn := range ts {
			for _, id := range tn.employee {
				if k.callback.delivered(tn.id, id) == 0 {
					return false
				}
			}
		}
		return true
	}
}

func eventually(t *testing.T, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
