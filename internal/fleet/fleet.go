// Package fleet runs revel-connect as a fleet of replicas coordinated by
// Kafka, the way Kafka Connect's distributed mode and Kafka Streams are: a
// consumer group spreads the partitions of a compacted tenants topic over
// the replicas, each replica runs the streams of the tenants in its
// partitions, and keeps their checkpoints in the same partition of a
// compacted state topic. docs/fleet.md has the design.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/revel-connect/revel-connect/internal/poller"
)

// Default topic names.
const (
	DefaultTenantsTopic = "revel-connect.tenants"
	DefaultStateTopic   = "revel-connect.state"
)

// Config is one replica's settings.
type Config struct {
	Brokers      []string
	Group        string // the consumer group every replica of the fleet joins
	TenantsTopic string
	StateTopic   string
	// Partitions is the partition count of topics the fleet creates; the
	// most replicas that can share the work. 0 means 12, and no warning
	// when the topics exist with another count.
	Partitions int32
	// SessionTimeout is how long a silent replica keeps its partitions:
	// the failover time after a crash. Kafka's default is 45s.
	SessionTimeout time.Duration
	// HeartbeatInterval is how often a replica tells the group it lives.
	HeartbeatInterval time.Duration
	// RebalanceTimeout bounds a handover: every replica must have released
	// what it gives up (streams stopped, checkpoints saved) within it.
	RebalanceTimeout time.Duration
	// StopTimeout bounds one tenant's graceful stop; past it the stream is
	// stopped ungracefully and unacknowledged messages are polled again by
	// the next owner.
	StopTimeout time.Duration
	// StreamPerTenant runs every tenant in a stream of its own, as streams
	// mode does, instead of sharing streams between tenants whose configs
	// differ only in their revel_poller input (docs/fleet.md, "Shared
	// streams"). It costs about 0.36 MB a tenant instead of about 0.1 MB.
	StreamPerTenant bool
	// ClientOpts are extra franz-go options (TLS, SASL).
	ClientOpts []kgo.Opt
	Logger     *slog.Logger
	Metrics    *Metrics
	// Env is the Benthos environment of tenants' streams.
	Env *service.Environment
}

func (c *Config) defaults() {
	if c.TenantsTopic == "" {
		c.TenantsTopic = DefaultTenantsTopic
	}
	if c.StateTopic == "" {
		c.StateTopic = DefaultStateTopic
	}
	if c.Partitions == 0 {
		c.Partitions = 12
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = 45 * time.Second
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = min(3*time.Second, c.SessionTimeout/3)
	}
	if c.RebalanceTimeout == 0 {
		c.RebalanceTimeout = time.Minute
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = c.RebalanceTimeout / 2
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics()
	}
	if c.Env == nil {
		c.Env = service.GlobalEnvironment()
	}
}

// tenantsPerPoll bounds the tenant records handled between two chances to
// rebalance: starting a stream takes milliseconds, and a replica that
// starts thousands while blocking the rebalance past its timeout is
// thrown out of the group.
const tenantsPerPoll = 100

// fetchMaxWait bounds how long a handover waits for the in-flight fetch:
// kgo's 5 s default added 5 s to every handover.
const fetchMaxWait = 250 * time.Millisecond

// Replica is one member of the fleet.
type Replica struct {
	cfg    Config
	log    *slog.Logger
	m      *Metrics
	env    *service.Environment
	schema *service.ConfigSchema
	// sharedEnv is env with the shared streams' input, which tenants'
	// configs cannot name.
	sharedEnv    *service.Environment
	sharedSchema *service.ConfigSchema
	// pollerSpec parses members' revel_poller configs; shared hands the
	// shared streams' inputs over as they are built.
	pollerSpec *service.ConfigSpec
	resolver   *resolver
	shared     *sharedInputs
	cl         *kgo.Client
	opts       []kgo.Opt // connection options, for the state loader

	// ops serialises what changes ownership and tenants: applying tenant
	// records and the group's assign, revoke and lost callbacks.
	ops sync.Mutex

	mu        sync.Mutex // guards parts and tenantOf for readers (state cache, status)
	parts     map[int32]*partition
	tenantOf  map[string]int32 // tenant -> partition, of tenants being built or running
	handovers map[string]int   // kind -> count
	lastMove  time.Duration
	startErr  error
}

