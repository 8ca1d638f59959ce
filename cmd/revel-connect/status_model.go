package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/revel-connect/revel-connect/internal/checkpoint"
)

// resourceStatus is one resource's line of `status`; its JSON is the
// --format json output.
type resourceStatus struct {
	Tenant     string `json:"tenant"` // checkpoint_key
	Input      string `json:"input,omitempty"`
	Config     string `json:"config"`
	BaseURL    string `json:"base_url"`
	Resource   string `json:"resource"`
	Key        string `json:"checkpoint"`
	Checkpoint string `json:"checkpoint_state"` // stored, none yet, unreadable: ..., in memory ...
	Interval   string `json:"refresh_interval"`
	// State is ok, behind, failing (behind with errors), not started or
	// unknown: the answer to "is it stuck?".
	State string `json:"state"`
	// Cursor is where the next query starts from (before poll_delay).
	Cursor *time.Time `json:"cursor,omitempty"`
	// LastPoll is the start of the last cycle whose every change was
	// delivered.
	LastPoll *time.Time `json:"last_poll,omitempty"`
	// LagSeconds is now minus LastPoll; from /metrics when scraped
	// (LagFrom "metrics"), else from the checkpoint.
	LagSeconds *float64 `json:"lag_seconds,omitempty"`
	LagFrom    string   `json:"lag_from,omitempty"`
	Paging     string   `json:"paging"` // as configured
	// PagingLearned is the mode the poller learned for an auto resource,
	// and PagingWhy its reason (a fallback's cause, say).
	PagingLearned string `json:"paging_learned,omitempty"`
	PagingWhy     string `json:"paging_why,omitempty"`
	// Pending is the unfinished cycle, when the resource is part way
	// through one.
	Pending *pendingWindow `json:"pending,omitempty"`
	// Errors are counts since the process started, from /metrics.
	Errors *errorCounts `json:"errors,omitempty"`

	interval time.Duration
}

// pendingWindow is an unfinished cycle's position (checkpoint.Cycle).
type pendingWindow struct {
	From       time.Time  `json:"from"`
	Started    time.Time  `json:"started"`
	Paging     string     `json:"paging"`
	AfterID    string     `json:"after_id,omitempty"`
	Offset     int        `json:"offset,omitempty"`
	MaxUpdated *time.Time `json:"max_updated,omitempty"`
	Delivered  int        `json:"delivered"` // changes delivered so far in the cycle that a re-query could return
}

// errorCounts are a resource's failure counters from /metrics.
type errorCounts struct {
	PollFailures float64 `json:"poll_failures"`
	// LastError is when a request or a poll last failed; absent if none has.
	LastError        *time.Time `json:"last_error,omitempty"`
	Responses4xx     float64    `json:"responses_4xx"`
	Responses5xx     float64    `json:"responses_5xx"`
	Retries          float64    `json:"retries"`
	CheckpointErrors float64    `json:"checkpoint_errors"`
	Unacked          float64    `json:"unacked_messages"`
}

func (e *errorCounts) any() bool {
	return e != nil && e.PollFailures+e.Responses4xx+e.Responses5xx+e.Retries+e.CheckpointErrors > 0
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func (s *resourceStatus) fromState(st *checkpoint.State, now time.Time) {
	s.Cursor, s.LastPoll = timePtr(st.Cursor), timePtr(st.Through)
	s.PagingLearned, s.PagingWhy = string(st.Paging), st.PagingWhy
	if !st.Through.IsZero() {
		lag := now.Sub(st.Through).Seconds()
		s.LagSeconds, s.LagFrom = &lag, "checkpoint"
	}
	if c := st.Cycle; c != nil {
		s.Pending = &pendingWindow{From: c.From.UTC(), Started: c.Started.UTC(), Paging: string(c.Paging), AfterID: c.AfterID,
			Offset: c.Offset, MaxUpdated: timePtr(c.MaxUpdated), Delivered: len(c.Seen)}
	}
}

// checkpointSlack is how stale a checkpoint's Through may be on a healthy
// idle resource: checkpoint.Tracker rewrites an unchanged one once a minute.
const checkpointSlack = time.Minute

// judge sets State from the lag and errors.
func (s *resourceStatus) judge() {
	s.State = verdict(s.LagSeconds, s.LagFrom, s.interval, s.Checkpoint, s.Errors)
}

// verdict is the state of a resource whose lag (nil = unknown) was read
// from "metrics" or "checkpoint".
func verdict(lagSeconds *float64, from string, interval time.Duration, stored string, errs *errorCounts) string {
	if lagSeconds == nil {
		if stored == "none yet" {
			return "not started"
		}
		return "unknown"
	}
	limit := 2 * interval
	switch from {
	case "checkpoint":
		limit += checkpointSlack
	case "metrics":
		limit += time.Second // the gauge counts whole seconds
	}
	lag := time.Duration(*lagSeconds * float64(time.Second))
	switch {
	case lag <= limit:
		return "ok"
	case errs.any():
		return "failing"
	default:
		return "behind"
	}
}

func printStatus(w io.Writer, rows []resourceStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tRESOURCE\tSTATE\tCURSOR\tLAG\tLAST POLL\tPAGING\tPENDING\tERRORS")
	for _, r := range rows {
		lag := "-"
		if r.LagSeconds != nil {
			lag = (time.Duration(*r.LagSeconds) * time.Second).Round(time.Second).String()
			if r.LagFrom == "checkpoint" {
				lag += "*"
			}
		}
		state := r.State
		if r.Checkpoint != "stored" && r.Checkpoint != "none yet" {
			state += " (" + r.Checkpoint + ")"
		}
		paging := r.Paging
		if r.PagingLearned != "" && r.PagingLearned != r.Paging {
			paging += "→" + r.PagingLearned
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Tenant, r.Resource, state, stamp(r.Cursor), lag,
			stamp(r.LastPoll), paging, r.Pending.String(), r.Errors.String())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.LagFrom == "checkpoint" {
			_, err := fmt.Fprintln(w, "* lag from the checkpoint, which an idle resource rewrites once a minute; --metrics gives it live")
			return err
		}
	}
	return nil
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func (p *pendingWindow) String() string {
	if p == nil {
		return "-"
	}
	pos := fmt.Sprintf("offset %d", p.Offset)
	if p.Paging == "keyset" {
		pos = "after id " + p.AfterID
		if p.AfterID == "" {
			pos = "first page"
		}
	}
	return fmt.Sprintf("from %s, %s, %s", p.From.Format("2006-01-02T15:04:05Z"), p.Paging, pos)
}

func (e *errorCounts) String() string {
	if e == nil {
		return "-"
	}
	var parts []string
	for _, c := range []struct {
		name string
		n    float64
	}{{"failed polls", e.PollFailures}, {"4xx", e.Responses4xx}, {"5xx", e.Responses5xx}, {"retries", e.Retries}, {"checkpoint", e.CheckpointErrors}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %g", c.name, c.n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	if e.LastError != nil {
		parts = append(parts, "last error "+stamp(e.LastError))
	}
	return strings.Join(parts, ", ")
}
