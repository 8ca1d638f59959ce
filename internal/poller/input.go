// Package poller implements the revel_poller Benthos input; the public
// package plugin/revelpoller registers it.
package poller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Jeffail/shutdown"
	"github.com/redpanda-data/benthos/v4/public/service"

	// Checkpoints want a cache that writes atomically.
	_ "github.com/revel-connect/revel-connect/internal/atomicfile"
	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/redact"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// Name is the input's name in a Benthos config.
const Name = "revel_poller"

// Register adds revel_poller, and the Bloblang method lint uses, to
// Benthos' global environment.
func Register() {
	registerLintMethod()
	service.MustRegisterBatchInput(Name, Spec(), NewBatchInput)
}

// NewBatchInput builds a revel_poller input from its parsed config.
func NewBatchInput(pc *service.ParsedConfig, res *service.Resources) (service.BatchInput, error) {
	in, err := newInput(pc, res)
	if err != nil {
		return nil, err
	}
	return service.AutoRetryNacksBatchedToggled(pc, in)
}

// Delivery is one page's messages and the acknowledgement that releases its
// checkpoint; Ack returns once the checkpoint is written (or its write
// failed, which pauses polling).
type Delivery struct {
	Batch service.MessageBatch
	Ack   func(context.Context)
}

type input struct {
	conf    *config
	res     *service.Resources
	log     *service.Logger
	metrics *metrics
	store   checkpoint.Store

	// hold is shared by the clients of every resource: a Retry-After
	// Revel sends one of them holds back them all.
	hold revelapi.Hold

	deliveries chan Delivery
	// rejectedNow wakes ReadBatch when a resource's credentials are
	// rejected or its checkpoints cannot be saved, so the input reports
	// itself disconnected (not ready).
	rejectedNow chan struct{}
	// shutSig stops the pollers (soft stop) and reports when every one
	// has returned (has stopped).
	shutSig *shutdown.Signaller
	// stop cancels the pollers' context; Close calls it beside the soft
	// stop, which would otherwise need a goroutine to reach the context.
	stop context.CancelFunc

	mu       sync.Mutex
	rejected map[string]bool  // resources whose credentials Revel rejects
	unsaved  map[string]error // resources whose checkpoints cannot be saved
	pollers  []*resourcePoller
	started  bool
}

func newInput(pc *service.ParsedConfig, res *service.Resources) (*input, error) {
	conf, err := parseConfig(pc)
	if err != nil {
		return nil, err
	}
	in := build(conf, res.Logger(), newMetrics(res.Metrics(), ""), make(chan Delivery))
	in.res = res
	if conf.rateLimit != "" && !res.HasRateLimit(conf.rateLimit) {
		return nil, fmt.Errorf("rate_limit: no rate_limit resource named %q", conf.rateLimit)
	}
	if conf.checkpointCache == "" {
		in.log.Warn("checkpoint_cache is not set, so cursors live in memory and a restart begins again from start_from; set checkpoint_cache to a persistent cache")
		in.store = checkpoint.NewMemoryStore()
	} else {
		if !res.HasCache(conf.checkpointCache) {
			return nil, fmt.Errorf("checkpoint_cache: no cache resource named %q", conf.checkpointCache)
		}
		in.store = checkpoint.NewCacheStore(res, conf.checkpointCache)
	}
	return in, nil
}

// build is the input of conf, logging what conf asks to be warned of.
func build(conf *config, log *service.Logger, m *metrics, out chan Delivery) *input {
	in := &input{
		conf: conf, log: log, metrics: m,
		deliveries: out, rejectedNow: make(chan struct{}, 1), rejected: map[string]bool{}, unsaved: map[string]error{},
		shutSig: shutdown.NewSignaller(),
	}
	for _, note := range conf.notes {
		in.log.Warn(note)
	}
	for _, rc := range conf.resources {
		for _, key := range rc.url.Widened() {
			in.log.Warnf("resources.%s.url: %s is a strict lower bound, which would skip a row stamped at the cursor but visible only after a poll; querying %se instead (rows at the cursor already delivered are suppressed). Write %se to silence this",
				rc.objectType, key, key, key)
		}
	}
	return in
}