// New connects to the brokers and makes sure both topics exist, creating
// them compacted with cfg.Partitions partitions; it refuses topics whose
// partition counts differ, since a tenant's state must live in the
// partition numbered like the tenant's.
func New(ctx context.Context, cfg Config) (*Replica, error) {
	asked := cfg.Partitions
	cfg.defaults()
	if cfg.Group == "" {
		return nil, errors.New("fleet: --group is required: every replica of one fleet joins the same consumer group")
	}
	r := &Replica{cfg: cfg, log: cfg.Logger, m: cfg.Metrics, parts: map[int32]*partition{}, tenantOf: map[string]int32{}, handovers: map[string]int{}}
	var err error
	if r.env, err = NewEnvironment(cfg.Env, r.partitionOf, cfg.Metrics); err != nil {
		return nil, err
	}
	r.shared = &sharedInputs{m: map[string]*sharedInput{}}
	r.sharedEnv = r.env.Clone()
	if err := registerSharedInput(r.sharedEnv, r.shared); err != nil {
		return nil, err
	}
	r.schema = r.env.FullConfigSchema("", "")
	r.sharedSchema = r.sharedEnv.FullConfigSchema("", "")
	r.pollerSpec = poller.Spec()
	if r.resolver, err = newResolver(); err != nil {
		return nil, err
	}
	r.opts = append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...)}, cfg.ClientOpts...)
	n, err := EnsureTopics(ctx, r.opts, cfg.TenantsTopic, cfg.StateTopic, cfg.Partitions)
	if err != nil {
		return nil, err
	}
	if asked != 0 && n != asked {
		// Created earlier (by tenants put, or another replica) with
		// another count: the flag cannot change it.
		r.log.Warn("fleet: the topics exist with another partition count than --partitions, which applies only when they are created; at most this many replicas share the work",
			"topic", cfg.TenantsTopic, "partitions", n, "asked", asked)
	}
	r.cl, err = kgo.NewClient(append(append([]kgo.Opt{}, r.opts...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.TenantsTopic),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		// The tenants topic is read from the start on every assignment:
		// it is the set of tenants, not a queue.
		kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.BlockRebalanceOnPoll(),
		// A fetch waiting for new tenants also delays the first fetch of
		// partitions assigned meanwhile: keep the wait short.
		kgo.FetchMaxWait(fetchMaxWait),
		kgo.SessionTimeout(cfg.SessionTimeout),
		kgo.HeartbeatInterval(cfg.HeartbeatInterval),
		kgo.RebalanceTimeout(cfg.RebalanceTimeout),
		kgo.OnPartitionsAssigned(r.assigned),
		kgo.OnPartitionsRevoked(r.revoked),
		kgo.OnPartitionsLost(r.lost),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	)...)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Run polls the tenants topic until ctx ends, then releases every
// partition gracefully and leaves the group.
func (r *Replica) Run(ctx context.Context) error {
	defer func() {
		// Close leaves the group; its final revoke stops every tenant
		// gracefully.
		r.cl.CloseAllowingRebalance()
	}()
	for {
		fetches := r.cl.PollRecords(ctx, tenantsPerPoll)
		if ctx.Err() != nil {
			return nil
		}
		if fetches.IsClientClosed() {
			return errors.New("fleet: the Kafka client closed")
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				r.log.Warn("fleet: reading the tenants topic", "topic", topic, "partition", p, "error", err)
			}
		})
		r.apply(latestTenants(fetches))
		r.cl.AllowRebalance()
	}
}

// latestTenants keeps the last record of each tenant in a poll.
func latestTenants(fetches kgo.Fetches) map[string]*kgo.Record {
	out := map[string]*kgo.Record{}
	fetches.EachRecord(func(rec *kgo.Record) { out[string(rec.Key)] = rec })
	return out
}

// apply starts, restarts or stops tenants for their latest records.
func (r *Replica) apply(recs map[string]*kgo.Record) {
	if len(recs) == 0 {
		return
	}
	r.ops.Lock()
	defer r.ops.Unlock()
	var stop []*tenant
	var start []*kgo.Record
	for _, id := range slices.Sorted(maps.Keys(recs)) {
		rec := recs[id]
		r.mu.Lock()
		p := r.parts[rec.Partition]
		var cur *tenant
		if p != nil {
			cur = p.tenants[id]
		}
		r.mu.Unlock()
		if p == nil {
			continue // revoked after the fetch
		}
		if cur != nil && rec.Value != nil && cur.conf == string(rec.Value) {
			continue
		}
		if cur != nil {
			stop = append(stop, cur)
		}
		if rec.Value != nil {
			start = append(start, rec)
		}
	}
	r.stopTenants(stop, r.cfg.StopTimeout)
	for _, t := range stop {
		r.log.Info("fleet: tenant stopped", "tenant", t.id, "partition", t.partition)
	}
	for _, pr := range r.prepare(start) {
		r.startTenant(pr)
	}
}

