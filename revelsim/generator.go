package revelsim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Generator keeps a tenant busy the way a restaurant's day does, so a poller
// pointed at the simulator has live changes to find: employees are hired,
// edited and deactivated (never deleted, as on Revel); shifts are clocked in
// and later clocked out, and now and then a mistaken punch is hard-deleted;
// orders are opened, edited, paid or voided (the soft delete, deleted=true);
// payments are refunded. Every write goes through Insert and Update, so
// created_date and updated_date follow Options.Clock.
type Generator struct {
	s *Server
}

// NewGenerator returns a Generator changing s. s may be empty, but a
// SeedTenant'ed one gives its changes something to act on.
func NewGenerator(s *Server) *Generator { return &Generator{s: s} }

// Change is one change a Generator made.
type Change struct {
	Op       string // "insert", "update" or "delete": the Server method used
	Resource string
	ID       int64
	Note     string // what happened in restaurant terms, e.g. "clocked out"
}

func (c Change) String() string {
	return fmt.Sprintf("%s %s %d: %s", c.Op, c.Resource, c.ID, c.Note)
}

// editAfter is how old a record must be before the Generator edits it. A
// poller classifies a record whose updated and created times are close
// (revel_poller's created_check_tolerance, 1s by default) as CREATED, so an
// edit right after the insert would read as a second creation.
const editAfter = 2 * time.Second

// action is one kind of change; do reports false when the tenant offers
// nothing to do it to (no open shift to clock out, say).
type action struct {
	weight int
	do     func(*step) (Change, bool)
}

// actions are weighted like a lunch rush: mostly orders and punches.
var actions = []action{
	{24, (*step).openOrder},
	{14, (*step).addItem},
	{18, (*step).payOrder},
	{7, (*step).voidOrder},
	{3, (*step).refundPayment},
	{11, (*step).clockIn},
	{11, (*step).clockOut},
	{4, (*step).deletePunch},
	{3, (*step).hire},
	{3, (*step).editEmployee},
	{2, (*step).deactivate},
}

var totalWeight = func() int {
	n := 0
	for _, a := range actions {
		n += a.weight
	}
	return n
}()

// Step makes one change chosen with rnd and returns it. When the chosen
// kind has nothing to act on it opens an order instead, so every Step
// changes something. Step starts no goroutines; rnd is used only during
// the call.
func (g *Generator) Step(rnd *rand.Rand) Change {
	st := &step{gen: gen{s: g.s, rnd: rnd, now: g.s.clock()}}
	n := rnd.IntN(totalWeight)
	for _, a := range actions {
		if n -= a.weight; n < 0 {
			if c, ok := a.do(st); ok {
				return c
			}
			break
		}
	}
	c, _ := st.openOrder()
	return c
}

// Run calls Step every interval until ctx is done, passing each change to
// onChange (nil ignores them). rnd must not be used elsewhere meanwhile.
func (g *Generator) Run(ctx context.Context, every time.Duration, rnd *rand.Rand, onChange func(Change)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c := g.Step(rnd)
			if onChange != nil {
				onChange(c)
			}
		}
	}
}

// step is one Step's state.
type step struct {
	gen
}

// matching returns the ids of resource's rows for which keep, given a
// field reader (nil for a missing field), is true.
func (st *step) matching(resource string, keep func(field func(string) any) bool) []int64 {
	st.s.mu.RLock()
	defer st.s.mu.RUnlock()
	t := st.s.table(resource)
	var ids []int64
	for _, r := range t.rows {
		field := func(name string) any {
			c, ok := t.colIdx[name]
			if v := t.value(r, c); ok && !isAbsent(v) {
				return v
			}
			return nil
		}
		if keep(field) {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// pick returns a random one of resource's rows old enough to edit for
// which keep is true.
func (st *step) pick(resource string, keep func(field func(string) any) bool) (int64, bool) {
	now, _ := parseNaive(st.s.naive(st.now))
	ids := st.matching(resource, func(field func(string) any) bool {
		created, _ := field("created_date").(string)
		at, ok := parseNaive(created)
		return ok && now-at >= editAfter.Microseconds() && keep(field)
	})
	if len(ids) == 0 {
		return 0, false
	}
	return ids[st.rnd.IntN(len(ids))], true
}

// objectURI is a record's resource_uri.
func objectURI(resourceName string, id int64) string {
	for _, r := range resources {
		if r.name == resourceName {
			return r.uri() + strconv.FormatInt(id, 10) + "/"
		}
	}
	panic("revelsim: no resource " + resourceName)
}