// Connect loads every resource's checkpoint, writes it back to prove the
// cache takes writes, and starts polling. A checkpoint that cannot be read
// or written stops the input here, loudly, rather than silently starting
// over or polling without saving. Once polling, Connect fails while Revel
// rejects the credentials or the cache refuses checkpoints (each call
// tries the write again), which keeps the input, and /ready, not ready.
func (in *input) Connect(ctx context.Context) error {
	in.mu.Lock()
	if in.started {
		pollers := in.pollers
		in.mu.Unlock()
		for _, p := range pollers {
			p.retrySave(ctx)
		}
		in.mu.Lock()
		defer in.mu.Unlock()
		return errors.Join(in.credentialsErr(), in.unsavedErr())
	}
	defer in.mu.Unlock()
	// One transport a tenant: its resources and token requests share
	// connections, and closing them touches no other tenant's.
	transport := revelapi.NewTransport()
	auth := in.auth(transport)
	now := time.Now()
	var pollers []*resourcePoller
	for _, rc := range in.conf.resources {
		p, err := in.newPoller(ctx, rc, auth, transport, now)
		if err != nil {
			return err
		}
		pollers = append(pollers, p)
	}
	in.started, in.pollers = true, pollers
	runCtx, cancel := context.WithCancel(context.Background())
	if in.shutSig.IsSoftStopSignalled() {
		cancel() // closed already: the pollers return at once
	}
	in.stop = cancel
	// The last poller to return reports that all have: no goroutine
	// waits for them.
	var running atomic.Int64
	running.Store(int64(len(pollers)))
	for _, p := range pollers {
		go func() {
			defer func() {
				if running.Add(-1) == 0 {
					cancel()
					in.shutSig.TriggerHasStopped()
				}
			}()
			p.run(runCtx)
		}()
	}
	return nil
}

// newPoller loads rc's checkpoint and prepares its poller, whose requests
// go through transport; now is where a resource without a checkpoint
// starts from.
func (in *input) newPoller(ctx context.Context, rc *resourceConfig, auth revelapi.Auth, transport http.RoundTripper, now time.Time) (*resourcePoller, error) {
	key := checkpoint.ResourceKey(in.conf.checkpointKey, rc.objectType)
	if err := in.moveLegacyKeys(ctx, rc); err != nil {
		return nil, err
	}
	state, err := checkpoint.LoadState(ctx, in.store, key)
	if err != nil {
		return nil, err
	}
	if state == nil {
		state = &checkpoint.State{Cursor: in.conf.start.cursor(now), Seen: map[string]int64{}}
	}
	p := &resourcePoller{
		conf:    rc,
		input:   in.conf,
		state:   state,
		store:   in.store,
		key:     key,
		encoder: in.encoder(rc),
		log:     in.log.With("resource", rc.objectType),
		metrics: in.metrics,
		out:     in.deliveries,
		now:     time.Now,
		paging:  rc.paging,
		onAuth:  in.onAuth,
		onStore: in.onStore,
	}
	if state.Paging != "" && state.Paging != rc.paging {
		p.paging = state.Paging
		p.log.Infof("paging by %s, as learned from Revel earlier (%s)", state.Paging, state.PagingWhy)
	}
	if rc.url.Translated() {
		p.log.Infof("the Cloud Elements hub URL polls %s", rc.url)
	}
	if rc.legacyReconcile {
		p.log.Warnf("resources.%s.reconcile_interval is the old name of audit_full_interval; rename it (both work)", rc.objectType)
	}
	if rc.reconcile > 0 {
		if p.known, err = checkpoint.LoadIDs(ctx, in.store, p.idsKey()); err != nil {
			return nil, err
		}
	}
	if rc.audit > 0 {
		if err := p.loadLedger(ctx); err != nil {
			return nil, err
		}
	}
	p.tracker = checkpoint.NewTracker(in.store, key, int64(in.conf.maxUnackedPages), p.onSave)
	if err := p.tracker.Init(ctx, state); err != nil {
		return nil, in.saveErr(err)
	}
	p.client, err = revelapi.New(revelapi.Options{
		BaseURL:   in.conf.baseURL,
		Auth:      auth,
		Transport: transport,
		Timeout:   in.conf.timeout,
		Wait:      in.rateLimitWait(rc.objectType),
		Hold:      &in.hold,
		Backoff:   in.conf.backoff,
		OnRetry: func(_ *url.URL, attempt int, wait time.Duration, err error) {
			in.metrics.retries.Incr(1, rc.objectType)
			in.metrics.lastError.Set(time.Now().Unix(), rc.objectType)
			p.report.retry(p.log, err, attempt, wait, p.now())
			msg := fmt.Sprintf("retrying (attempt %d): %v", attempt, err)
			p.failing.Store(&msg)
		},
		OnResponse: func(status int) {
			if status < 300 {
				p.failing.Store(nil)
			}
			p.requests.Add(1)
			in.metrics.responses.Incr(1, rc.objectType, statusClass(status))
		},
	})
	return p, err
}

