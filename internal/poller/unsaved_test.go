package poller

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/revelsim"
	"github.com/revel-connect/revel-connect/revelsim/revelsimtest"
)

// slowFailingStore is a checkpoint cache that goes down: while failing, a
// write fails, and only after a while, as a cache that times out does. The
// while is until the page after the one being saved has been read.
type slowFailingStore struct {
	checkpoint.Store
	mu      sync.Mutex
	failing bool
	until   <-chan struct{}
}

func (s *slowFailingStore) fail(until <-chan struct{}) {
	s.mu.Lock()
	s.failing, s.until = true, until
	s.mu.Unlock()
}

func (s *slowFailingStore) recover() {
	s.mu.Lock()
	s.failing = false
	s.mu.Unlock()
}

func (s *slowFailingStore) Set(ctx context.Context, key string, value []byte) error {
	s.mu.Lock()
	failing, until := s.failing, s.until
	s.mu.Unlock()
	if !failing {
		return s.Store.Set(ctx, key, value)
	}
	select {
	case <-until:
	case <-ctx.Done():
	}
	return errors.New("cache unavailable")
}

// pageWatch is a transport that closes read once the response to the
// keyset page after id afterID (of the whole window, not of an id range)
// has been read to the end.
type pageWatch struct {
	afterID string
	read    chan struct{}
	once    sync.Once
}

func (w *pageWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	q := r.URL.Query()
	if err == nil && q.Get("order_by") == "id" && q.Get("id__gt") == w.afterID && !q.Has("id__lte") {
		resp.Body = &closeSignal{ReadCloser: resp.Body, closed: func() { w.once.Do(func() { close(w.read) }) }}
	}
	return resp, err
}

type closeSignal struct {
	io.ReadCloser
	closed func()
}

func (c *closeSignal) Close() error {
	err := c.ReadCloser.Close()
	c.closed()
	return err
}

// TestFailedCheckpointWriteLosesNoPageReadAhead fails a checkpoint write
// while the page after it has already been read ahead: the poll ends
// (polling waits for a write to succeed) and the cycle resumes where its
// checkpoint stands, so the page read ahead and never emitted is read again
// and every change is delivered exactly once. It covers one pager, and a
// backlog about to be split into id ranges, whose read-ahead page is the
// one the split happens on.
func TestFailedCheckpointWriteLosesNoPageReadAhead(t *testing.T) {
	for _, c := range []struct {
		name     string
		backfill int
	}{
		{"one pager", 1},
		{"backlog split into id ranges", 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := revelsimtest.Start(t, revelsim.Options{})
			first := sim.Insert("Employee", nil)
			pc, err := Spec().ParseYAML(`
base_url: `+sim.URL()+`
start_from: earliest
page_size: 1
max_unacked_pages: 1
backfill_concurrency: `+strconv.Itoa(c.backfill)+`
resources:
  employees:
    url: /resources/Employee/?updated_date__gte=${DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}
    id_field: id
    dates_configuration:
      updated_date_timezone: America/Los_Angeles
      created_date_timezone: America/Los_Angeles
`, nil)
			if err != nil {
				t.Fatal(err)
			}
			in, err := newInput(pc, service.MockResources())
			if err != nil {
				t.Fatal(err)
			}
			store := &slowFailingStore{Store: checkpoint.NewMemoryStore()}
			in.store = store
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			watch := &pageWatch{afterID: strconv.FormatInt(first, 10), read: make(chan struct{})}
			p, err := in.newPoller(ctx, in.conf.resources[0], nil, watch, time.Now())
			if err != nil {
				t.Fatal(err)
			}

			delivered := map[string]int{}
			// poll runs one cycle, acknowledging every delivery.
			poll := func() error {
				done := make(chan error, 1)
				go func() { done <- p.cycle(ctx) }()
				for {
					select {
					case d := <-in.deliveries:
						for _, m := range d.Batch {
							id, _ := m.MetaGet("revel_object_id")
							delivered[id]++
						}
						d.Ack(ctx)
					case err := <-done:
						return err
					case <-ctx.Done():
						t.Fatalf("the cycle did not end: %v", ctx.Err())
					}
				}
			}
			if err := poll(); err != nil {
				t.Fatal(err)
			}

			// A backlog arrives while the cache goes down. The first page
			// of the next cycle holds only the change already delivered:
			// its checkpoint is written at once, and fails once the page
			// after it has been read ahead.
			const backlog = 5
			ids := []int64{first}
			for range backlog {
				ids = append(ids, sim.Insert("Employee", nil))
			}
			store.fail(watch.read)
			if err := poll(); !errors.Is(err, errUnsaved) {
				t.Fatalf("the poll with the cache down ended with %v, want %v", err, errUnsaved)
			}

			// The cache works again (Connect retries the write), and the
			// cycle resumes.
			store.recover()
			p.retrySave(ctx)
			if p.unsaved() {
				t.Fatal("the checkpoint write still fails after the cache recovered")
			}
			if err := poll(); err != nil {
				t.Fatal(err)
			}
			if p.state.Cycle != nil {
				t.Fatalf("the cycle is not finished: %+v", p.state.Cycle)
			}
			for _, id := range ids {
				if n := delivered[strconv.FormatInt(id, 10)]; n != 1 {
					t.Errorf("employee %d delivered %d times, want once (all deliveries: %v)", id, n, delivered)
				}
			}
		})
	}
}
