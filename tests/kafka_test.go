package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/revel-connect/revel-connect/internal/testutil"
	_ "github.com/revel-connect/revel-connect/plugin/kafkafranz"
	"github.com/revel-connect/revel-connect/revelsim"
)

const kafkaTopic = "revel-events"

// startKafka runs an in-process Kafka cluster on 127.0.0.1 with a
// three-partition topic, so that keys spread.
func startKafka(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, kafkaTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// topicReader consumes the topic from the start in the background.
type topicReader struct {
	mu   sync.Mutex
	recs []*kgo.Record
}

func readTopic(t *testing.T, c *kfake.Cluster) *topicReader {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(kafkaTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		t.Fatal(err)
	}
	r := &topicReader{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fetches := cl.PollFetches(ctx)
			r.mu.Lock()
			fetches.EachRecord(func(rec *kgo.Record) { r.recs = append(r.recs, rec) })
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		cl.Close()
	})
	return r
}

func (r *topicReader) records() []*kgo.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*kgo.Record(nil), r.recs...)
}

// kafkaEvent is what a test checks of one record.
type kafkaEvent struct {
	rec     *kgo.Record
	n       notification
	headers map[string]string
	// version is the first_name the test wrote into the record.
	version string
}

func decode(t *testing.T, rec *kgo.Record) kafkaEvent {
	t.Helper()
	e := kafkaEvent{rec: rec, headers: map[string]string{}}
	if err := json.Unmarshal(rec.Value, &e.n); err != nil || len(e.n.Message.Events) != 1 {
		t.Fatalf("record value is not a one-event notification: %v: %s", err, rec.Value)
	}
	for _, h := range rec.Headers {
		e.headers[h.Key] = string(h.Value)
	}
	var rows []struct {
		FirstName string `json:"first_name"`
	}
	raw := e.n.Message.Raw[e.n.Message.Events[0].ObjectType]
	if err := json.Unmarshal(raw, &rows); err != nil || len(rows) != 1 {
		t.Fatalf("raw does not hold the event's record: %s", rec.Value)
	}
	e.version = rows[0].FirstName
	return e
}

func kafkaOutput(c *kfake.Cluster, extra string) string {
	return fmt.Sprintf(`
output:
  kafka_franz:
    seed_brokers: [ %q ]
    topic: %s
    metadata:
      include_prefixes: [ revel_ ]
    batching:
      count: 7
      period: 5ms
%s`, strings.Join(c.ListenAddrs(), ","), kafkaTopic, indent(extra, "    "))
}

