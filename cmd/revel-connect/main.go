// Command revel-connect is a Benthos distribution with the revel_poller
// input: Benthos' core components plus ours, so YAML pipelines can poll Revel
// and deliver change events anywhere.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/redpanda-data/benthos/v4/public/service"

	_ "github.com/redpanda-data/benthos/v4/public/components/io"
	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	_ "github.com/revel-connect/revel-connect/plugin/revelpoller"
)

// Set at build time: -ldflags "-X main.version=v1.2.3 -X main.dateBuilt=2026-11-27T00:00:00Z".
var (
	version   = "dev"
	dateBuilt = "unknown"
)

func main() {
	code, err := service.RunCLIToCode(context.Background(),
		service.CLIOptSetBinaryName("revel-connect"),
		service.CLIOptSetProductName("revel-connect"),
		service.CLIOptSetVersion(version, dateBuilt),
		service.CLIOptSetDocumentationURL("https://github.com/revel-connect/revel-connect/tree/main/docs"),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
