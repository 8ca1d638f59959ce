package httpurl

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		raw string
		ok  bool
	}{
		{"https://acme.revelup.com", true},
		{"http://127.0.0.1:8081/events", true},
		{"HTTPS://acme.revelup.com/x?y=1", true},
		{"acme.revelup.com", false},
		{"/resources/Employee/", false},
		{"ftp://example.com/file", false},
		{"https://", false},
		{"https:///path", false},
		{"http://[::1", false},
		{"", false},
	} {
		u, err := Parse(tc.raw)
		if tc.ok != (err == nil) {
			t.Errorf("Parse(%q) = %v, %v; want ok %v", tc.raw, u, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), `"`+tc.raw+`" is not an absolute http(s) URL`) {
			t.Errorf("Parse(%q) error %q does not quote the URL", tc.raw, err)
		}
	}
	_, err := Parse("ftp://user:hunter2@example.com/")
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "ftp://user:xxxxx@example.com/") {
		t.Errorf("error %v shows the password, or not the URL", err)
	}
}
