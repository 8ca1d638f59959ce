package poller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
	"github.com/revel-connect/revel-connect/internal/redact"
	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// resourcePoller polls one resource: cycles of pages, each page's events
// handed to ReadBatch with the checkpoint to save once they are delivered,
// and, if configured, listings of ids that reveal hard deletes.
type resourcePoller struct {
	conf    *resourceConfig
	input   *config // the settings all resources share
	client  *revelapi.Client
	store   checkpoint.Store
	key     string
	tracker *checkpoint.Tracker
	encoder event.Encoder
	log     *service.Logger
	metrics *metrics
	out     chan<- Delivery
	now     func() time.Time
	// onAuth reports whether Revel accepts the credentials.
	onAuth func(resource string, rejected bool)
	// onStore reports whether checkpoints can be saved (err nil).
	onStore func(resource string, err error)

	saveMu sync.Mutex
	// saveErr is the last checkpoint write's error while writes fail;
	// saved is closed when they work again.
	saveErr error
	saved   chan struct{}

	// state is the checkpoint of everything emitted so far, delivered or
	// not; it is replaced, never modified, as snapshots share it.
	state *checkpoint.State
	// paging is the mode learned so far: auto becomes keyset or offset.
	paging     revelapi.Paging
	zoneWarned bool
	warned     map[string]bool // paging causes already logged
	// pager pages the unfinished cycle that started at pagerStarted.
	pager        *revelapi.Pager
	pagerStarted time.Time

	// known is the id set of the last listing (reconcile_interval), and
	// added the ids emitted since, which the next listing must account for.
	known *checkpoint.IDs
	added map[int64]struct{}

	unacked atomic.Int64 // messages delivered and not yet acknowledged
	// failing is why the last request or poll failed; nil once Revel
	// answers a request or a poll succeeds.
	failing atomic.Pointer[string]

	// requests counts the responses of this poll, against max_requests_per_poll.
	requests atomic.Int64
	// The completeness audit (audit.go): the ledger of delivered changes,
	// the audit under way, when the next one is due, and hard deletes it
	// delivered that the full listing must not deliver again.
	ledger      *checkpoint.Ledger
	ledgerStore *checkpoint.LedgerStore
	auditing    *auditRun
	auditNext   time.Time
	auditGone   map[int64]struct{}
	// listing is a full listing of ids (audit_full_interval) under way.
	listing *fullListing

	report pollReport // what each poll did, logged (report.go)
}

// errUnsaved ends a poll when checkpoints cannot be saved: polling waits
// until they can.
var errUnsaved = errors.New("checkpoints cannot be saved")

// errBudget ends a poll that read max_requests_per_poll pages before its
// cycle finished; the next poll resumes the cycle.
var errBudget = errors.New("request budget of this poll spent")

// run polls until ctx ends, in one goroutine while it waits for the next
// poll: an idle resource costs no other.
func (p *resourcePoller) run(ctx context.Context) {
	defer p.client.CloseIdleConnections() // a stopped resource keeps no socket
	failures := 0
	for {
		if p.waitSaved(ctx) != nil {
			return
		}
		started := p.now()
		p.metrics.polls.Incr(1, p.conf.objectType)
		p.updateLag()
		p.requests.Store(0)
		err := p.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := started.Add(p.conf.interval).Sub(p.now())
		if err == nil || errors.Is(err, errBudget) {
			p.failing.Store(nil)
		}
		switch {
		case err == nil:
			failures = 0
			p.report.cycleDone(p.log, p.state.Cursor, wait, p.now())
		case errors.Is(err, errUnsaved):
			failures, wait = 0, 0
		case errors.Is(err, errBudget):
			failures = 0
			p.log.Infof("read %d pages this poll, the most allowed; the backlog continues next poll", p.input.maxRequests)
			p.report.cycleDone(p.log, p.state.Cursor, wait, p.now())
		default:
			failures++
			wait = p.input.backoff.Wait(failures)
			p.metrics.failures.Incr(1, p.conf.objectType)
			p.metrics.lastError.Set(p.now().Unix(), p.conf.objectType)
			p.logFailure(err, wait)
		}
		if revelapi.IsAuth(err) {
			p.onAuth(p.conf.objectType, true) // a page read clears it
		}
		if wait >= idleConnsClosedAfter {
			p.client.CloseIdleConnections()
		}
		if p.sleep(ctx, wait) != nil {
			return
		}
	}
}

// idleConnsClosedAfter is the shortest wait for the next poll before which
// a resource closes its idle connections. Load balancers commonly drop a
// connection idle for 60 s anyway, and an idle connection costs two
// goroutines and buffers (with TLS, tens of KB): at 10,000 tenants, the
// largest cost of an idle tenant. The price is a new TCP and TLS handshake
// on every poll at intervals of 30 s or more.
const idleConnsClosedAfter = 30 * time.Second

