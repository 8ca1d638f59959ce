package kafkafranz

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kgo"
)

// records renders one Kafka record per message, in batch order: kgo keeps
// that order within each partition.
func (c *config) records(batch service.MessageBatch) ([]*kgo.Record, error) {
	recs := make([]*kgo.Record, len(batch))
	for i, msg := range batch {
		r := &kgo.Record{}
		var err error
		if r.Topic, err = batch.TryInterpolatedString(i, c.topic); err != nil {
			return nil, fmt.Errorf("topic: %w", err)
		}
		if r.Topic == "" {
			return nil, fmt.Errorf("topic of message %d is empty", i)
		}
		key, err := batch.TryInterpolatedBytes(i, c.key)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		if len(key) > 0 {
			r.Key = key
		}
		if c.partition != nil {
			s, err := batch.TryInterpolatedString(i, c.partition)
			if err != nil {
				return nil, fmt.Errorf("partition: %w", err)
			}
			p, err := strconv.ParseInt(s, 10, 32)
			if err != nil || p < 0 {
				return nil, fmt.Errorf("partition of message %d is %q, not a partition number", i, s)
			}
			r.Partition = int32(p)
		}
		if c.timestampMs != nil {
			s, err := batch.TryInterpolatedString(i, c.timestampMs)
			if err != nil {
				return nil, fmt.Errorf("timestamp_ms: %w", err)
			}
			ms, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("timestamp_ms of message %d is %q, not milliseconds since the epoch", i, s)
			}
			r.Timestamp = time.UnixMilli(ms)
		}
		if r.Value, err = msg.AsBytes(); err != nil {
			return nil, err
		}
		if r.Headers, err = c.recordHeaders(msg); err != nil {
			return nil, err
		}
		recs[i] = r
	}
	return recs, nil
}

// recordHeaders maps the selected metadata to headers, sorted by key so
// that a message always becomes the same record.
func (c *config) recordHeaders(msg *service.Message) ([]kgo.RecordHeader, error) {
	if c.headers == nil {
		return nil, nil
	}
	var hs []kgo.RecordHeader
	err := c.headers.Walk(msg, func(k, v string) error {
		hs = append(hs, kgo.RecordHeader{Key: k, Value: []byte(v)})
		return nil
	})
	sort.Slice(hs, func(i, j int) bool { return hs[i].Key < hs[j].Key })
	return hs, err
}
