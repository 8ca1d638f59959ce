package kafkafranz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/revel-connect/revel-connect/internal/testutil"
)

const topic = "events"

// newCluster starts an in-process Kafka on 127.0.0.1 with a three-partition
// topic.
func newCluster(t *testing.T, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(3, topic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// connected builds and connects an output to c from the YAML fields after
// seed_brokers.
func connected(t *testing.T, c *kfake.Cluster, fields string) *output {
	t.Helper()
	conf := fmt.Sprintf("seed_brokers: [ %q ]\n%s", strings.Join(c.ListenAddrs(), ","), fields)
	pc, err := Spec().ParseYAML(conf, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := newOutput(pc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = out.Close(context.Background()) })
	return out
}

// consume reads n records of topic from the start.
func consume(t *testing.T, c *kfake.Cluster, n int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var recs []*kgo.Record
	for len(recs) < n {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records", len(recs), n)
		}
		fetches.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	return recs
}

func event(objectType, id, body string) *service.Message {
	m := service.NewMessage([]byte(body))
	m.MetaSetMut("revel_object_type", objectType)
	m.MetaSetMut("revel_object_id", id)
	m.MetaSetMut("revel_event_id", "ev-"+body)
	m.MetaSetMut("internal_trace", "not for consumers")
	return m
}

func TestKafkaRecordsAreKeyedByObjectWithSelectedMetadataAsHeaders(t *testing.T) {
	c := newCluster(t)
	out := connected(t, c, "topic: "+topic+"\nmetadata:\n  include_prefixes: [ revel_ ]\n")
	var batch service.MessageBatch
	for i := 0; i < 30; i++ {
		batch = append(batch, event("employees", fmt.Sprint(i%5), fmt.Sprint(i)))
	}
	if err := out.WriteBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}

	partitionOf := map[string]int32{}
	last := map[string]int{}
	for _, r := range consume(t, c, 30) {
		var body int
		fmt.Sscan(string(r.Value), &body)
		wantKey := fmt.Sprintf("employees/%d", body%5)
		if string(r.Key) != wantKey {
			t.Errorf("record %s has key %q, want %q", r.Value, r.Key, wantKey)
		}
		if p, ok := partitionOf[wantKey]; ok && p != r.Partition {
			t.Errorf("key %s in partitions %d and %d", wantKey, p, r.Partition)
		}
		partitionOf[wantKey] = r.Partition
		if prev, ok := last[wantKey]; ok && prev > body {
			t.Errorf("key %s: record %d after %d", wantKey, body, prev)
		}
		last[wantKey] = body
		var hs []string
		for _, h := range r.Headers {
			hs = append(hs, h.Key+"="+string(h.Value))
		}
		want := fmt.Sprintf("revel_event_id=ev-%d revel_object_id=%d revel_object_type=employees", body, body%5)
		if got := strings.Join(hs, " "); got != want {
			t.Errorf("headers %q, want %q", got, want)
		}
	}
	if len(last) != 5 {
		t.Fatalf("%d keys consumed, want 5", len(last))
	}
}

func TestKafkaEmptyKeyWritesUnkeyedRecordsWithoutHeaders(t *testing.T) {
	c := newCluster(t)
	out := connected(t, c, "topic: "+topic+"\nkey: \"\"\n")
	if err := out.WriteBatch(context.Background(), service.MessageBatch{event("orders", "1", "x")}); err != nil {
		t.Fatal(err)
	}
	r := consume(t, c, 1)[0]
	if r.Key != nil || len(r.Headers) != 0 {
		t.Fatalf("key %q, headers %v; want no key and no headers", r.Key, r.Headers)
	}
}

func TestKafkaManualPartitionerWritesWhereTheMessageSays(t *testing.T) {
	c := newCluster(t)
	out := connected(t, c, "topic: "+topic+"\npartitioner: manual\npartition: ${! @p }\n")
	var batch service.MessageBatch
	for i := 0; i < 6; i++ {
		m := service.NewMessage([]byte(fmt.Sprint(i)))
		m.MetaSetMut("p", fmt.Sprint(i%3))
		batch = append(batch, m)
	}
	if err := out.WriteBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	for _, r := range consume(t, c, 6) {
		if want := fmt.Sprint(r.Partition); fmt.Sprint(int(r.Value[0]-'0')%3) != want {
			t.Errorf("record %s in partition %d", r.Value, r.Partition)
		}
	}

	bad := service.NewMessage([]byte("x"))
	bad.MetaSetMut("p", "two")
	if err := out.WriteBatch(context.Background(), service.MessageBatch{bad}); err == nil || !strings.Contains(err.Error(), `"two"`) {
		t.Fatalf("err = %v, want a bad partition", err)
	}
}

func TestKafkaRejectedProduceFailsTheBatchAndTheRetrySucceeds(t *testing.T) {
	c := newCluster(t)
	out := connected(t, c, "topic: "+topic+"\n")
	batch := service.MessageBatch{event("orders", "1", "a"), event("orders", "2", "b"), event("orders", "1", "c")}

	refused := testutil.RefuseProduce(c, func(n int) bool { return n == 1 })
	err := out.WriteBatch(context.Background(), batch)
	if !errors.Is(err, kerr.InvalidRecord) || !strings.Contains(err.Error(), "of 3 records not written") {
		t.Fatalf("err = %v, want the broker's rejection", err)
	}
	if refused.Load() != 1 {
		t.Fatal("the rejection was not exercised")
	}
	if err := out.WriteBatch(context.Background(), batch); err != nil {
		t.Fatalf("retry: %v", err)
	}
	got := map[string]int{}
	for _, r := range consume(t, c, 3) {
		got[string(r.Value)]++
	}
	for _, v := range []string{"a", "b", "c"} {
		if got[v] < 1 {
			t.Errorf("record %s lost: %v", v, got)
		}
	}
}

func TestKafkaUnreachableClusterFailsToConnectWithinTimeout(t *testing.T) {
	c := newCluster(t)
	addrs := c.ListenAddrs()
	c.Close()
	pc, err := Spec().ParseYAML(fmt.Sprintf("seed_brokers: [ %q ]\ntopic: t\ntimeout: 300ms\n", addrs[0]), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := newOutput(pc, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = out.Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), addrs[0]) {
		t.Fatalf("err = %v, want a failure naming %s", err, addrs[0])
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("connect took %v, want about the 300ms timeout", d)
	}
	if err := out.WriteBatch(context.Background(), service.MessageBatch{service.NewMessage(nil)}); !errors.Is(err, service.ErrNotConnected) {
		t.Fatalf("write before connect: %v", err)
	}
}

func TestKafkaSASLMechanismsAuthenticate(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			c := newCluster(t, kfake.EnableSASL(), kfake.Superuser(mech, "revel", "s3cret-pw"))
			sasl := fmt.Sprintf("sasl: [ { mechanism: %s, username: revel, password: %%s } ]\n", mech)
			out := connected(t, c, "topic: "+topic+"\n"+fmt.Sprintf(sasl, "s3cret-pw"))
			if err := out.WriteBatch(context.Background(), service.MessageBatch{event("orders", "1", "x")}); err != nil {
				t.Fatal(err)
			}

			pc, err := Spec().ParseYAML(fmt.Sprintf("seed_brokers: [ %q ]\ntopic: t\ntimeout: 2s\n", c.ListenAddrs()[0])+fmt.Sprintf(sasl, "wrong-pw"), nil)
			if err != nil {
				t.Fatal(err)
			}
			wrong, err := newOutput(pc, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = wrong.Connect(context.Background())
			if err == nil {
				t.Fatal("connected with a wrong password")
			}
			if strings.Contains(err.Error(), "wrong-pw") {
				t.Fatalf("error reveals the password: %v", err)
			}
		})
	}
}

