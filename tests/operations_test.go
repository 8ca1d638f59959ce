package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revel-connect/revel-connect/revelsim"
)

func TestReconciliationFindsHardDeletes(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, sim.Insert("TimeSheetEntry", map[string]any{"clock_out": nil}))
	}
	dir := t.TempDir()
	conf := pollerConf(base, dir, "", resource("timesheets", "/resources/TimeSheetEntry/", "reconcile_interval: 50ms"))
	baseline := filepath.Join(dir, "revel_poller.timesheets.ids")
	baselineHas := func(n int) func() bool {
		return func() bool {
			b, err := os.ReadFile(baseline)
			return err == nil && strings.Contains(string(b), fmt.Sprintf(`"count":%d`, n))
		}
	}

	out := &sink{}
	p := run(t, conf, out)
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 5 })
	eventually(t, func() string { return "baseline of 5 ids" }, baselineHas(5))

	for _, id := range ids[1:3] {
		if err := sim.Delete("TimeSheetEntry", id); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, func() string { return fmt.Sprint(out.changes()) }, func() bool { return out.count() == 7 })
	eventually(t, func() string { return "baseline of 3 ids" }, baselineHas(3))
	p.stop(t)

	// A restart finds the deletions already delivered.
	again := &sink{}
	p2 := run(t, conf, again)
	eventually(t, func() string { return "listings after restart\n" + p2.logs.String() }, cycles(sim, "/resources/TimeSheetEntry/", 10))

	got := out.changes()
	for i, id := range ids {
		want := 0
		if i == 1 || i == 2 {
			want = 1
		}
		if n := got[fmt.Sprintf("timesheets/%d/DELETED", id)]; n != want {
			t.Errorf("timesheet %d: %d DELETED events, want %d", id, n, want)
		}
	}
	for _, r := range out.all() {
		e := r.n.Message.Events[0]
		if e.EventType != "DELETED" {
			continue
		}
		if string(r.n.Message.Raw["timesheets"]) != fmt.Sprintf(`[{"id":%s}]`, e.ObjectID) {
			t.Errorf("a deletion's raw record = %s", r.n.Message.Raw["timesheets"])
		}
	}
	if again.count() != 0 {
		t.Fatalf("after restart %d events were delivered again: %v", again.count(), again.changes())
	}
	var listings int
	for _, r := range sim.Requests() {
		if r.Query.Get("fields") == "id" {
			listings++
			if r.Query.Has("updated_date__gte") || r.Query.Get("limit") != "1000" {
				t.Fatalf("id listing query %v", r.Query)
			}
		}
	}
	if listings < 3 {
		t.Fatalf("%d id listings", listings)
	}
}

func TestOAuth2APIPlatform(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{APIKey: "-", APISecret: "-", OAuth: &revelsim.OAuth{ClientID: "partner", ClientSecret: "partner-secret", Merchant: "acme"}})
	for i := 0; i < 3; i++ {
		sim.Insert("Employee", nil)
	}
	conf := strings.Replace(pollerConf(base, "", fmt.Sprintf(`    oauth2:
      enabled: true
      client_id: partner
      client_secret: partner-secret
      token_url: %s%s
      client_id_header: acme
`, base, revelsim.TokenPath), resource("employees", "/resources/Employee/", "")),
		"    api_key: "+apiKey+"\n    api_secret: "+apiSecret+"\n", "", 1)
	out := &sink{}
	p := run(t, conf, out)
	eventually(t, func() string { return "first events" }, func() bool { return out.count() == 3 })
	sim.RevokeTokens()
	sim.Insert("Employee", nil)
	eventually(t, func() string { return "event after the token was revoked" }, func() bool { return out.count() == 4 })
	if n := sim.TokensIssued(); n != 2 {
		t.Fatalf("%d tokens issued, want 2 (one renewal after the revocation)", n)
	}
	if strings.Contains(p.logs.String(), "partner-secret") {
		t.Fatal("the client secret was logged")
	}
}

func TestCatchUpStaysWithinTheRequestBudget(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 100; i++ {
		sim.Insert("Employee", nil)
	}
	dir := t.TempDir()
	out := &sink{}
	conf := strings.Replace(pollerConf(base, dir, "    max_requests_per_poll: 3\n", resource("employees", "/resources/Employee/", "page_size: 10")),
		"refresh_interval: 20ms", "refresh_interval: 1h", 1)
	p := run(t, conf, out)
	eventually(t, func() string { return fmt.Sprintf("%d delivered", out.count()) }, func() bool { return out.count() == 30 })
	eventually(t, func() string { return "paused cycle saved" }, func() bool {
		b, err := os.ReadFile(filepath.Join(dir, "revel_poller.employees"))
		return err == nil && strings.Contains(string(b), `"after_id":"30"`)
	})
	p.stop(t)
	if n := len(sim.Requests()); n != 3 {
		t.Fatalf("the first poll made %d requests, want its budget of 3", n)
	}
	// The next poll resumes the cycle where it paused.
	rest := &sink{}
	run(t, conf, rest)
	eventually(t, func() string { return fmt.Sprintf("%d more", rest.count()) }, func() bool { return rest.count() == 30 })
	if first := rest.all()[0].meta["revel_object_id"]; first != "31" {
		t.Fatalf("the resumed poll began at object %s, want 31", first)
	}
}

func TestCaughtUpPollIsOneRequest(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	for i := 0; i < 5; i++ {
		sim.Insert("Employee", nil)
	}
	out := &sink{}
	run(t, pollerConf(base, "", "", resource("employees", "/resources/Employee/", "")), out)
	eventually(t, func() string { return "caught up" }, func() bool { return out.count() == 5 })
	sim.ResetRequests()
	eventually(t, func() string { return "polls" }, cycles(sim, "/resources/Employee/", 10))
	for _, r := range sim.Requests() {
		if r.Query.Has("id__gt") || r.Query.Has("offset") {
			t.Fatalf("a caught-up poll needed a second page: %v", r.Query)
		}
	}
}
