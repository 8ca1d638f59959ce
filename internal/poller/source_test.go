package poller

import "testing"

// A base_url's user info (a proxy's credentials) must not travel in every
// CloudEvent's source.
func TestDefaultSourceDropsUserInfo(t *testing.T) {
	for _, c := range []struct{ base, want string }{
		{"https://acme.revelup.com", "https://acme.revelup.com/employees"},
		{"http://proxy:proxy-pass@127.0.0.1:8081", "http://127.0.0.1:8081/employees"},
		{"http://token@127.0.0.1:8081/revel", "http://127.0.0.1:8081/revel/employees"},
	} {
		if got := defaultSource(c.base, "employees"); got != c.want {
			t.Errorf("defaultSource(%q) = %q, want %q", c.base, got, c.want)
		}
	}
}