// onAuth records whether a resource's requests are being authenticated.
func (in *input) onAuth(resource string, rejected bool) {
	in.mu.Lock()
	changed := in.rejected[resource] != rejected
	if rejected {
		in.rejected[resource] = true
	} else {
		delete(in.rejected, resource)
	}
	in.mu.Unlock()
	if changed && rejected {
		select {
		case in.rejectedNow <- struct{}{}:
		default:
		}
	}
}

// onStore records whether a resource's checkpoints can be saved.
func (in *input) onStore(resource string, err error) {
	in.mu.Lock()
	_, was := in.unsaved[resource]
	if err != nil {
		in.unsaved[resource] = err
	} else {
		delete(in.unsaved, resource)
	}
	in.mu.Unlock()
	if err != nil && !was {
		select {
		case in.rejectedNow <- struct{}{}:
		default:
		}
	}
}

// unsavedErr must be called with in.mu held.
func (in *input) unsavedErr() error {
	if len(in.unsaved) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(in.unsaved))
	return in.saveErr(fmt.Errorf("%s: %w", strings.Join(names, ", "), in.unsaved[names[0]]))
}

// saveErr explains a checkpoint write that failed and what to do.
func (in *input) saveErr(err error) error {
	cache := "(memory)"
	if in.conf.checkpointCache != "" {
		cache = in.conf.checkpointCache
	}
	return fmt.Errorf("checkpoint_cache %q cannot be written, so polling waits rather than deliver changes it could not record: %w. Make the cache writable (for Benthos' file cache, create its directory; atomic_file creates it)", cache, err)
}

// moveLegacyKeys renames the keys earlier releases used,
// <checkpoint_key>/<objectType> (a subdirectory, which only atomic_file
// could create), to the current ones.
func (in *input) moveLegacyKeys(ctx context.Context, rc *resourceConfig) error {
	legacy, key := checkpoint.LegacyResourceKey(in.conf.checkpointKey, rc.objectType), checkpoint.ResourceKey(in.conf.checkpointKey, rc.objectType)
	for from, to := range map[string]string{legacy: key, checkpoint.IDsKey(legacy): checkpoint.IDsKey(key)} {
		moved, err := checkpoint.Move(ctx, in.store, from, to)
		if err != nil {
			return in.saveErr(err)
		}
		if moved {
			in.log.Infof("moved checkpoint %q to %q", from, to)
		}
	}
	return nil
}

