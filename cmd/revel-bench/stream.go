package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	// The exporter revel-connect runs by default, so metrics cost what
	// they cost in production.
	_ "github.com/revel-connect/revel-connect/plugin/prometheus"
	_ "github.com/revel-connect/revel-connect/plugin/revelpoller"
)

// pollerInput is revel_poller reading every Employee, keyset-paged 1000 at
// a time; %[1]s is the simulator and %[2]s the checkpoint_cache and
// backfill_concurrency lines.
const pollerInput = `
revel_poller:
  base_url: %[1]s
  api_key: ` + benchKey + `
  api_secret: ` + benchSecret + `
  start_from: earliest
  page_size: 1000
  refresh_interval: 1h
%[2]s  resources:
    employees:
      url: /resources/Employee/?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}
      id_field: id
      paging: keyset
      dates_configuration:
        updated_date_timezone: America/Los_Angeles
        created_date_timezone: America/Los_Angeles
`

// baselineInput is what the http_client docs suggest for pagination: the
// url interpolates from the previous response, here its meta.offset.
const baselineInput = `
http_client:
  url: '%[1]s/resources/Employee/?order_by=id&limit=1000&offset=${! this.meta.offset.or(-1000) + 1000 }'
  verb: GET
  headers:
    API-AUTHENTICATION: ` + benchKey + `:` + benchSecret + `
`

// baselineProcessors split a page into records and shape each like an
// event: an id, a type, the record's id and date, the record itself.
var baselineProcessors = []string{
	`mapping: root = this.objects`,
	`unarchive: { format: json_array }`,
	`mapping: |
  root.eventId = (this.id.string() + "/" + this.updated_date).hash("sha256").encode("hex").slice(0, 32)
  root.eventType = if this.created_date == this.updated_date { "CREATED" } else { "UPDATED" }
  root.objectType = "employees"
  root.objectId = this.id.string()
  root.date = this.updated_date.ts_parse("2006-01-02T15:04:05.999999").ts_format()
  root.raw = this`,
}

// runStream runs j's pipeline into a sink that reads every message's bytes,
// as any real output must, and drops them.
func runStream(j job) (result, error) {
	b := service.NewStreamBuilder()
	if err := b.SetLoggerYAML("level: error"); err != nil {
		return result{}, err
	}
	if err := b.SetMetricsYAML("prometheus: {}"); err != nil {
		return result{}, err
	}
	var idOf func(*service.Message) string
	switch j.Mode {
	case "poller":
		cache := ""
		if j.Dir != "" {
			cache = "  checkpoint_cache: state\n"
			if err := b.AddCacheYAML(fmt.Sprintf("label: state\natomic_file:\n  directory: %s\n", j.Dir)); err != nil {
				return result{}, err
			}
		}
		if j.Concurrency > 0 {
			cache += fmt.Sprintf("  backfill_concurrency: %d\n", j.Concurrency)
		}
		if err := b.AddInputYAML(fmt.Sprintf(pollerInput, j.BaseURL, cache)); err != nil {
			return result{}, err
		}
		idOf = func(m *service.Message) string { id, _ := m.MetaGet("revel_object_id"); return id }
	case "baseline":
		if err := b.AddInputYAML(fmt.Sprintf(baselineInput, j.BaseURL)); err != nil {
			return result{}, err
		}
		for _, p := range baselineProcessors {
			if err := b.AddProcessorYAML(p); err != nil {
				return result{}, err
			}
		}
		idOf = func(m *service.Message) string {
			v, err := m.AsStructured()
			if obj, ok := v.(map[string]any); err == nil && ok {
				id, _ := obj["objectId"].(string)
				return id
			}
			return ""
		}
	}
	s := newSink(j.N)
	if err := b.AddBatchConsumerFunc(func(_ context.Context, batch service.MessageBatch) error {
		for _, m := range batch {
			body, err := m.AsBytes()
			if err != nil {
				return err
			}
			s.add(idOf(m), len(body))
		}
		return nil
	}); err != nil {
		return result{}, err
	}
	stream, err := b.Build()
	if err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- stream.Run(ctx) }()
	select {
	case <-s.complete:
	case err := <-done:
		return result{}, fmt.Errorf("stream stopped: %v", err)
	case <-time.After(j.Timeout):
		return result{}, errTimeout
	}
	res := s.result(time.Since(start))
	stream.StopWithin(10 * time.Second) //nolint:errcheck // measured already
	return res, nil
}

// sink counts delivered events and the distinct records among them. Ids run
// 1..N, so a bitmap records them in N/8 bytes rather than a map that would
// weigh on the peak RSS being measured.
type sink struct {
	mu       sync.Mutex
	n        int
	seen     []uint64
	events   int
	distinct int
	bytes    int64
	complete chan struct{}
}

func newSink(n int) *sink {
	return &sink{n: n, seen: make([]uint64, n/64+1), complete: make(chan struct{})}
}

func (s *sink) add(objectID string, size int) {
	id, err := strconv.Atoi(objectID)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events++
	s.bytes += int64(size)
	if err == nil && id >= 1 && id <= s.n && s.seen[id/64]&(1<<(id%64)) == 0 {
		s.seen[id/64] |= 1 << (id % 64)
		if s.distinct++; s.distinct == s.n {
			close(s.complete)
		}
	}
}

func (s *sink) result(elapsed time.Duration) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return result{Events: s.events, Distinct: s.distinct, Bytes: s.bytes, Seconds: elapsed.Seconds()}
}
