// Package testutil holds the helpers several packages' tests share. Only
// test code imports it.
package testutil

import (
	"bytes"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Scrape reads url's Prometheus text exposition with a parser that accepts
// only classic metric names, as Prometheus 2 does. It returns nil while
// nothing answers at url (a server still starting); a status other than
// 200 or a body that does not parse fails the test.
func Scrape(t testing.TB, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("scrape does not parse: %v", err)
	}
	return fams
}

// RefuseProduce makes c refuse produce requests with INVALID_RECORD, a
// non-retriable error, as a broker's record validation does: the client
// gives up on them at once. Request n (from 1) is refused when refuse(n);
// the count returned is how many were.
func RefuseProduce(c *kfake.Cluster, refuse func(n int) bool) *atomic.Int32 {
	seen := 0 // kfake runs control functions one at a time
	return RefuseProduceWhere(c, func(*kmsg.ProduceRequest) bool {
		seen++
		return refuse(seen)
	})
}

// RefuseProduceWhere is RefuseProduce for the requests refuse picks by
// their content (a topic, say).
func RefuseProduceWhere(c *kfake.Cluster, refuse func(*kmsg.ProduceRequest) bool) *atomic.Int32 {
	refused := &atomic.Int32{}
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		if !refuse(req) {
			return nil, nil, false
		}
		refused.Add(1)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, kerr.InvalidRecord.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	return refused
}

// Buffer collects what a process or a logger writes, from any goroutine,
// and can be read while it is written to.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Conns counts a server's connections: set its http.Server ConnState to
// State.
type Conns struct {
	mu          sync.Mutex
	open, dials int
}

// State is an http.Server ConnState hook.
func (c *Conns) State(_ net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch s {
	case http.StateNew:
		c.open++
		c.dials++
	case http.StateClosed, http.StateHijacked:
		c.open--
	}
}

// Counts returns the connections open now and accepted in all.
func (c *Conns) Counts() (open, dials int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open, c.dials
}

// WaitOpen waits until want connections are open, failing the test after
// 10 s.
func (c *Conns) WaitOpen(t testing.TB, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		open, _ := c.Counts()
		if open == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open, want %d", open, want)
		}
		time.Sleep(time.Millisecond) // polling a condition
	}
}