// poll runs a cycle and, when due, a listing and an audit. Meanwhile a
// goroutine refreshes the lag gauge: the poll may wait on Revel's retries,
// the output's acknowledgements or a full tracker, where run cannot.
func (p *resourcePoller) poll(ctx context.Context) error {
	lagCtx, stop := context.WithCancel(ctx)
	defer stop()
	go p.refreshLag(lagCtx)
	err := p.cycle(ctx)
	if err == nil && p.reconcileDue() {
		err = p.reconcile(ctx)
	}
	if err == nil && p.auditDue() {
		err = p.audit(ctx)
	}
	return err
}

func (p *resourcePoller) logFailure(err error, wait time.Duration) {
	var msg string
	switch {
	case revelapi.IsAuth(err):
		msg = fmt.Sprintf("Revel rejected the credentials (%v); check the credentials (api_key and api_secret, or oauth2) for %s", err, redact.URLs(p.input.baseURL))
	case errors.Is(err, revelapi.ErrForeignLink):
		msg = fmt.Sprintf("not following a link or redirect off the configured origin, so credentials stay with %s: %v", redact.URLs(p.input.baseURL), err)
	default:
		msg = fmt.Sprintf("poll failed: %v", err)
	}
	p.failing.Store(&msg)
	p.report.cycleFailed(p.log, msg, fmt.Sprintf("Retrying in %s", wait.Round(time.Second)), p.now())
}

// onSave hears the outcome of every checkpoint write.
func (p *resourcePoller) onSave(s *checkpoint.State, err error) {
	p.saveOutcome(err)
	if err != nil {
		p.metrics.commitFails.Incr(1, p.conf.objectType)
		return
	}
	p.metrics.commits.Incr(1, p.conf.objectType)
	p.updateLagTo(s.Through)
	p.log.Tracef("checkpoint saved at cursor %s", s.Cursor.Format(time.RFC3339Nano))
}

// updateLag reports how long ago delivery was complete: now minus the start
// of the last cycle whose every change is delivered.
func (p *resourcePoller) updateLag() {
	p.updateLagTo(p.tracker.Through())
}

// lagRefresh is how often the lag gauge is refreshed, during a poll and
// between polls, so that it grows while a poll is stuck (Revel failing, the
// output not acknowledging) or checkpoints cannot be saved, instead of
// keeping the value of the poll's start. Five seconds is finer than any
// scrape interval; every second cost a fleet replica of 10,000 tenants a
// third of its CPU (revel-bench fleet -tenants 10000).
const lagRefresh = 5 * time.Second

// refreshLag refreshes the lag gauge every lagRefresh until ctx ends.
func (p *resourcePoller) refreshLag(ctx context.Context) {
	_ = p.sleepUntil(ctx, nil, 0)
}

// sleep waits d, or until ctx ends (its error), refreshing the lag gauge
// every lagRefresh meanwhile.
func (p *resourcePoller) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	return p.sleepUntil(ctx, nil, d)
}

// sleepUntil waits until done is closed, d has passed (d > 0), or ctx ends
// (its error), refreshing the lag gauge every lagRefresh meanwhile. A nil
// done never closes; d <= 0 never passes.
func (p *resourcePoller) sleepUntil(ctx context.Context, done <-chan struct{}, d time.Duration) error {
	var deadline <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(lagRefresh)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-done:
			return nil
		case <-deadline:
			return nil
		case <-tick.C:
			p.updateLag()
		}
	}
}

func (p *resourcePoller) updateLagTo(through time.Time) {
	if through.IsZero() {
		return
	}
	p.metrics.lag.Set(int64(p.now().Sub(through)/time.Second), p.conf.objectType)
}

// saveOutcome tracks whether checkpoints can be saved. The first failure
// logs at ERROR, pauses polling and makes the input not ready; the input's
// Connect retries the write (retrySave), and the first success resumes.
func (p *resourcePoller) saveOutcome(err error) {
	p.saveMu.Lock()
	failing := p.saveErr != nil
	switch {
	case err != nil && !failing:
		p.saveErr, p.saved = err, make(chan struct{})
	case err != nil:
		p.saveErr = err
	case failing:
		p.saveErr = nil
		close(p.saved)
	}
	p.saveMu.Unlock()
	switch {
	case err != nil && !failing:
		p.log.Errorf("checkpoint not saved: %v; polling is paused and the input reports not ready until a write succeeds, so nothing is delivered without its checkpoint", err)
	case err == nil && failing:
		p.log.Infof("checkpoints are saved again; polling resumes")
	}
	if err != nil || failing {
		p.onStore(p.conf.objectType, err)
	}
}

// unsaved reports whether the last checkpoint write failed.
func (p *resourcePoller) unsaved() bool {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	return p.saveErr != nil
}

// waitSaved blocks while checkpoints cannot be saved, refreshing the lag
// gauge meanwhile.
func (p *resourcePoller) waitSaved(ctx context.Context) error {
	p.saveMu.Lock()
	failing, saved := p.saveErr != nil, p.saved
	p.saveMu.Unlock()
	if !failing {
		return nil
	}
	return p.sleepUntil(ctx, saved, 0)
}

// retrySave writes the checkpoint again if the last write failed.
func (p *resourcePoller) retrySave(ctx context.Context) {
	if p.unsaved() {
		_ = p.tracker.Flush(ctx) // the outcome reaches onSave
	}
}
