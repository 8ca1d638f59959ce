// Command revel-connect is a Benthos distribution with the revel_poller
// input: Benthos' core components plus ours, so YAML pipelines can poll Revel
// and deliver change events anywhere.
package main

import (
	"context"
	"os"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	_ "github.com/revel-connect/revel-connect/plugin/revelpoller"
)

// Set at build time: -ldflags "-X main.version=v1.2.3 -X main.dateBuilt=2026-11-27T00:00:00Z".
var (
	version   = "dev"
	dateBuilt = "unknown"
)

// commands are revel-connect's own subcommands, beside Benthos' run, lint,
// streams and the rest; each file that defines one appends it in init.
var commands []*cli.Command

func main() {
	opts := aboutOpts()
	opts = append(opts, secureCLIOpts(environment())...)
	for _, c := range commands {
		opts = append(opts, service.CLIOptAddCommand(c))
	}
	os.Exit(runCLI(context.Background(), os.Args, opts))
}
