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
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Lint(env, c.id, c.conf)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
