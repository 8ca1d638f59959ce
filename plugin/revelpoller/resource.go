package revelpoller

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
	"github.com/revel-connect/revel-connect/internal/event"
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
	out     chan<- delivery
	now     func() time.Time
	// onAuth reports whether Revel accepts the credentials.
	onAuth func(resource string, rejected bool)

	// state is the checkpoint of everything emitted so far, delivered or
	// not; it is replaced, never modified, as snapshots share it.
	state *checkpoint.State
	// paging is the mode learned so far: auto becomes keyset or offset.
	paging     revelapi.Paging
	zoneWarned bool
	warned     map[string]bool // paging causes already logged

	// known is the id set of the last listing (reconcile_interval), and
	// added the ids emitted since, which the next listing must account for.
	known *checkpoint.IDs
	added map[int64]struct{}

	unacked atomic.Int64 // messages delivered and not yet acknowledged

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

// errBudget ends a poll that read max_requests_per_poll pages before its
// cycle finished; the next poll resumes the cycle.
var errBudget = errors.New("request budget of this poll spent")

func (p *resourcePoller) run(ctx context.Context) {
	go p.refreshLag(ctx)
	failures := 0
	for {
		started := p.now()
		p.metrics.polls.Incr(1, p.conf.objectType)
		p.updateLag()
		p.requests.Store(0)
		err := p.cycle(ctx)
		if err == nil && p.reconcileDue() {
			err = p.reconcile(ctx)
		}
		if err == nil && p.auditDue() {
			err = p.audit(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		wait := started.Add(p.conf.interval).Sub(p.now())
		switch {
		case err == nil:
			failures = 0
			p.report.cycleDone(p.log, p.state.Cursor, wait, p.now())
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
		if revelapi.Sleep(ctx, wait) != nil {
			return
		}
	}
}

func (p *resourcePoller) logFailure(err error, wait time.Duration) {
	var msg string
	switch {
	case revelapi.IsAuth(err):
		msg = fmt.Sprintf("Revel rejected the credentials (%v); check the credentials (api_key and api_secret, or oauth2) for %s", err, p.input.baseURL)
	case errors.Is(err, revelapi.ErrForeignLink):
		msg = fmt.Sprintf("not following a link or redirect off the configured origin, so credentials stay with %s: %v", p.input.baseURL, err)
	default:
		msg = fmt.Sprintf("poll failed: %v", err)
	}
	p.report.cycleFailed(p.log, msg, fmt.Sprintf("Retrying in %s", wait.Round(time.Second)), p.now())
}

// onSave hears the outcome of every checkpoint write.
func (p *resourcePoller) onSave(s *checkpoint.State, err error) {
	if err != nil {
		p.metrics.commitFails.Incr(1, p.conf.objectType)
		p.log.Warnf("checkpoint not saved (the next acknowledgement retries): %v", err)
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

// lagRefresh is how often the lag gauge is refreshed between polls, so
// that it grows while a poll is stuck (Revel failing, the output not
// acknowledging) instead of keeping the value of the poll's start.
const lagRefresh = time.Second

func (p *resourcePoller) refreshLag(ctx context.Context) {
	t := time.NewTicker(lagRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
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

// checkZone warns once when Revel reports a tenant zone whose clock differs
// from the configured one: every naive date would be misread.
func (p *resourcePoller) checkZone(reported string) {
	configured := p.conf.fields.Updated.Zone
	if !p.conf.fields.FilterByUpdatedDate {
		configured = p.conf.fields.Created.Zone
	}
	if p.zoneWarned || reported == "" || configured == nil {
		return
	}
	tenant, err := time.LoadLocation(reported)
	if err != nil {
		return
	}
	now := p.now()
	for _, t := range []time.Time{now, now.AddDate(0, 6, 0)} {
		_, a := t.In(tenant).Zone()
		_, b := t.In(configured).Zone()
		if a != b {
			p.zoneWarned = true
			p.log.Warnf("Revel reports the tenant's time zone as %s, but dates_configuration says %s; naive dates will be read at the wrong instant. Set the zones (and the url macro's zone) to %s",
				reported, configured, reported)
			return
		}
	}
}
