package fleet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Topic settings the fleet creates its topics with. Both topics are
// compacted: the latest record of a key is its value. The state topic
// keeps an overwritten record at least ten minutes, so a partition's next
// owner still sees the newest owner's write beside a later stale one and
// can fence it (docs/fleet.md).
var (
	compact        = "compact"
	minCompaction  = "600000"
	tenantsConfigs = map[string]*string{"cleanup.policy": &compact}
	stateConfigs   = map[string]*string{"cleanup.policy": &compact, "min.compaction.lag.ms": &minCompaction}
)

// EnsureTopics creates the tenants and state topics if they are missing,
// with partitions partitions (the state topic with the tenants topic's
// count), checks that both have the same number, and returns it: topics
// that exist keep theirs, whatever partitions says.
func EnsureTopics(ctx context.Context, opts []kgo.Opt, tenants, state string, partitions int32) (int32, error) {
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	count := func(topic string) (int32, error) {
		details, err := adm.ListTopics(ctx, topic)
		if err != nil {
			return 0, fmt.Errorf("reading the metadata of %s: %w", topic, err)
		}
		d, ok := details[topic]
		if !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition) {
			return 0, nil
		}
		if d.Err != nil {
			return 0, fmt.Errorf("topic %s: %w", topic, d.Err)
		}
		return int32(len(d.Partitions)), nil
	}
	create := func(topic string, n int32, configs map[string]*string) (int32, error) {
		have, err := count(topic)
		if err != nil || have > 0 {
			return have, err
		}
		resp, err := adm.CreateTopic(ctx, n, -1, configs, topic)
		if err == nil {
			err = resp.Err
		}
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, kerr.TopicAlreadyExists):
			return count(topic)
		}
		return 0, fmt.Errorf("creating topic %s: %w", topic, err)
	}
	nt, err := create(tenants, partitions, tenantsConfigs)
	if err != nil {
		return 0, err
	}
	ns, err := create(state, nt, stateConfigs)
	if err != nil {
		return 0, err
	}
	if nt != ns {
		return 0, fmt.Errorf("topic %s has %d partitions and %s has %d: a tenant's state lives in the partition numbered like the tenant's, so both need the same count; recreate %s with %d partitions",
			tenants, nt, state, ns, state, nt)
	}
	return nt, nil
}

// Tenants manages the tenants topic: what `revel-connect tenants` does.
type Tenants struct {
	cl    *kgo.Client
	opts  []kgo.Opt
	topic string
	env   *service.Environment
}

// NewTenants connects to the brokers, creating the topics if needed; env
// is the Benthos environment replicas run tenants with, which Put lints
// against. Records are partitioned by Kafka's default murmur2 hash of the
// key, as any Kafka client would write them.
func NewTenants(ctx context.Context, env *service.Environment, opts []kgo.Opt, tenants, state string, partitions int32) (*Tenants, error) {
	if _, err := EnsureTopics(ctx, opts, tenants, state, partitions); err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append(append([]kgo.Opt{}, opts...), kgo.DefaultProduceTopic(tenants))...)
	if err != nil {
		return nil, err
	}
	env, err = NewEnvironment(env, nil, NewMetrics())
	if err != nil {
		cl.Close()
		return nil, err
	}
	return &Tenants{cl: cl, opts: opts, topic: tenants, env: env}, nil
}

// Close closes the connection.
func (t *Tenants) Close() { t.cl.Close() }

// Lint reports what a replica would refuse in a tenant's config.
func Lint(env *service.Environment, id, conf string) error {
	b, err := newStreamBuilder(env, env.FullConfigSchema("", ""), id, conf, nil)
	if err == nil {
		_, err = b.Build()
	}
	return explainUnset(err, conf, "unset here, so read as empty: %s; a replica resolves ${VAR} from its own environment")
}

// explainUnset adds to a refusal of conf the variables it reads that this
// process' environment lacks (format has one %s for their list), as the
// error they cause names only the field left empty; nil stays nil.
func explainUnset(err error, conf, format string) error {
	if unset := unsetVariables(conf); err != nil && len(unset) > 0 {
		return fmt.Errorf("%w ("+format+")", err, strings.Join(unset, ", "))
	}
	return err
}

// envRef is a Benthos environment reference, ${NAME} or ${NAME:default};
// the escape ${{…}} is not one.
var envRef = regexp.MustCompile(`\$\{([0-9A-Za-z_.]+)(:[^}]*)?\}`)

// unsetVariables lists the variables conf reads without a default that are
// not set in this process' environment, sorted.
func unsetVariables(conf string) []string {
	var unset []string
	for _, m := range envRef.FindAllStringSubmatchIndex(conf, -1) {
		if m[0] > 0 && conf[m[0]-1] == '$' || m[0]+2 < len(conf) && conf[m[0]+2] == '{' {
			continue
		}
		name := conf[m[2]:m[3]]
		if _, ok := os.LookupEnv(name); !ok && m[4] < 0 && !slices.Contains(unset, name) {
			unset = append(unset, name)
		}
	}
	slices.Sort(unset)
	return unset
}

// Put lints conf and writes it as tenant id's record.
func (t *Tenants) Put(ctx context.Context, id, conf string) error {
	if err := Lint(t.env, id, conf); err != nil {
		return err
	}
	return t.cl.ProduceSync(ctx, &kgo.Record{Key: []byte(id), Value: []byte(conf)}).FirstErr()
}

// ErrUnknownTenant is Delete's answer for an id the tenants topic does not
// hold: a typo would otherwise succeed silently.
var ErrUnknownTenant = errors.New("no such tenant; tenants list shows the tenants there are")

// Delete writes tenant id's tombstone: its owner stops it. Its checkpoints
// stay in the state topic, so putting it back resumes where it stopped. An
// id the topic does not hold is ErrUnknownTenant, and nothing is written.
func (t *Tenants) Delete(ctx context.Context, id string) error {
	if err := CheckTenantID(id); err != nil {
		return err
	}
	listed, err := t.List(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(listed, func(l Listed) bool { return l.ID == id }) {
		return fmt.Errorf("tenant %q in %s: %w", id, t.topic, ErrUnknownTenant)
	}
	return t.cl.ProduceSync(ctx, &kgo.Record{Key: []byte(id)}).FirstErr()
}

// Listed is a tenant as the topic holds it.
type Listed struct {
	ID        string
	Partition int32
	Updated   time.Time
	Config    string
}

// List reads the tenants topic to its end: the tenants that exist now.
func (t *Tenants) List(ctx context.Context) ([]Listed, error) {
	parts, err := readWhole(ctx, t.opts, kadm.NewClient(t.cl), t.topic)
	if err != nil {
		return nil, err
	}
	latest := map[string]*kgo.Record{}
	for _, recs := range parts {
		for _, r := range recs {
			latest[string(r.Key)] = r
		}
	}
	var out []Listed
	for _, id := range slices.Sorted(maps.Keys(latest)) {
		r := latest[id]
		if r.Value == nil {
			continue
		}
		out = append(out, Listed{ID: id, Partition: r.Partition, Updated: r.Timestamp, Config: string(r.Value)})
	}
	return out, nil
}

// readWhole reads every partition of topic to its current end.
func readWhole(ctx context.Context, opts []kgo.Opt, adm *kadm.Client, topic string) (map[int32][]*kgo.Record, error) {
	details, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return nil, err
	}
	d, ok := details[topic]
	if !ok || d.Err != nil {
		return nil, fmt.Errorf("topic %s: %v", topic, d.Err)
	}
	return readPartitions(ctx, opts, adm, topic, slices.Sorted(maps.Keys(d.Partitions)))
}
