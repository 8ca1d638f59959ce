// Package kafkafranz is the kafka_franz output: Revel change events to Kafka
// or Redpanda through the franz-go client.
//
// Only cmd/revel-connect imports it. Redpanda Connect registers an output of
// the same name, so a program that imports our input into Connect must
// never get this package with it.
package kafkafranz

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
)

func init() {
	service.MustRegisterBatchOutput("kafka_franz", Spec(),
		func(pc *service.ParsedConfig, res *service.Resources) (service.BatchOutput, service.BatchPolicy, int, error) {
			var policy service.BatchPolicy
			maxInFlight, err := pc.FieldMaxInFlight()
			if err != nil {
				return nil, policy, 0, err
			}
			if maxInFlight < 1 {
				return nil, policy, 0, errors.New("max_in_flight must be at least 1")
			}
			if policy, err = pc.FieldBatchPolicy(fBatching); err != nil {
				return nil, policy, 0, err
			}
			out, err := newOutput(pc, res.Logger())
			return out, policy, maxInFlight, err
		})
}

// output writes batches with one franz-go client, shared by the
// max_in_flight writers.
type output struct {
	conf *config
	log  *service.Logger

	mu     sync.RWMutex
	client *kgo.Client
}

func newOutput(pc *service.ParsedConfig, log *service.Logger) (*output, error) {
	conf, err := parseConfig(pc)
	if err != nil {
		return nil, err
	}
	return &output{conf: conf, log: log}, nil
}

// Connect creates the client and pings the cluster, so that unreachable
// brokers or rejected credentials show as a failing connection, retried by
// Benthos, rather than as failed writes.
func (o *output) Connect(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.client != nil {
		return nil
	}
	opts := append([]kgo.Opt{kgo.WithLogger(kgoLogger{o.log})}, o.conf.clientOpts...)
	client, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.conf.timeout)
	defer cancel()
	if err := client.Ping(ctx); err != nil {
		client.Close()
		return fmt.Errorf("reaching Kafka at %s: %w", strings.Join(o.conf.brokers, ","), err)
	}
	o.client = client
	return nil
}

// WriteBatch produces the batch and waits for every record to be
// acknowledged. If any record fails the whole batch is rejected, so it is
// sent again in its original order: the newest event of each object is
// then again the last one written.
func (o *output) WriteBatch(ctx context.Context, batch service.MessageBatch) error {
	o.mu.RLock()
	client := o.client
	o.mu.RUnlock()
	if client == nil {
		return service.ErrNotConnected
	}
	recs, err := o.conf.records(batch)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.conf.timeout)
	defer cancel()
	return produceFailure(client.ProduceSync(ctx, recs...))
}

// produceFailure summarises the records that were not written, or is nil.
func produceFailure(results kgo.ProduceResults) error {
	var first error
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			if first == nil {
				first = fmt.Errorf("topic %s: %w", r.Record.Topic, r.Err)
			}
			failed++
		}
	}
	if first == nil {
		return nil
	}
	return fmt.Errorf("%d of %d records not written: %w", failed, len(results), first)
}

// Close waits for buffered records, then disconnects.
func (o *output) Close(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.client == nil {
		return nil
	}
	err := o.client.Flush(ctx)
	o.client.Close()
	o.client = nil
	return err
}