// prepared is a tenant record and the work on it that reads no replica
// state, done for many records side by side: parsing, linting and
// resolving take milliseconds a tenant, and a replica acquiring thousands
// would otherwise do them one after another.
type prepared struct {
	rec *kgo.Record
	sh  share
	why error                 // why the tenant cannot share a stream
	pc  *service.ParsedConfig // its revel_poller, when it can
	err error                 // why pc could not be parsed
}

// prepare prepares recs on every core, keeping their order.
func (r *Replica) prepare(recs []*kgo.Record) []prepared {
	out := make([]prepared, len(recs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(recs)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(recs); i = int(next.Add(1) - 1) {
				pr := prepared{rec: recs[i]}
				pr.sh, pr.why = r.shareable(string(pr.rec.Key), string(pr.rec.Value))
				if pr.why == nil {
					if pr.pc, pr.err = r.pollerSpec.ParseYAML(pr.sh.poller, r.env); pr.err != nil {
						pr.err = fmt.Errorf("tenant %s: input.revel_poller: %w", pr.rec.Key, pr.err)
					}
				}
				out[i] = pr
			}
		})
	}
	wg.Wait()
	return out
}

// startTenant runs a tenant's stream, or records why it cannot.
func (r *Replica) startTenant(pr prepared) {
	rec, sh, why := pr.rec, pr.sh, pr.why
	id := string(rec.Key)
	t := &tenant{id: id, partition: rec.Partition, conf: string(rec.Value), since: time.Now()}
	r.mu.Lock()
	p := r.parts[rec.Partition]
	p.tenants[id] = t
	r.tenantOf[id] = rec.Partition
	r.mu.Unlock()
	log := r.log.With("tenant", id)
	if g := p.groups[sh.key]; why == nil && g != nil && !g.down() {
		// The group's first tenant had the whole stream checked; the
		// input, all that differs, was linted by shareable.
		err := r.startMember(p, t, pr, log)
		if err == nil {
			log.Info("fleet: tenant started", "partition", rec.Partition, "stream", t.group.name)
			return
		}
		r.refuse(t, log, err)
		return
	}
	b, err := newStreamBuilder(r.env, r.schema, id, t.conf, log)
	if err == nil {
		if why == nil {
			err = r.startMember(p, t, pr, log)
			if err == nil {
				log.Info("fleet: tenant started", "partition", rec.Partition, "stream", t.group.name)
				return
			}
		} else if !r.cfg.StreamPerTenant {
			log.Debug("fleet: tenant runs a stream of its own", "why", why)
		}
		if err == nil || errors.Is(err, errGroupDown) {
			t.stream, err = b.Build()
		}
	}
	if err != nil {
		r.refuse(t, log, err)
		return
	}
	t.run(log, func() { r.setOwned(t) })
	r.setOwned(t)
	log.Info("fleet: tenant started", "partition", rec.Partition)
}

// refuse records why a tenant cannot run.
func (r *Replica) refuse(t *tenant, log *slog.Logger, err error) {
	err = explainUnset(err, t.conf, "unset in this replica's environment, so read as empty: %s; set them in every replica's environment")
	t.setState(statusRefused, err.Error())
	r.m.refusals.Inc()
	r.setOwned(t)
	log.Error("fleet: tenant refused; the others carry on. Fix the config and put it again", "partition", t.partition, "error", err)
}

// shareable reports how a tenant can share a stream, or why not.
func (r *Replica) shareable(id, conf string) (share, error) {
	if r.cfg.StreamPerTenant {
		return share{}, errors.New("--stream-per-tenant is set")
	}
	if err := CheckTenantID(id); err != nil {
		return share{}, err
	}
	return r.resolver.shareOf(conf)
}

