package fleet

import (
	"strings"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
)

func TestLintRefusesWhatAReplicaWouldRefuse(t *testing.T) {
	env, err := NewEnvironment(service.GlobalEnvironment(), nil, NewMetrics())
	if err != nil {
		t.Fatal(err)
	}
	poller := func(extra string) string {
		return `input:
  revel_poller:
    base_url: http://127.0.0.1:1
    api_key: k
    api_secret: s
` + extra + `    resources:
      employees:
        url: /resources/Employee/
        id_field: id
output:
  drop: {}
`
	}
	for _, c := range []struct {
		name, id, conf, want string
	}{
		{"ok", "acme", poller("    checkpoint_cache: state\n"), ""},
		{"a bad id", "a/b", poller("    checkpoint_cache: state\n"), "tenant id"},
		{"not YAML", "acme", "input: [", "not YAML"},
		{"no input", "acme", "output:\n  drop: {}\n", "no input"},
		{"root fields", "acme", "http:\n  address: 0.0.0.0:4195\n" + poller("    checkpoint_cache: state\n"), "http is not part of a tenant's stream"},
		{"no checkpoint cache", "acme", poller(""), "checkpoint_cache is not set"},
		{"another cache", "acme", poller("    checkpoint_cache: checkpoints\n"), `no cache named "checkpoints"`},
		{"a cache named state", "acme", poller("    checkpoint_cache: state\n") + "cache_resources:\n  - label: state\n    memory: {}\n", "the label the fleet gives"},
		{"an unknown field", "acme", poller("    checkpoint_cache: state\n    no_such_field: 1\n"), "no_such_field"},
		// A callback URL no request can go to would be retried for ever.
		{"a callback URL that does not parse", "acme", strings.Replace(poller("    checkpoint_cache: state\n"), "drop: {}", "http_callback:\n    url: http://u:pw1234@127.0.0.1:1/%zz", 1), "url: give an absolute http(s) URL"},
		{"a callback URL without a scheme", "acme", strings.Replace(poller("    checkpoint_cache: state\n"), "drop: {}", "http_callback:\n    url: 127.0.0.1:9000/events", 1), "url: give an absolute http(s) URL"},
		{"a callback URL interpolated per message", "acme", strings.Replace(poller("    checkpoint_cache: state\n"), "drop: {}", "http_callback:\n    url: http://127.0.0.1:1/${! meta(\"x\") }", 1), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Lint(env, c.id, c.conf)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one containing %q", err, c.want)
			case err != nil && strings.Contains(err.Error(), "pw1234"):
				t.Errorf("the error shows the URL's password: %v", err)
			}
		})
	}
}

// A tenant whose config reads an unset variable is refused with the
// variable named: the replica (or tenants put) resolves ${VAR} from its own
// environment, and the lint error alone ("api_key and api_secret go
// together") would not say why.
func TestLintNamesUnsetVariables(t *testing.T) {
	env, err := NewEnvironment(service.GlobalEnvironment(), nil, NewMetrics())
	if err != nil {
		t.Fatal(err)
	}
	conf := `input:
  revel_poller:
    base_url: ${RC_FLEET_TEST_SET_BASE:http://127.0.0.1:1}
    api_key: k
    api_secret: ${RC_FLEET_TEST_UNSET_SECRET}
    checkpoint_cache: state
    resources:
      employees:
        url: /resources/Employee/?updated_date__gte=${{DateTimeZone:UTC:yyyy-MM-dd'T'HH:mm:ss}}
        id_field: id
output:
  drop: {}
`
	err = Lint(env, "acme", conf)
	if err == nil {
		t.Fatal("a config with an empty api_secret passed lint")
	}
	if !strings.Contains(err.Error(), "RC_FLEET_TEST_UNSET_SECRET") {
		t.Errorf("the error does not name the unset variable: %v", err)
	}
	for _, not := range []string{"RC_FLEET_TEST_SET_BASE", "DateTimeZone"} {
		if strings.Contains(err.Error(), not) {
			t.Errorf("the error names %s, which is not an unset variable: %v", not, err)
		}
	}
}
