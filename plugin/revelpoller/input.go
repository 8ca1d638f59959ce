// Package revelpoller is the revel_poller Benthos input. Import it for its
// side effect to add revel_poller to a Benthos or Redpanda Connect build:
//
//	import _ "github.com/revel-connect/revel-connect/plugin/revelpoller"
package revelpoller

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	// Checkpoints want a cache that writes atomically.
	_ "github.com/revel-connect/revel-connect/internal/atomicfile"
	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

func init() {
	registerLintMethod()
	service.MustRegisterBatchInput("revel_poller", Spec(), func(pc *service.ParsedConfig, res *service.Resources) (service.BatchInput, error) {
		in, err := newInput(pc, res)
		if err != nil {
			return nil, err
		}
		return service.AutoRetryNacksBatchedToggled(pc, in)
	})
}

// delivery is one page's messages and the acknowledgement that releases its
// checkpoint.
type delivery struct {
	batch service.MessageBatch
	ack   func(context.Context)
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

	deliveries chan delivery
	// rejectedNow wakes ReadBatch when a resource's credentials are
	// rejected, so the input reports itself disconnected (not ready).
	rejectedNow chan struct{}

	mu       sync.Mutex
	rejected map[string]bool // resources whose credentials Revel rejects
	pollers  []*resourcePoller
	cancel   context.CancelFunc
	done     sync.WaitGroup
}

func newInput(pc *service.ParsedConfig, res *service.Resources) (*input, error) {
	conf, err := parseConfig(pc)
	if err != nil {
		return nil, err
	}
	in := &input{
		conf: conf, res: res, log: res.Logger(), metrics: newMetrics(res.Metrics()),
		deliveries: make(chan delivery), rejectedNow: make(chan struct{}, 1), rejected: map[string]bool{},
	}
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

// Connect loads every resource's checkpoint and starts polling. A checkpoint
// that cannot be read stops the input here, loudly, rather than silently
// starting over. Once polling, Connect fails while Revel rejects the
// credentials, which keeps the input, and /ready, not ready.
func (in *input) Connect(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cancel != nil {
		return in.credentialsErr()
	}
	auth := in.auth()
	now := time.Now()
	var pollers []*resourcePoller
	for _, rc := range in.conf.resources {
		p, err := in.newPoller(ctx, rc, auth, now)
		if err != nil {
			return err
		}
		pollers = append(pollers, p)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	in.cancel, in.pollers = cancel, pollers
	for _, p := range pollers {
		in.done.Add(1)
		go func() {
			defer in.done.Done()
			p.run(runCtx)
		}()
	}
	return nil
}

// newPoller loads rc's checkpoint and prepares its poller; now is where a
// resource without a checkpoint starts from.
func (in *input) newPoller(ctx context.Context, rc *resourceConfig, auth revelapi.Auth, now time.Time) (*resourcePoller, error) {
	key := checkpoint.ResourceKey(in.conf.checkpointKey, rc.objectType)
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
	p.client, err = revelapi.New(revelapi.Options{
		BaseURL: in.conf.baseURL,
		Auth:    auth,
		Timeout: in.conf.timeout,
		Wait:    in.rateLimitWait(rc.objectType),
		Hold:    &in.hold,
		Backoff: in.conf.backoff,
		OnRetry: func(_ *url.URL, attempt int, wait time.Duration, err error) {
			in.metrics.retries.Incr(1, rc.objectType)
			in.metrics.lastError.Set(time.Now().Unix(), rc.objectType)
			p.report.retry(p.log, err, attempt, wait, p.now())
		},
		OnResponse: func(status int) {
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
	return fmt.Errorf("Revel rejects the credentials for %s; check %s for %s", strings.Join(names, ", "), what, in.conf.baseURL)
}

func (in *input) encoder(rc *resourceConfig) event.Encoder {
	if in.conf.format == "cloudevents" {
		source := in.conf.cloudEventsSrc
		if source == "" {
			source = in.conf.baseURL + "/" + rc.objectType
		}
		return event.NewCloudEvents(source)
	}
	return event.NewCloudElements(in.conf.elementKey, rc.hubKey, in.conf.instance)
}

func (in *input) auth() revelapi.Auth {
	switch {
	case in.conf.oauth2 != nil:
		return revelapi.NewOAuth2(in.conf.oauth2.conf, in.conf.oauth2.merchant, nil)
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
	started, rejected := in.cancel != nil, len(in.rejected) > 0
	in.mu.Unlock()
	if !started || rejected {
		return nil, nil, service.ErrNotConnected
	}
	select {
	case d := <-in.deliveries:
		return d.batch, func(ctx context.Context, err error) error {
			if err != nil {
				in.log.Debugf("%d messages rejected downstream and dropped (auto_replay_nacks is off): %v", len(d.batch), err)
			}
			d.ack(ctx)
			return nil
		}, nil
	case <-in.rejectedNow:
		return nil, nil, service.ErrNotConnected
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// Close stops polling and waits for the pollers to return.
func (in *input) Close(ctx context.Context) error {
	in.mu.Lock()
	cancel := in.cancel
	in.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	stopped := make(chan struct{})
	go func() {
		in.done.Wait()
		close(stopped)
	}()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("pollers did not stop in time"), ctx.Err())
	}
}