// startMember adds t to its partition's shared stream for sh, building
// the stream if it is the first, and starts polling in the background.
func (r *Replica) startMember(p *partition, t *tenant, pr prepared, log *slog.Logger) error {
	sh := pr.sh
	if pr.err != nil {
		return pr.err
	}
	pc := pr.pc
	var err error
	g := p.groups[sh.key]
	if g != nil && g.down() {
		return errGroupDown
	}
	if g == nil {
		if g, err = r.newGroup(p, sh.key, t.conf); err != nil {
			return fmt.Errorf("tenant %s: %w", t.id, err)
		}
		p.groups[sh.key] = g
	}
	member, err := poller.NewMember(pc, t.id, service.NewLoggerFromSlog(log), g.in.metrics, &stateStore{tenant: t.id, p: p}, g.in.deliveries)
	if err != nil {
		r.stopIdleGroups([]*partition{p}, r.cfg.StopTimeout)
		return fmt.Errorf("tenant %s: input.revel_poller.%w", t.id, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock() // Status reads t.group
	t.member, t.group, t.cancel = member, g, cancel
	r.mu.Unlock()
	t.setState(statusRunning, "")
	g.mu.Lock()
	g.members[t.id] = t
	g.mu.Unlock()
	r.setOwned(t)
	go t.connectMember(ctx, log, func() { r.setOwned(t) })
	return nil
}

// stopIdleGroups stops the shared streams of ps that have no members
// left, side by side, each within d.
func (r *Replica) stopIdleGroups(ps []*partition, d time.Duration) {
	type idle struct {
		p   *partition
		key string
		g   *group
	}
	var stop []idle
	for _, p := range ps {
		for key, g := range p.groups {
			g.mu.Lock()
			if len(g.members) == 0 {
				g.stopping = true
				stop = append(stop, idle{p, key, g})
			}
			g.mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for _, s := range stop {
		wg.Go(func() {
			if err := s.g.stream.StopWithin(d); err != nil {
				r.log.Warn("fleet: shared stream did not stop in time", "stream", s.g.name, "error", err)
			}
			select {
			case <-s.g.done:
			case <-time.After(time.Second):
			}
		})
	}
	wg.Wait()
	names := make([]string, len(stop))
	for i, s := range stop {
		delete(s.p.groups, s.key)
		names[i] = s.g.name
		r.log.Info("fleet: shared stream stopped", "stream", s.g.name)
	}
	// The stream's own series (output_error, http_callback_*) carry its
	// name as their tenant.
	r.m.forgetTenants(names)
}

// setOwned publishes t's current status in revel_fleet_tenant_owned.
func (r *Replica) setOwned(t *tenant) {
	status, _ := t.state()
	r.m.setOwned(t.id, t.partition, status)
}

// stopTenants stops tenants in parallel, each within d, and forgets them.
// The shared streams they leave idle stop within what is left of d: a
// member that did not drain in d leaves its stream nothing worth waiting
// for, and a handover must fit the rebalance timeout.
func (r *Replica) stopTenants(ts []*tenant, d time.Duration) {
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !t.stop(d) {
				r.log.Error("fleet: tenant did not stop in time: its output or checkpoint writes are blocked; what it had not acknowledged is polled again by the next owner",
					"tenant", t.id, "partition", t.partition, "stop_timeout", d)
			}
		}()
	}
	wg.Wait()
	touched := map[*partition]bool{}
	for _, t := range ts {
		if g := t.group; g != nil {
			g.mu.Lock()
			if g.members[t.id] == t {
				delete(g.members, t.id)
			}
			g.mu.Unlock()
		}
	}
	r.mu.Lock()
	for _, t := range ts {
		if p := r.parts[t.partition]; p != nil {
			if t.group != nil {
				touched[p] = true
			}
			if p.tenants[t.id] == t {
				delete(p.tenants, t.id)
			}
		}
		if r.tenantOf[t.id] == t.partition {
			delete(r.tenantOf, t.id)
		}
	}
	r.mu.Unlock()
	r.stopIdleGroups(slices.Collect(maps.Keys(touched)), time.Until(deadline))
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.id
	}
	r.m.forgetTenants(ids)
}

// partitionOf is the partition a tenant's state cache writes to.
func (r *Replica) partitionOf(tenant string) *partition {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, ok := r.tenantOf[tenant]
	if !ok {
		return nil
	}
	return r.parts[n]
}

// assigned loads the state of newly assigned partitions and claims them
// with a new epoch before any of their tenants starts.
//
// kgo may call it before NewClient has returned, so it uses cl, never r.cl.
func (r *Replica) assigned(ctx context.Context, cl *kgo.Client, assigned map[string][]int32) {
	parts := assigned[r.cfg.TenantsTopic]
	if len(parts) == 0 {
		return
	}
	r.ops.Lock()
	defer r.ops.Unlock()
	started := time.Now()
	member, gen := cl.GroupMetadata()
	r.m.generation.Set(float64(gen))
	recs, err := readPartitions(ctx, r.opts, kadm.NewClient(cl), r.cfg.StateTopic, parts)
	if err != nil {
		// Without its state a partition must not run: leave the group
		// so the partitions go to a replica that can read it.
		r.log.Error("fleet: cannot load the state of assigned partitions; leaving the group", "partitions", parts, "error", err)
		r.startErr = err
		go cl.LeaveGroup()
		return
	}
	for _, n := range parts {
		res := fold(recs[n])
		pctx, cancel := context.WithCancel(context.Background())
		p := &partition{
			id: n, topic: r.cfg.StateTopic, cl: cl, member: member, ctx: pctx, cancel: cancel,
			onSave: r.m.stateWrite, log: r.log,
			epoch: newEpoch(res.maxClaim+1, gen), owned: true, entries: res.entries, tenants: map[string]*tenant{}, groups: map[string]*group{},
		}
		if res.stale > 0 {
			r.m.staleRecords.Add(float64(res.stale))
			r.log.Warn("fleet: ignored state writes of an older owner (fenced)", "partition", n, "records", res.stale)
		}
		// The claim makes the epoch visible to later owners; rewriting
		// shadowed keys keeps the winner after compaction.
		if err := p.set(claimKey, []byte(member)); err != nil {
			r.log.Error("fleet: cannot claim partition", "partition", n, "error", err)
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(res.shadowed)) {
			if v := res.entries[key].value; v != nil {
				if err := p.set(key, v); err != nil {
					r.log.Error("fleet: cannot rewrite fenced state", "partition", n, "key", key, "error", err)
				}
			}
		}
		r.mu.Lock()
		r.parts[n] = p
		r.mu.Unlock()
		r.log.Info("fleet: partition acquired", "partition", n, "epoch", p.epoch.String(), "state_keys", len(res.entries))
	}
	r.m.partitions.Set(float64(len(r.snapshotParts())))
	r.handover("acquired", time.Since(started))
}

// revoked releases partitions gracefully: their tenants stop, waiting for
// in-flight messages to be acknowledged and their checkpoints written,
// and only then does kgo let the group hand the partitions on.
func (r *Replica) revoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	r.release(revoked[r.cfg.TenantsTopic], r.cfg.StopTimeout, "released")
}

