package main

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/redpanda-data/benthos/v4/public/service"
)

// environment is the plugin set the CLI runs, lints, echoes and lists: every
// registered component except those in leftOut. Benthos' io package
// registers them all at once, so they stay linked in; the CLI just never
// knows them, and a config naming one fails as an unknown component.
func environment() *service.Environment {
	return service.GlobalEnvironment().Without(leftOut...)
}

// inferredFrom matches Benthos' error for a component it does not know.
var inferredFrom = regexp.MustCompile(`unable to infer (\w+) type from candidates: \[(\w+)\]`)

// explainLeftOut rewrites Benthos' error for a component this build leaves
// out, which says only that it cannot infer the type, to say why and how to
// get it.
func explainLeftOut(text string) string {
	return inferredFrom.ReplaceAllStringFunc(text, func(m string) string {
		name := inferredFrom.FindStringSubmatch(m)[2]
		if !slices.Contains(leftOut, name) {
			return m
		}
		return fmt.Sprintf("%s: this build of revel-connect leaves %s out, as it runs programs or listens for data (see docs/security.md); build with -tags benthos_full to include it", m, name)
	})
}