// TestKafkaDeliversEventsKeyedByObjectInOrder changes objects again and
// again while the pipeline runs, and checks that every version reaches
// Kafka once, keyed by object, in one partition per object, in order.
func TestKafkaDeliversEventsKeyedByObjectInOrder(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	const objects, rounds = 12, 6
	ids := make([]int64, objects)
	for i := range ids {
		ids[i] = sim.Insert("Employee", map[string]any{"first_name": "v0"})
	}
	cluster := startKafka(t)
	topic := readTopic(t, cluster)
	start := time.Now()
	runYAML(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", ""))+kafkaOutput(cluster, ""), nil)

	// Each round's versions are seen by a later poll, but the test does not
	// wait for them to reach Kafka before writing the next.
	for round := 1; round < rounds; round++ {
		eventually(t, func() string { return "polling" }, cycles(sim, "/resources/Employee/", 2))
		for _, id := range ids {
			if err := sim.Update("Employee", id, map[string]any{"first_name": fmt.Sprint("v", round)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := objects * rounds
	eventually(t, func() string { return fmt.Sprintf("%d of %d records", len(topic.records()), want) },
		func() bool { return len(topic.records()) >= want })
	eventually(t, func() string { return "further polls" }, cycles(sim, "/resources/Employee/", 5))
	t.Logf("%d events polled and written to Kafka in %v", want, time.Since(start))

	recs := topic.records()
	if len(recs) != want {
		t.Fatalf("%d records, want %d: every version once", len(recs), want)
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Offset < recs[j].Offset })
	partitionOf := map[string]int32{}
	versions := map[string][]string{}
	for _, rec := range recs {
		e := decode(t, rec)
		ev := e.n.Message.Events[0]
		key := "employees/" + ev.ObjectID
		if string(rec.Key) != key {
			t.Errorf("record of %s keyed %q", key, rec.Key)
		}
		if p, ok := partitionOf[key]; ok && p != rec.Partition {
			t.Errorf("%s in partitions %d and %d", key, p, rec.Partition)
		}
		partitionOf[key] = rec.Partition
		versions[key] = append(versions[key], e.version)
		h := e.headers
		if h["revel_event_id"] != e.n.ID || h["revel_event_type"] != ev.EventType ||
			h["revel_object_type"] != "employees" || h["revel_object_id"] != ev.ObjectID || h["revel_event_date"] == "" {
			t.Errorf("headers %v do not describe %s", h, rec.Value)
		}
		if wantType := map[bool]string{true: "CREATED", false: "UPDATED"}[e.version == "v0"]; ev.EventType != wantType {
			t.Errorf("%s %s is %s, want %s", key, e.version, ev.EventType, wantType)
		}
	}
	partitions := map[int32]bool{}
	for key, vs := range versions {
		if got, wantVs := strings.Join(vs, ","), "v0,v1,v2,v3,v4,v5"; got != wantVs {
			t.Errorf("%s versions in partition order %s, want %s", key, got, wantVs)
		}
		partitions[partitionOf[key]] = true
	}
	if len(versions) != objects || len(partitions) < 2 {
		t.Errorf("%d keys over %d partitions, want %d keys spread", len(versions), len(partitions), objects)
	}
}

// TestKafkaProduceFailuresAreReplayedWithoutLoss has the broker refuse
// the first, third and fifth produce requests: each refused batch is
// rejected to revel_poller, which sends it again, so every event arrives.
func TestKafkaProduceFailuresAreReplayedWithoutLoss(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	const employees = 250 // three pages
	for i := 0; i < employees; i++ {
		sim.Insert("Employee", map[string]any{"first_name": "v0"})
	}
	cluster := startKafka(t)
	refused := testutil.RefuseProduce(cluster, func(n int) bool { return n%2 == 1 && n <= 5 })
	topic := readTopic(t, cluster)
	p := runYAML(t, pollerConf(base, t.TempDir(), "", resource("employees", "/resources/Employee/", ""))+kafkaOutput(cluster, ""), nil)

	delivered := func() map[string]int {
		ids := map[string]int{}
		for _, rec := range topic.records() {
			ids[decode(t, rec).n.ID]++
		}
		return ids
	}
	eventually(t, func() string { return fmt.Sprintf("%d of %d events in Kafka", len(delivered()), employees) },
		func() bool { return len(delivered()) == employees })
	eventually(t, func() string { return "further polls" }, cycles(sim, "/resources/Employee/", 5))

	if refused.Load() != 3 {
		t.Fatalf("%d produce requests refused, want 3", refused.Load())
	}
	if !strings.Contains(p.logs.String(), "records not written") {
		t.Errorf("refused batches were not logged")
	}
	dups := 0
	for _, n := range delivered() {
		dups += n - 1
	}
	t.Logf("%d produce requests refused; %d events all delivered, %d of them twice or more", refused.Load(), employees, dups)
}

// TestKafkaFanoutExampleDeliversToCallbackAndKafka runs config/fanout.yaml
// with both destinations failing at first: each is retried on its own, so
// the callback is not sent an event again because Kafka refused it.
func TestKafkaFanoutExampleDeliversToCallbackAndKafka(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	const employees = 8
	for i := 0; i < employees; i++ {
		sim.Insert("Employee", map[string]any{"first_name": "v0"})
	}
	cluster := startKafka(t)
	refused := testutil.RefuseProduce(cluster, func(n int) bool { return n <= 2 })
	topic := readTopic(t, cluster)

	var mu sync.Mutex
	accepted := map[string]int{} // event id -> deliveries the callback accepted
	callbackFailed := false
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if !callbackFailed {
			callbackFailed = true
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var n notification
		if err := json.Unmarshal(body, &n); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		accepted[n.ID]++
	}))
	defer callback.Close()

	raw, err := os.ReadFile(filepath.Join("..", "config", "fanout.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := simulatorEnv(base, callback.URL, t.TempDir())
	env["KAFKA_BROKERS"], env["KAFKA_TOPIC"] = strings.Join(cluster.ListenAddrs(), ","), kafkaTopic
	runYAML(t, string(raw), exampleLookup(env))

	inKafka := func() map[string]int {
		ids := map[string]int{}
		for _, rec := range topic.records() {
			ids[decode(t, rec).n.ID]++
		}
		return ids
	}
	eventually(t, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("callback has %d, Kafka %d of %d events", len(accepted), len(inKafka()), employees)
	}, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted) == employees && len(inKafka()) == employees
	})
	eventually(t, func() string { return "further polls" }, cycles(sim, "/resources/Employee/", 5))

	if refused.Load() != 2 {
		t.Errorf("%d produce requests refused, want 2", refused.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	for id, n := range accepted {
		if n != 1 {
			t.Errorf("callback accepted event %s %d times: Kafka's retries reached it", id, n)
		}
	}
	for id := range inKafka() {
		if accepted[id] == 0 {
			t.Errorf("event %s reached Kafka but not the callback", id)
		}
	}
}

// cloudEventsRecipes are docs/kafka.md's outputs for the CloudEvents Kafka
// binding, without seed_brokers and topic.
var cloudEventsRecipes = map[string]string{
	"structured": `
    metadata:
      include_prefixes: [ content-type ]
  processors:
    - mutation: 'meta "content-type" = "application/cloudevents+json; charset=UTF-8"'
`,
	"binary": `
    metadata:
      include_prefixes: [ ce_, content-type ]
  processors:
    - mapping: |
        meta "content-type" = @ce_datacontenttype
        meta ce_datacontenttype = deleted()
        root = this.data
`,
}

// TestKafkaCloudEventsBindings runs both recipes and checks each record
// against the CloudEvents Kafka protocol binding.
func TestKafkaCloudEventsBindings(t *testing.T) {
	for mode, recipe := range cloudEventsRecipes {
		t.Run(mode, func(t *testing.T) {
			sim, base := startSim(t, revelsim.Options{})
			id := sim.Insert("Employee", map[string]any{"first_name": "Ada"})
			cluster := startKafka(t)
			topic := readTopic(t, cluster)
			conf := pollerConf(base, t.TempDir(), "    format: cloudevents\n    cloudevents_source: https://acme.revelup.com/employees\n",
				resource("employees", "/resources/Employee/", "")) + fmt.Sprintf(`
output:
  kafka_franz:
    seed_brokers: [ %q ]
    topic: %s`, strings.Join(cluster.ListenAddrs(), ","), kafkaTopic) + recipe
			runYAML(t, conf, nil)
			eventually(t, func() string { return "the event in Kafka" }, func() bool { return len(topic.records()) == 1 })

			rec := topic.records()[0]
			if want := fmt.Sprintf("employees/%d", id); string(rec.Key) != want {
				t.Errorf("key %q, want %q", rec.Key, want)
			}
			headers := map[string]string{}
			var names []string
			for _, h := range rec.Headers {
				headers[h.Key] = string(h.Value)
				names = append(names, h.Key)
			}
			var doc map[string]any
			if err := json.Unmarshal(rec.Value, &doc); err != nil {
				t.Fatalf("value is not JSON: %s", rec.Value)
			}
			attrs := map[string]string{}
			data := doc
			if mode == "structured" {
				if got := strings.Join(names, ","); got != "content-type" || headers["content-type"] != "application/cloudevents+json; charset=UTF-8" {
					t.Errorf("headers %v", headers)
				}
				for k, v := range doc {
					if s, ok := v.(string); ok {
						attrs[k] = s
					}
				}
				data, _ = doc["data"].(map[string]any)
			} else {
				if got := strings.Join(names, ","); got != "ce_id,ce_source,ce_specversion,ce_subject,ce_time,ce_type,content-type" {
					t.Errorf("headers %s", got)
				}
				for k, v := range headers {
					if name, ok := strings.CutPrefix(k, "ce_"); ok {
						attrs[name] = v
					}
				}
				attrs["datacontenttype"] = headers["content-type"]
			}
			for k, want := range map[string]string{
				"specversion":     "1.0",
				"source":          "https://acme.revelup.com/employees",
				"type":            "com.revelsystems.employees.created",
				"subject":         fmt.Sprint(id),
				"datacontenttype": "application/json",
			} {
				if attrs[k] != want {
					t.Errorf("%s = %q, want %q", k, attrs[k], want)
				}
			}
			if _, err := time.Parse(time.RFC3339Nano, attrs["time"]); err != nil || attrs["id"] == "" {
				t.Errorf("time %q, id %q", attrs["time"], attrs["id"])
			}
			if data["first_name"] != "Ada" || fmt.Sprint(data["id"]) != fmt.Sprint(id) {
				t.Errorf("data is not the record: %s", rec.Value)
			}
		})
	}
}
