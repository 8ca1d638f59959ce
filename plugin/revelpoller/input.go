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
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	// Checkpoints want a cache that writes atomically.
	_ "github.com/revel-connect/revel-connect/plugin/atomicfile"
	"github.com/revel-connect/revel-connect/plugin/checkpoint"
	"github.com/revel-connect/revel-connect/plugin/event"
	"github.com/revel-connect/revel-connect/plugin/revelapi"
)

func init() {
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
	conf  *config
	res   *service.Resources
	log   *service.Logger
	store checkpoint.Store

	deliveries chan delivery

	mu      sync.Mutex
	pollers []*resourcePoller
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

func newInput(pc *service.ParsedConfig, res *service.Resources) (*input, error) {
	conf, err := parseConfig(pc)
	if err != nil {
		return nil, err
	}
	in := &input{conf: conf, res: res, log: res.Logger(), deliveries: make(chan delivery)}
	if conf.rateLimit != "" && !res.HasRateLimit(conf.rateLimit) {
		return nil, fmt.Errorf("rate_limit: no rate_limit resource named %q", conf.rateLimit)
	}
	if conf.checkpointCache == "" {
		in.log.Warn("revel_poller: checkpoint_cache is not set, so cursors live in memory and a restart begins again from start_from; set checkpoint_cache to a persistent cache")
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
// starting over.
func (in *input) Connect(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cancel != nil {
		return nil
	}
	client, err := revelapi.New(revelapi.Options{
		BaseURL: in.conf.baseURL,
		Auth:    in.auth(),
		Timeout: in.conf.timeout,
		Wait:    in.rateLimitWait(),
		Backoff: in.conf.backoff,
		OnRetry: func(_ *url.URL, attempt int, wait time.Duration, err error) {
			in.log.Warnf("revel_poller: %v; attempt %d failed, retrying in %s", err, attempt, wait.Round(time.Millisecond))
		},
	})
	if err != nil {
		return err
	}
	now := time.Now()
	var pollers []*resourcePoller
	for _, rc := range in.conf.resources {
		key := in.conf.checkpointKey + "/" + rc.objectType
		state, err := in.store.Load(ctx, key)
		if err != nil {
			return err
		}
		if state == nil {
			state = &checkpoint.State{Cursor: in.conf.start.cursor(now), Seen: map[string]int64{}}
		}
		pollers = append(pollers, &resourcePoller{
			conf:       rc,
			client:     client,
			state:      state,
			tracker:    checkpoint.NewTracker(in.store, key, int64(in.conf.maxUnackedPages), in.onSave(rc.objectType)),
			encoder:    in.encoder(rc),
			instanceID: in.conf.instance.ID,
			perMessage: in.conf.eventsPerMessage,
			backoff:    in.conf.backoff,
			baseURL:    in.conf.baseURL,
			log:        in.log,
			out:        in.deliveries,
			now:        time.Now,
			paging:     rc.paging,
		})
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
	if in.conf.apiKey == "" {
		return nil
	}
	return revelapi.KeyAuth{Key: in.conf.apiKey, Secret: in.conf.apiSecret}
}

// rateLimitWait blocks each request on the configured rate_limit resource.
func (in *input) rateLimitWait() func(context.Context) error {
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
				in.log.Warnf("revel_poller: rate_limit %q: %v", name, accessErr)
				wait = time.Second
			}
			if wait <= 0 {
				return nil
			}
			if err := revelapi.Sleep(ctx, wait); err != nil {
				return err
			}
		}
	}
}

func (in *input) onSave(objectType string) func(*checkpoint.State, error) {
	return func(s *checkpoint.State, err error) {
		if err != nil {
			in.log.Warnf("revel_poller: resource %s: checkpoint not saved (the next acknowledgement retries): %v", objectType, err)
			return
		}
		in.log.Tracef("revel_poller: resource %s: checkpoint saved at cursor %s", objectType, s.Cursor.Format(time.RFC3339Nano))
	}
}

// ReadBatch hands over the next page of events. Its acknowledgement, whether
// a success or (with auto_replay_nacks off) a rejection, releases the page's
// checkpoint.
func (in *input) ReadBatch(ctx context.Context) (service.MessageBatch, service.AckFunc, error) {
	in.mu.Lock()
	started := in.cancel != nil
	in.mu.Unlock()
	if !started {
		return nil, nil, service.ErrNotConnected
	}
	select {
	case d := <-in.deliveries:
		return d.batch, func(ctx context.Context, err error) error {
			if err != nil {
				in.log.Debugf("revel_poller: %d messages rejected downstream and dropped (auto_replay_nacks is off): %v", len(d.batch), err)
			}
			d.ack(ctx)
			return nil
		}, nil
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
		return errors.Join(errors.New("revel_poller: pollers did not stop in time"), ctx.Err())
	}
}
