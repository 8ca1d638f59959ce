package poller

import (
	"strings"
	"sync"

	"github.com/redpanda-data/benthos/v4/public/bloblang"
	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"
)

// lintMethod lets `revel-connect lint` run parseConfig: Benthos lints a
// component only through Bloblang rules, so the spec's rule calls this
// method with the component's config.
const lintMethod = "revel_poller_lint"

// registerLintMethod adds the method to Bloblang's global environment. It
// must run before a spec using the rule is built, since building it parses
// the rule; the package's init calls it first.
func registerLintMethod() {
	spec := bloblang.NewPluginSpec().
		Description("Checks a revel_poller config and returns its problems; used by `lint`.")
	bloblang.MustRegisterMethodV2(lintMethod, spec, func(*bloblang.ParsedParams) (bloblang.Method, error) {
		return func(v any) (any, error) {
			problems := []any{}
			for _, p := range lintProblems(v) {
				problems = append(problems, p)
			}
			return problems, nil
		}, nil
	})
}

var (
	lintSpecOnce sync.Once
	lintSpec     *service.ConfigSpec
)

// lintProblems re-parses a raw config through the spec and parseConfig, so
// lint and run can never disagree.
func lintProblems(v any) []string {
	raw, err := yaml.Marshal(v)
	if err != nil {
		return []string{err.Error()}
	}
	lintSpecOnce.Do(func() { lintSpec = Spec() })
	pc, err := lintSpec.ParseYAML(string(raw), nil)
	if err != nil {
		// Field types and required fields are reported by Benthos itself.
		return nil
	}
	// Notes stay out: Benthos has no warning level for a component's lint
	// rule, and any lint fails `lint` and stops `run` (unless --chilled),
	// so notes are logged at startup instead.
	_, err = parseConfig(pc)
	return splitErrors(err)
}

func splitErrors(err error) []string {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range joined.Unwrap() {
			out = append(out, splitErrors(e)...)
		}
		return out
	}
	return []string{strings.TrimSpace(err.Error())}
}
