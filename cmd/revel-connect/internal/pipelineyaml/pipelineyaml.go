// Package pipelineyaml writes the parts of a pipeline file that both of the
// binary's generators write, the demo's pipeline and `import`'s, so the two
// stay one shape. Its functions are template functions (Funcs).
package pipelineyaml

import (
	"strings"
	"text/template"
)

// CheckpointLabel is the label of the cache revel_poller checkpoints in.
const CheckpointLabel = "checkpoints"

// Funcs are the snippets by their template names.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"env":             EnvDefault,
		"checkpointCache": CheckpointCache,
		"callbackOutput":  CallbackOutput,
	}
}

// EnvDefault writes a ${NAME:default} reference, ${NAME} when def is
// empty. Benthos ends the default at the first "}", so def must not hold
// one.
func EnvDefault(name, def string) string {
	if def == "" {
		return "${" + name + "}"
	}
	return "${" + name + ":" + def + "}"
}

// CheckpointCache is the cache_resources section: an atomic_file cache
// labelled CheckpointLabel writing to directory, a YAML scalar.
func CheckpointCache(directory string) string {
	return "cache_resources:\n" +
		"  - label: " + CheckpointLabel + "\n" +
		"    atomic_file:\n" +
		"      directory: " + directory
}

// CallbackOutput is the start of an output, component http_client or
// http_callback, POSTing each notification to url (a YAML scalar) as Cloud
// Elements' callbacks received it, up to the last header; urlNote, unless
// empty, is a comment above url. Lines after the first are indented by
// indent spaces, the first line's indentation in the template; further
// headers go at indent+4, the output's other fields at indent+2.
func CallbackOutput(component, url, urlNote string, indent int) string {
	lines := []string{component + ":"}
	if urlNote != "" {
		lines = append(lines, "  # "+urlNote)
	}
	lines = append(lines,
		"  url: "+url,
		"  verb: POST",
		"  headers:",
		"    Content-Type: application/json",
		"    # The event's id, the same when a notification is delivered again.",
		"    Elements-Webhook-Id: ${! @revel_event_id }",
	)
	return strings.Join(lines, "\n"+strings.Repeat(" ", indent))
}
