package docgen

import (
	"encoding/json"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"
)

// Benthos' own example configs (TemplateData's CommonConfigYAML) drop the
// key level of a map of objects, showing resources.url where users must
// write resources.<name>.url, so the pages build their examples from the
// spec's field tree instead.

// field is the part of a field's spec (ConfigView.FormatJSON) an example
// config needs.
type field struct {
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Kind       string            `json:"kind"` // scalar, array, 2darray or map
	Advanced   bool              `json:"is_advanced"`
	Deprecated bool              `json:"is_deprecated"`
	Optional   bool              `json:"is_optional"`
	Default    json.RawMessage   `json:"default"`
	Examples   []json.RawMessage `json:"examples"`
	Children   []field           `json:"children"`
}

// configExamples returns example configs of the component: common fields
// only, and all of them.
func configExamples(kind, name string, view *service.ConfigView) (common, all string, err error) {
	raw, err := view.FormatJSON()
	if err != nil {
		return "", "", err
	}
	var spec struct {
		Config field `json:"config"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return "", "", err
	}
	head, indent := wrapper(kind, name)
	var c, a strings.Builder
	writeFields(&c, spec.Config.Children, indent, false)
	writeFields(&a, spec.Config.Children, indent, true)
	return head + c.String(), head + a.String(), nil
}

// wrapper is where a component of kind sits in a pipeline file, and the
// indentation of its fields there.
func wrapper(kind, name string) (string, string) {
	switch kind {
	case "cache", "rate_limit":
		return kind + "_resources:\n  - label: my_" + kind + "\n    " + name + ":\n", "      "
	case "processor":
		return "pipeline:\n  processors:\n    - " + name + ":\n", "        "
	case "scanner":
		return name + ":\n", "  "
	}
	return kind + ":\n  " + name + ":\n", "    "
}

func writeFields(b *strings.Builder, fields []field, indent string, advanced bool) {
	for _, f := range fields {
		if f.Deprecated || (f.Advanced && !advanced) {
			continue
		}
		b.WriteString(indent + f.Name + ":")
		if len(f.Children) > 0 && f.Optional {
			b.WriteString(" # optional")
		}
		switch {
		case len(f.Children) > 0 && f.Kind == "map":
			b.WriteString("\n" + indent + "  <name>:\n")
			writeFields(b, f.Children, indent+"    ", advanced)
		case len(f.Children) > 0 && f.Kind == "array":
			var item strings.Builder
			writeFields(&item, f.Children, indent+"    ", advanced)
			b.WriteString("\n" + indent + "  - " + strings.TrimPrefix(item.String(), indent+"    "))
		case len(f.Children) > 0:
			b.WriteString("\n")
			writeFields(b, f.Children, indent+"  ", advanced)
		default:
			b.WriteString(" " + value(f) + "\n")
		}
	}
}

// value is a leaf's default, or else an example (or nothing) marked
// optional or required.
func value(f field) string {
	mark := " # no default: set it"
	if f.Optional {
		mark = " # optional"
	}
	switch {
	case f.Default != nil:
		return inline(f.Default)
	case len(f.Examples) > 0:
		return inline(f.Examples[0]) + mark
	}
	return mark[1:]
}

// inline renders a JSON value as YAML on one line: scalars plain where
// YAML allows, lists and maps in flow style.
func inline(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	switch v.(type) {
	case []any, map[string]any:
		return string(raw)
	}
	out, err := yaml.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return strings.TrimSuffix(string(out), "\n")
}
