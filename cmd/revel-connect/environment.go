package main

import "github.com/redpanda-data/benthos/v4/public/service"

// environment is the plugin set the CLI runs, lints, echoes and lists: every
// registered component except those in leftOut. Benthos' io package
// registers them all at once, so they stay linked in; the CLI just never
// knows them, and a config naming one fails as an unknown component.
func environment() *service.Environment {
	return service.GlobalEnvironment().Without(leftOut...)
}