// credentialsErr must be called with in.mu held.
func (in *input) credentialsErr() error {
	if len(in.rejected) == 0 {
		return nil
	}
	names := make([]string, 0, len(in.rejected))
	for r := range in.rejected {
		names = append(names, r)
	}
	slices.Sort(names)
	what := "api_key and api_secret"
	if in.conf.oauth2 != nil {
		what = "oauth2 client_id, client_secret and client_id_header"
	}
	return fmt.Errorf("Revel rejects the credentials for %s; check %s for %s", strings.Join(names, ", "), what, redact.URLs(in.conf.baseURL))
}

func (in *input) encoder(rc *resourceConfig) event.Encoder {
	if in.conf.format == "cloudevents" {
		source := in.conf.cloudEventsSrc
		if source == "" {
			source = defaultSource(in.conf.baseURL, rc.objectType)
		}
		return event.NewCloudEvents(source)
	}
	return event.NewCloudElements(in.conf.elementKey, rc.hubKey, in.conf.instance)
}

// defaultSource is a CloudEvent's source when cloudevents_source is unset:
// the base URL without its user info (a proxy's credentials must not travel
// with every event), then "/" and the resource.
func defaultSource(baseURL, objectType string) string {
	if u, err := url.Parse(baseURL); err == nil && u.User != nil {
		u.User = nil
		baseURL = u.String()
	}
	return baseURL + "/" + objectType
}

// auth returns the configured credentials; OAuth2 fetches its tokens
// through transport.
func (in *input) auth(transport http.RoundTripper) revelapi.Auth {
	switch {
	case in.conf.oauth2 != nil:
		return revelapi.NewOAuth2(in.conf.oauth2.conf, in.conf.oauth2.merchant, &http.Client{Timeout: 30 * time.Second, Transport: transport})
	case in.conf.apiKey != "":
		return revelapi.KeyAuth{Key: in.conf.apiKey, Secret: in.conf.apiSecret}
	}
	return nil
}

// rateLimitWait blocks each request on the configured rate_limit resource.
func (in *input) rateLimitWait(resource string) func(context.Context) error {
	name := in.conf.rateLimit
	if name == "" {
		return nil
	}
	return func(ctx context.Context) error {
		for {
			var wait time.Duration
			var accessErr error
			if err := in.res.AccessRateLimit(ctx, name, func(rl service.RateLimit) {
				wait, accessErr = rl.Access(ctx)
			}); err != nil {
				return err
			}
			if accessErr != nil {
				in.log.Warnf("rate_limit %q: %v", name, accessErr)
				wait = time.Second
			}
			if wait <= 0 {
				return nil
			}
			in.metrics.rateWaits.Incr(1, resource)
			if err := revelapi.Sleep(ctx, wait); err != nil {
				return err
			}
		}
	}
}

// ReadBatch hands over the next page of events. Its acknowledgement, whether
// a success or (with auto_replay_nacks off) a rejection, releases the page's
// checkpoint.
func (in *input) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	in.mu.Lock()
	started, rejected := in.started, len(in.rejected)+len(in.unsaved) > 0
	in.mu.Unlock()
	if !started || rejected {
		return nil, nil, service.ErrNotConnected
	}
	select {
	case d := <-in.deliveries:
		return d.Batch, func(ctx context.Context, err error) error {
			if err != nil {
				in.log.Debugf("%d messages rejected downstream and dropped (auto_replay_nacks is off): %v", len(d.Batch), err)
			}
			d.Ack(ctx)
			return nil
		}, nil
	case <-in.rejectedNow:
		return nil, nil, service.ErrNotConnected
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// Close stops polling and waits for the pollers to return. Work they leave
// unacknowledged is polled again after a restart, as its checkpoint was not
// saved.
func (in *input) Close(ctx context.Context) error {
	in.mu.Lock()
	started := in.started
	in.shutSig.TriggerSoftStop() // under mu: a later Connect starts nothing
	if in.stop != nil {
		in.stop()
	}
	in.mu.Unlock()
	if !started {
		return nil
	}
	select {
	case <-in.shutSig.HasStoppedChan():
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("pollers did not stop in time"), ctx.Err())
	}
}
