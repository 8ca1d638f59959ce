package fleet

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// claimKey is the key of the record a replica writes to a state partition
// when it acquires it; tenant state keys always hold a slash.
const claimKey = "claim"

// errNotOwner refuses a state write by a replica that no longer owns the
// partition.
var errNotOwner = errors.New("this replica no longer owns the tenant's partition; the checkpoint is left to the new owner")

// stateKey is the state topic key of a tenant's cache key.
func stateKey(tenant, key string) string { return tenant + "/" + key }

// partition is one partition this replica owns: the same partition number
// of the tenants topic and of the state topic.
type partition struct {
	id     int32
	topic  string // the state topic
	cl     *kgo.Client
	member string
	ctx    context.Context // cancelled when the partition is lost or released
	cancel context.CancelFunc
	onSave func(err error)
	log    logger

	mu      sync.Mutex
	epoch   Epoch
	owned   bool
	entries map[string]entry
	tenants map[string]*tenant // guarded by the fleet's ops lock, not mu
	groups  map[string]*group  // shared streams by share key; the ops lock too
}

// logger is the part of slog the state writer needs.
type logger interface {
	Warn(msg string, args ...any)
}

// get returns the value of a state key, nil if there is none.
func (p *partition) get(key string) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.entries[key].value
}

// set writes a state key to the state topic with this owner's epoch. While
// the brokers cannot take the write it waits and retries, so the
// acknowledgement that called it waits too, and polling stops once the
// input's unacknowledged pages are at their limit: nothing runs ahead of
// what can be saved. It fails only once the partition is no longer owned.
func (p *partition) set(key string, value []byte) error {
	p.mu.Lock()
	owned, epoch := p.owned, p.epoch
	p.mu.Unlock()
	if !owned {
		return errNotOwner
	}
	rec := p.record(key, value, epoch)
	for attempt := 1; ; attempt++ {
		err := p.cl.ProduceSync(p.ctx, rec).FirstErr()
		if p.onSave != nil {
			p.onSave(err)
		}
		if err == nil {
			break
		}
		if p.ctx.Err() != nil {
			return errNotOwner
		}
		wait := min(time.Duration(attempt)*100*time.Millisecond, 5*time.Second)
		p.log.Warn("fleet: state write failed, retrying", "partition", p.id, "key", key, "attempt", attempt, "retry_in", wait, "error", err)
		select {
		case <-time.After(wait):
		case <-p.ctx.Done():
			return errNotOwner
		}
	}
	if key == claimKey {
		return nil
	}
	p.mu.Lock()
	if cur, ok := p.entries[key]; !ok || cur.epoch <= epoch {
		p.entries[key] = entry{value: value, epoch: epoch, offset: rec.Offset}
	}
	p.mu.Unlock()
	return nil
}

func (p *partition) record(key string, value []byte, epoch Epoch) *kgo.Record {
	return &kgo.Record{
		Topic: p.topic, Partition: p.id, Key: []byte(key), Value: value,
		Headers: []kgo.RecordHeader{
			{Key: headerEpoch, Value: []byte(strconv.FormatInt(int64(epoch), 10))},
			{Key: headerMember, Value: []byte(p.member)},
		},
	}
}

// release stops state writes: from now on set returns errNotOwner.
func (p *partition) release() {
	p.mu.Lock()
	p.owned = false
	p.mu.Unlock()
	p.cancel()
}

// readPartitions reads the state topic's partitions from the start to their
// current end.
func readPartitions(ctx context.Context, opts []kgo.Opt, adm *kadm.Client, topic string, parts []int32) (map[int32][]*kgo.Record, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("listing the end offsets of %s: %w", topic, err)
	}
	if err := ends.Error(); err != nil {
		return nil, fmt.Errorf("listing the end offsets of %s: %w", topic, err)
	}
	out := map[int32][]*kgo.Record{}
	want := map[int32]int64{} // partition -> last offset to read
	assign := map[int32]kgo.Offset{}
	for _, p := range parts {
		out[p] = nil
		o, ok := ends.Lookup(topic, p)
		if !ok {
			return nil, fmt.Errorf("%s has no partition %d; it needs as many partitions as the tenants topic", topic, p)
		}
		if o.Offset > 0 {
			want[p] = o.Offset - 1
			assign[p] = kgo.NewOffset().AtStart()
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	cl, err := kgo.NewClient(append(append([]kgo.Opt{}, opts...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}))...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	for len(want) > 0 {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", topic, err)
		}
		for _, fe := range fetches.Errors() {
			return nil, fmt.Errorf("reading %s partition %d: %w", topic, fe.Partition, fe.Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			out[r.Partition] = append(out[r.Partition], r)
			if last, ok := want[r.Partition]; ok && r.Offset >= last {
				delete(want, r.Partition)
			}
		})
	}
	return out, nil
}