func TestKafkaLostClusterFailsTheBatchWithinTimeout(t *testing.T) {
	c := newCluster(t)
	out := connected(t, c, "topic: "+topic+"\ntimeout: 300ms\n")
	c.Close()
	start := time.Now()
	err := out.WriteBatch(context.Background(), service.MessageBatch{event("orders", "1", "x")})
	if err == nil {
		t.Fatal("write to a closed cluster succeeded")
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Fatalf("write failed after %v, want about the 300ms timeout: %v", d, err)
	}
}

// timestamp_ms sets each record's timestamp, as in Redpanda Connect.
func TestKafkaTimestampMs(t *testing.T) {
	c := newCluster(t)
	out := connected(t, c, "topic: "+topic+"\ntimestamp_ms: ${! content() }\nrack_id: ignored\n")
	if err := out.WriteBatch(context.Background(), service.MessageBatch{service.NewMessage([]byte("1700000000130"))}); err != nil {
		t.Fatal(err)
	}
	recs := consume(t, c, 1)
	if got := recs[0].Timestamp.UnixMilli(); got != 1700000000130 {
		t.Errorf("record timestamp %d ms, want 1700000000130", got)
	}
}

// OAUTHBEARER sends the token and extensions as RFC 7628 frames them.
func TestKafkaOAuthBearerSendsTheToken(t *testing.T) {
	pc, err := Spec().ParseYAML(`
seed_brokers: [ localhost:9092 ]
topic: events
sasl:
  - mechanism: OAUTHBEARER
    token: tok-123
    extensions:
      logicalCluster: lkc-1
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	mechs, err := saslMechanisms(pc)
	if err != nil {
		t.Fatal(err)
	}
	if len(mechs) != 1 || mechs[0].Name() != "OAUTHBEARER" {
		t.Fatalf("mechanisms %v", mechs)
	}
	_, first, err := mechs[0].Authenticate(context.Background(), "localhost:9092")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"auth=Bearer tok-123\x01", "logicalCluster=lkc-1\x01"} {
		if !strings.Contains(string(first), want) {
			t.Errorf("first message %q lacks %q", first, want)
		}
	}
}
