package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// eventPrinter prints each event of the notifications it consumes as one
// line, and keeps the counts its summary reports.
type eventPrinter struct {
	w    io.Writer
	zone *time.Location

	mu       sync.Mutex
	byType   map[string]int // CREATED, UPDATED, DELETED
	byObject map[string]int // employees, orders, ...
	total    int

	// History is held and printed in time order: the resources are polled
	// at once, so their histories arrive interleaved by page, not by time.
	historyBefore time.Time     // events dated before it are history; zero = none held
	quiet         time.Duration // held history is printed once none has arrived for this long
	held          []heldLine
	flushTimer    *time.Timer
}

type heldLine struct {
	at   time.Time
	text string
}

func newEventPrinter(w io.Writer, zone *time.Location) *eventPrinter {
	return &eventPrinter{w: w, zone: zone, byType: map[string]int{}, byObject: map[string]int{}}
}

// notificationEvents is the part of a Cloud Elements notification printed.
type notificationEvents struct {
	Message struct {
		Events []struct {
			Date       string `json:"date"`
			EventType  string `json:"eventType"`
			ObjectType string `json:"objectType"`
			ObjectID   string `json:"objectId"`
		} `json:"events"`
	} `json:"message"`
}

const eventLineFormat = "%-23s  %-7s  %-10s  %s\n"

func (p *eventPrinter) header() {
	fmt.Fprintf(p.w, eventLineFormat, "TIME", "EVENT", "OBJECT", "ID")
}

// consume is a StreamBuilder consumer: it prints and acknowledges.
func (p *eventPrinter) consume(_ context.Context, m *service.Message) error {
	body, err := m.AsBytes()
	if err != nil {
		return err
	}
	var n notificationEvents
	if err := json.Unmarshal(body, &n); err != nil {
		// Not ours to judge: print it rather than stall the pipeline.
		fmt.Fprintf(p.w, "unreadable notification: %s\n", body)
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range n.Message.Events {
		when := e.Date
		t, err := time.Parse(time.RFC3339Nano, e.Date)
		if err == nil {
			when = t.In(p.zone).Format("2006-01-02 15:04:05 MST")
		}
		line := fmt.Sprintf(eventLineFormat, when, e.EventType, e.ObjectType, e.ObjectID)
		if err == nil && t.Before(p.historyBefore) {
			p.held = append(p.held, heldLine{t, line})
			p.flushTimer.Reset(p.quiet)
		} else {
			p.flushLocked() // history comes first
			io.WriteString(p.w, line)
		}
		p.byType[e.EventType]++
		p.byObject[e.ObjectType]++
		p.total++
	}
	return nil
}

// holdHistory holds events dated before t and prints them in time order
// once none has arrived for quiet, or before anything later.
func (p *eventPrinter) holdHistory(t time.Time, quiet time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.historyBefore, p.quiet = t, quiet
	p.flushTimer = time.AfterFunc(time.Hour, p.flush)
	p.flushTimer.Stop()
}

func (p *eventPrinter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
}

func (p *eventPrinter) flushLocked() {
	slices.SortStableFunc(p.held, func(a, b heldLine) int { return a.at.Compare(b.at) })
	for _, l := range p.held {
		io.WriteString(p.w, l.text)
	}
	p.held = nil
}

// summary prints the counts so far on one line.
func (p *eventPrinter) summary() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
	fmt.Fprintf(p.w, "-- %d events: %s | %s\n", p.total, counts(p.byType), counts(p.byObject))
}

// counts renders "CREATED 3, UPDATED 1" in name order.
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none yet"
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// summarize prints a summary every period until ctx is done.
func (p *eventPrinter) summarize(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.summary()
		}
	}
}
