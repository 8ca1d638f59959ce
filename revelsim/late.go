package revelsim

import (
	"fmt"
	"time"
)

// LateCommit makes changes visible after they are stamped, as a database
// transaction does when it sets updated_date as a request saves and
// commits when the request ends: a client that polls in between sees a
// later change first, moves its cursor past this one, and loses it unless
// its query overlaps (revel_poller's poll_delay). The zero value commits
// at once.
//
// A change is visible once both conditions hold. Inserts and updates are
// late; deletes are not. Set it as Quirks.LateCommit, or with
// SetLateCommit while serving; the simulator's commits-late profile makes
// every change visible 2s late.
type LateCommit struct {
	// Delay is how long (by Options.Clock) after it is made a change
	// becomes visible.
	Delay time.Duration
	// Requests is how many list requests are served after the change
	// before it becomes visible: 2 makes it visible from the third on.
	Requests int
}

// pendingChange is a change made but not yet visible.
type pendingChange struct {
	at    time.Time // visible from
	after uint64    // visible once more list requests than this are served
	apply func()    // makes it visible; called with s.mu held
}

// SetLateCommit changes how late changes made from now on become visible;
// changes already pending keep their schedule.
func (s *Server) SetLateCommit(lc LateCommit) {
	s.mu.Lock()
	s.late = lc
	s.mu.Unlock()
}

// PendingCommits is the number of changes made but not yet visible.
func (s *Server) PendingCommits() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.pending)
}

// commitLater schedules apply, a change made now, per s.late; it reports
// false when changes commit at once. Called with s.mu held.
func (s *Server) commitLater(apply func()) bool {
	if s.late == (LateCommit{}) {
		return false
	}
	s.pending = append(s.pending, pendingChange{
		at:    s.clock().Add(s.late.Delay),
		after: s.listRequests.Load() + uint64(max(s.late.Requests, 0)),
		apply: apply,
	})
	return true
}

// commitDue makes visible the pending changes whose time has come, in the
// order they were made, before list request n is served (0: a detail
// request, which does not count).
func (s *Server) commitDue(n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return
	}
	if n == 0 {
		n = s.listRequests.Load()
	}
	now := s.clock()
	kept := s.pending[:0]
	for _, c := range s.pending {
		if n > c.after && !now.Before(c.at) {
			c.apply()
			continue
		}
		kept = append(kept, c)
	}
	clear(s.pending[len(kept):])
	s.pending = kept
}

func (lc LateCommit) String() string {
	switch {
	case lc.Delay > 0 && lc.Requests > 0:
		return fmt.Sprintf("%s and %d list requests after they are made", lc.Delay, lc.Requests)
	case lc.Requests > 0:
		return fmt.Sprintf("%d list requests after they are made", lc.Requests)
	}
	return fmt.Sprintf("%s after they are made", lc.Delay)
}
