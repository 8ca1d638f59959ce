package revelsim_test

import (
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

func TestLateCommitAfterRequests(t *testing.T) {
	s := revelsim.New(revelsim.Options{})
	const path = "/resources/Employee/?order_by=id"
	s.Insert("Employee", nil)
	s.SetLateCommit(revelsim.LateCommit{Requests: 2})
	late := s.Insert("Employee", map[string]any{"updated_date": "2026-06-01T12:00:00"})
	s.SetLateCommit(revelsim.LateCommit{})
	if err := s.Update("Employee", 1, map[string]any{"first_name": "Visible"}); err != nil {
		t.Fatal(err)
	}
	for request := 1; request <= 2; request++ {
		wantIDs(t, path, ids(list(t, s, path)), 1)
	}
	if n := s.PendingCommits(); n != 1 {
		t.Fatalf("PendingCommits = %d, want 1", n)
	}
	env := list(t, s, path) // the third request
	wantIDs(t, path, ids(env), 1, late)
	if got := env.Objects[1]["updated_date"]; got != "2026-06-01T12:00:00" {
		t.Fatalf("the late row is stamped %v, want the time it was made", got)
	}
	if n := s.PendingCommits(); n != 0 {
		t.Fatalf("PendingCommits = %d after the commit", n)
	}
	// An auto id is taken when the change is made, not when it commits.
	if next := s.Insert("Employee", nil); next != late+1 {
		t.Fatalf("next id %d, want %d", next, late+1)
	}
}

func TestLateCommitAfterDelay(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	s := revelsim.New(revelsim.Options{Clock: clock.Now, Quirks: revelsim.Quirks{LateCommit: revelsim.LateCommit{Delay: 300 * time.Millisecond}}})
	const path = "/resources/Employee/"
	id := s.Insert("Employee", map[string]any{"first_name": "Before"})
	if got := ids(list(t, s, path)); len(got) != 0 {
		t.Fatalf("an uncommitted insert is visible: %v", got)
	}
	clock.Set(clock.Now().Add(300 * time.Millisecond))
	env := list(t, s, path)
	wantIDs(t, path, ids(env), id)
	stamped := env.Objects[0]["updated_date"]

	if err := s.Update("Employee", id, map[string]any{"first_name": "After"}); err != nil {
		t.Fatal(err)
	}
	clock.Set(clock.Now().Add(100 * time.Millisecond))
	if got := list(t, s, path).Objects[0]["first_name"]; got != "Before" {
		t.Fatalf("an uncommitted update is visible: %v", got)
	}
	clock.Set(clock.Now().Add(200 * time.Millisecond))
	env = list(t, s, path)
	if env.Objects[0]["first_name"] != "After" || env.Objects[0]["updated_date"] == stamped {
		t.Fatalf("after the delay the update is %v", env.Objects[0])
	}
}
