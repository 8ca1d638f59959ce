package fleet

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// A tenant's Benthos components log what they like: http_client's send
// error names its URL, password included, and Benthos' messages end in a
// newline. The replica's log shows neither.
func TestReplicaLogRedactsURLUserInfo(t *testing.T) {
	for _, format := range []string{"logfmt", "json"} {
		t.Run(format, func(t *testing.T) {
			c := &RootConfig{}
			c.Logger.Level = "DEBUG"
			c.Logger.Format = format
			var buf bytes.Buffer
			log, err := c.NewLogger(&buf)
			if err != nil {
				t.Fatal(err)
			}
			log = log.With("tenant", "acme", "base", "http://u:grouppass1@h/")
			log.Error("Failed to send message to http_client: http://cbuser:CBPASS777@127.0.0.1:9/x: refused\n",
				"url", "https://k:attrpass2@example.com/hook", slog.Group("g", "dsn", "kafka://a:grppass3@k:9092"))
			out := buf.String()
			for _, secret := range []string{"CBPASS777", "attrpass2", "grppass3", "grouppass1"} {
				if strings.Contains(out, secret) {
					t.Errorf("the log shows %s: %s", secret, out)
				}
			}
			if strings.Contains(out, `\n`) {
				t.Errorf("the message keeps its newline as a literal \\n: %s", out)
			}
			if !strings.Contains(out, "http://cbuser:xxxxx@127.0.0.1:9/x") || !strings.Contains(out, "tenant") {
				t.Errorf("the redacted line lost its content: %s", out)
			}
		})
	}
}

// An unknown field is named with its section, not with Go's type.
func TestRootConfigUnknownFieldNamesItsSection(t *testing.T) {
	for raw, want := range map[string]string{
		"http:\n  address: 127.0.0.1:4195\n  basic_auth:\n    enabled: true\n": "line 3: field basic_auth not found in http",
		"logger:\n  add_timestamp: true\n":                                     "line 2: field add_timestamp not found in logger",
		"input:\n  stdin: {}\n":                                                "line 1: field input not found in the root config",
	} {
		_, err := ParseRootConfig([]byte(raw))
		if err == nil {
			t.Fatalf("%q: no error", raw)
		}
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "struct") || strings.Contains(err.Error(), "fleet.RootConfig") {
			t.Errorf("%q: error %q, want it to say %q and no Go type", raw, err, want)
		}
	}
}
