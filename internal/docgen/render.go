package docgen

import (
	"bytes"
	"encoding/json"
	"strings"
	"text/template"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// render renders one component's page from its spec. Benthos' own
// RenderDocs writes AsciiDoc for its website; this writes plain Markdown
// from the same TemplateData.
func render(kind, name string, view *service.ConfigView) (Page, error) {
	data, err := view.TemplateData()
	if err != nil {
		return Page{}, err
	}
	common, all, err := configExamples(kind, name, view)
	if err != nil {
		return Page{}, err
	}
	var categories []string
	if data.Categories != "" {
		if err := json.Unmarshal([]byte(data.Categories), &categories); err != nil {
			return Page{}, err
		}
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, map[string]any{"Kind": kind, "Marker": Marker, "D": data,
		"Common": common, "All": all, "Categories": strings.Join(categories, ", ")}); err != nil {
		return Page{}, err
	}
	return Page{Name: name, Kind: kind, Summary: firstSentence(data.Summary), File: name + ".md", Body: b.Bytes()}, nil
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"trim": strings.TrimSpace,
	// cell keeps a table cell one cell: GitHub splits cells at every
	// unescaped "|", inside backticks too.
	"cell": func(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "|", `\|`) },
}).Parse(`{{.Marker}} from the {{.D.Name}} spec; edit the spec, not this file. -->

# {{.D.Name}}

{{.Kind}} · {{.D.Status}}{{with .Categories}} · {{.}}{{end}}

{{trim .D.Summary}}

{{if eq .Common .All -}}
` + "```yaml" + `
{{trim .All}}
` + "```" + `
{{- else -}}
Common fields:

` + "```yaml" + `
{{trim .Common}}
` + "```" + `

<details>
<summary>All fields, advanced ones included</summary>

` + "```yaml" + `
{{trim .All}}
` + "```" + `

</details>
{{- end}}
{{- with trim .D.Description}}

## Description

{{.}}
{{- end}}
{{- if .D.Examples}}

## Examples
{{- range .D.Examples}}

### {{.Title}}

{{trim .Summary}}

` + "```yaml" + `
{{trim .Config}}
` + "```" + `
{{- end}}
{{- end}}
{{- if .D.Fields}}

## Fields
{{- range .D.Fields}}

### ` + "`{{.FullName}}`" + `

{{trim .Description}}

Type: ` + "`{{.Type}}`" + `{{with .DefaultMarshalled}} · default: ` + "`{{.}}`" + `{{end}}{{if .IsSecret}} · secret{{end}}{{if .IsInterpolated}} · [interpolated](https://docs.redpanda.com/redpanda-connect/configuration/interpolation/){{end}}{{with .Version}} · since {{.}}{{end}}
{{- if .AnnotatedOptions}}

| Option | Meaning |
|---|---|
{{- range .AnnotatedOptions}}
| ` + "`{{cell (index . 0)}}`" + ` | {{cell (index . 1)}} |
{{- end}}
{{- else if .Options}}

Options: {{range $i, $o := .Options}}{{if $i}}, {{end}}` + "`{{$o}}`" + `{{end}}.
{{- end}}
{{- if .ExamplesMarshalled}}

` + "```yaml" + `
{{- range $i, $e := .ExamplesMarshalled}}
{{- if $i}}
# or
{{- end}}
{{trim $e}}
{{- end}}
` + "```" + `
{{- end}}
{{- end}}
{{- end}}
{{with trim .D.Footnotes}}
{{.}}
{{end}}`))
