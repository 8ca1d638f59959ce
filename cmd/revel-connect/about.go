package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/redpanda-data/benthos/v4/public/service"
	"github.com/urfave/cli/v2"
)

const (
	// summary is what revel-connect is, for the root help.
	summary = "Revel Systems POS change events: polls Revel and delivers every record created, updated or deleted, over Benthos"
	// docsURL is where our own documentation lives.
	docsURL = "https://github.com/revel-connect/revel-connect/tree/main/docs"
	// benthosDocsURL is the base Benthos' own help texts append paths such
	// as /guides/bloblang/about to; those pages live in Redpanda's docs.
	benthosDocsURL = "https://docs.redpanda.com/redpanda-connect"
	benthosModule  = "github.com/redpanda-data/benthos/v4"
)

// benthosVersion is the version of the Benthos module linked into this
// binary, from its build info; "unknown" only in a binary built without
// module support.
func benthosVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, m := range info.Deps {
		if m.Path == benthosModule {
			if m.Replace != nil && m.Replace.Version != "" {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return "unknown"
}

// rootHelp replaces the help text Benthos' CLI prints for the binary itself,
// which calls it "a stream processor for mundane tasks" and suggests
// `create kafka//file`, a component this build lacks.
var rootHelp = `NAME:
   {{.HelpName}} - ` + summary + `

USAGE:
   {{.HelpName}} [global options] command [command options]

DESCRIPTION:
   Try it with no Revel account:    {{.HelpName}} demo
   Start a pipeline of your own:    {{.HelpName}} create revel_poller//http_client > ./config.yaml
   Check and run it:                {{.HelpName}} lint ./config.yaml && {{.HelpName}} run ./config.yaml
   Components in this build:        {{.HelpName}} list inputs outputs

   Documentation: ` + docsURL + `
{{- if .VisibleCommands}}

COMMANDS:{{template "visibleCommandCategoryTemplate" .}}{{end}}{{if .VisibleFlags}}

GLOBAL OPTIONS:{{template "visibleFlagTemplate" .}}{{end}}
`

// aboutOpts brand Benthos' CLI as revel-connect: the root help, and the
// versions (see logVersions). Benthos is given its own version, which is what it means by
// benthos_version in its logs, its engine version and GET /version; ours
// is printed by --version and logged once at start.
func aboutOpts() []service.CLIOptFunc {
	cli.AppHelpTemplate = rootHelp
	bv := benthosVersion()
	return []service.CLIOptFunc{
		service.CLIOptSetBinaryName("revel-connect"),
		service.CLIOptSetProductName("revel-connect"),
		service.CLIOptSetVersion(bv, dateBuilt),
		service.CLIOptSetDocumentationURL(benthosDocsURL),
	}
}

// logVersions logs both versions when run or streams starts; Benthos'
// logger-init hook calls it (security.go sets the one hook there is).
func logVersions(l *service.Logger) {
	bv := benthosVersion()
	l.With("version", version, "benthos_version", bv).Infof("revel-connect %s (Benthos %s)", version, bv)
}

// printVersion answers --version and -v for both programs.
func printVersion(w io.Writer) {
	fmt.Fprintf(w, "revel-connect %s\nBenthos %s\nBuilt %s\n", version, benthosVersion(), dateBuilt)
}
