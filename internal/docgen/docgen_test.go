package docgen

import (
	"strings"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// A component registered beyond Benthos' own gets a page with its summary,
// description, example config and every field.
func TestPagesDocumentOtherComponents(t *testing.T) {
	env := service.NewEnvironment()
	spec := service.NewConfigSpec().Beta().Summary("Keeps nothing. Really.").Description("Why: tests.").
		Field(service.NewStringField("directory").Description("Where nothing is kept.").Example("/var/lib/x")).
		Field(service.NewStringField("token").Secret().Default("").Description("Not needed.")).
		Field(service.NewStringEnumField("mode", "a", "b").Advanced().Default("a").Description("A mode.")).
		Field(service.NewStringAnnotatedEnumField("shape", map[string]string{"flat": "`x|y` pairs"}).Default("flat").Description("A shape.")).
		Field(service.NewObjectMapField("things", service.NewStringField("path").Description("A path."),
			service.NewIntField("size").Optional().Description("A size.")).Description("Things by name."))
	if err := env.RegisterCache("test_nothing", spec, func(*service.ParsedConfig, *service.Resources) (service.Cache, error) {
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	pages, err := Pages(env)
	if err != nil || len(pages) != 1 {
		t.Fatalf("pages %v, error %v", pages, err)
	}
	p := pages[0]
	body := string(p.Body)
	for _, want := range []string{
		Marker, "# test_nothing\n", "cache · beta", "Keeps nothing. Really.", "## Description\n\nWhy: tests.",
		// Users write things.<name>.path: the example must have that level.
		"Common fields:\n\n```yaml\ncache_resources:\n  - label: my_cache\n    test_nothing:\n" +
			"      directory: /var/lib/x # no default: set it\n      token: \"\"\n      shape: flat\n" +
			"      things:\n        <name>:\n          path: # no default: set it\n          size: # optional\n```",
		"All fields, advanced ones included", "      mode: a\n",
		"### `things.<name>.path`\n\nA path.",
		"### `directory`\n\nWhere nothing is kept.\n\nType: `string`\n\n```yaml\ndirectory: /var/lib/x\n```",
		"### `token`\n\nNot needed.\n\nType: `string` · default: `\"\"` · secret",
		"Options: `a`, `b`.",
		"| `flat` | `x\\|y` pairs |\n", // one cell, not two
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if p.File != "test_nothing.md" || p.Kind != "cache" || p.Summary != "Keeps nothing." {
		t.Errorf("page %+v", p)
	}
	if idx := string(Index(pages)); !strings.Contains(idx, "| [`test_nothing`](test_nothing.md) | cache | Keeps nothing. |") {
		t.Errorf("index:\n%s", idx)
	}
}