// lost drops partitions whose ownership already ended (the session
// expired): writes stop at once, and tenants stop without waiting, since
// another replica may already be polling them.
func (r *Replica) lost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	r.release(lost[r.cfg.TenantsTopic], 0, "lost")
}

func (r *Replica) release(parts []int32, grace time.Duration, kind string) {
	if len(parts) == 0 {
		return
	}
	r.ops.Lock()
	defer r.ops.Unlock()
	started := time.Now()
	var ps []*partition
	var ts []*tenant
	r.mu.Lock()
	for _, n := range parts {
		if p := r.parts[n]; p != nil {
			ps = append(ps, p)
			for _, t := range p.tenants {
				ts = append(ts, t)
			}
		}
	}
	r.mu.Unlock()
	if kind == "lost" {
		for _, p := range ps {
			p.release()
		}
		grace = time.Second // stop promptly; writes are already refused
	}
	r.stopTenants(ts, grace)
	r.mu.Lock()
	for _, p := range ps {
		p.release()
		delete(r.parts, p.id)
	}
	r.mu.Unlock()
	r.m.partitions.Set(float64(len(r.snapshotParts())))
	r.handover(kind, time.Since(started))
	r.log.Info("fleet: partitions "+kind, "partitions", parts, "tenants", len(ts), "took", time.Since(started).Round(time.Millisecond))
}

func (r *Replica) handover(kind string, d time.Duration) {
	r.m.handover(kind, d)
	r.mu.Lock()
	r.handovers[kind]++
	r.lastMove = d
	r.mu.Unlock()
}

func (r *Replica) snapshotParts() []int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(maps.Keys(r.parts))
}
