package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/revel-connect/revel-connect/cmd/revel-connect/internal/pipelineyaml"
	"github.com/revel-connect/revel-connect/internal/httpurl"
	"github.com/revel-connect/revel-connect/internal/timefmt"
)

// pipelineOptions shape the pipeline that `demo` runs and prints and that
// `simulator` suggests. Connection settings are written as environment
// references with defaults, so the printed file runs unchanged against
// `revel-connect simulator` and, with the variables exported, elsewhere;
// the demo supplies its own values through the same variables.
type pipelineOptions struct {
	zone        string        // IANA zone of the tenant's naive dates
	interval    time.Duration // refresh_interval
	baseURL     string        // default of ${REVEL_BASE_URL}
	apiKey      string        // default of ${REVEL_API_KEY}
	apiSecret   string        // default of ${REVEL_API_SECRET}; empty = no default, so it is never written down
	stateDir    string        // default of ${REVEL_STATE_DIR}
	output      string        // callback URL; empty = stdout
	runCommands []string      // how the header comment says to run it
}

// pollerResource is one resource the demo pipeline polls.
type pollerResource struct {
	Name, Path, HubKey string
	SoftDelete         bool // Revel flags these deleted=true instead of removing them
	HardDelete         bool // Revel removes these outright: only listing ids finds it
}

// demoResources are what a restaurant integration usually wants; Revel
// sends webhooks for none of their edits.
var demoResources = []pollerResource{
	{Name: "employees", Path: "/resources/Employee/", HubKey: "employee"},
	{Name: "timesheets", Path: "/resources/TimeSheetEntry/", HubKey: "employee", HardDelete: true},
	{Name: "orders", Path: "/resources/Order/", HubKey: "pos", SoftDelete: true},
	{Name: "payments", Path: "/resources/Payment/", HubKey: "pos"},
}

// reconcileEvery is how many polls apart the id listings that find hard
// deletes are: each lists every id, so they are sparser than polls.
const reconcileEvery = 5

// validZone accepts the zone ids revel_poller accepts (timefmt.LoadZone:
// IANA names, Java short ids such as PST, offsets). The location's name,
// which the pipeline is written with, is one LoadZone reads back: PST
// becomes America/Los_Angeles, -8:00 becomes -08:00.
func validZone(name string) (*time.Location, error) {
	loc, err := timefmt.LoadZone(name)
	if err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	return loc, nil
}

// parseInterval reads --interval: a duration such as 2s or 500ms, or a
// bare number of seconds.
func parseInterval(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, numErr := strconv.ParseFloat(v, 64)
		if numErr != nil {
			return 0, fmt.Errorf("interval %q: give a duration such as 2s or 500ms, or a number of seconds", v)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("interval %q: give a duration longer than zero, such as 2s", v)
	}
	return d, nil
}

func validCallback(raw string) error {
	if _, err := httpurl.Parse(raw); err != nil || strings.Contains(raw, "${") {
		return fmt.Errorf("output %q: give an absolute http(s) URL such as http://127.0.0.1:9000/events", raw)
	}
	return nil
}

// pipelineParts are a pipeline's sections as StreamBuilder takes them:
// input and output components, and the resources.
type pipelineParts struct {
	header, input, resources, output string
}

// parts renders the pipeline's sections. The options are checked where
// they are read (parseDemoFlags; the simulator's are constants).
func (o pipelineOptions) parts() (pipelineParts, error) {
	data := map[string]any{
		"Zone":        o.zone,
		"Interval":    o.interval.String(),
		"Reconcile":   (reconcileEvery * o.interval).String(),
		"BaseURL":     o.baseURL,
		"APIKey":      o.apiKey,
		"APISecret":   o.apiSecret,
		"StateDir":    o.stateDir,
		"Output":      o.output,
		"Resources":   demoResources,
		"RunCommands": o.runCommands,
	}
	var p pipelineParts
	for name, dst := range map[string]*string{"header": &p.header, "input": &p.input, "resources": &p.resources, "output": &p.output} {
		var b strings.Builder
		if err := pipelineTemplates.ExecuteTemplate(&b, name, data); err != nil {
			return p, err
		}
		*dst = b.String()
	}
	return p, nil
}

// yaml is the whole pipeline file.
func (p pipelineParts) yaml() string {
	return p.header + "input:\n" + indent(p.input) + "\n" + p.resources + "\noutput:\n" + indent(p.output) + "\n" + httpSection
}

// httpSection keeps Benthos' HTTP server on loopback, written out so that a
// printed pipeline says so wherever it runs.
const httpSection = `# Benthos' HTTP server (/ready, /ping, /metrics) answers this machine only.
http:
  address: ` + defaultHTTPAddress + "\n"

func indent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "")
}

var pipelineTemplates = template.Must(template.New("pipeline").Funcs(pipelineyaml.Funcs()).Funcs(template.FuncMap{
	"quote": strconv.Quote, // a Go quoted string is a valid YAML double-quoted scalar
}).Parse(`
{{- define "header" -}}
# Polls a Revel tenant's employees, timesheets, orders and payments every
# {{.Interval}} and {{if .Output}}POSTs each change, as a Cloud Elements event notification,
# to {{.Output}}{{else}}prints each change as a Cloud Elements event notification{{end}}.
#
{{- range .RunCommands}}
#   {{.}}
{{- end}}
#
# By default it polls ` + "`revel-connect simulator`" + `. For a real tenant set
# REVEL_BASE_URL=https://<subdomain>.revelup.com, REVEL_API_KEY and
# REVEL_API_SECRET, and set the zone below to the tenant's (Revel reports it
# as meta.time_zone). start_from: earliest replays all history first.
{{end -}}

{{- define "input" -}}
revel_poller:
  base_url: {{env "REVEL_BASE_URL" .BaseURL}}
  api_key: {{env "REVEL_API_KEY" .APIKey}}
  api_secret: {{env "REVEL_API_SECRET" .APISecret}}
  refresh_interval: {{.Interval}}
  start_from: earliest
  # Re-read a little before the cursor so that a change committed while a
  # poll was reading is still found; repeats are suppressed.
  poll_delay: 5s
  checkpoint_cache: checkpoints
  instance:
    name: demo
  resources:
{{- range .Resources}}
    {{.Name}}:
      url: {{.Path}}?updated_date__gte=${{"{{"}}DateTimeZone:{{$.Zone}}:yyyy-MM-dd'T'HH:mm:ss.SSSSSS{{"}}"}}
      id_field: id
      hub_key: {{.HubKey}}
      dates_configuration:
        updated_date_timezone: {{$.Zone}}
        created_date_timezone: {{$.Zone}}
{{- if .SoftDelete}}
      deleted_field: deleted
{{- end}}
{{- if .HardDelete}}
      audit_full_interval: {{$.Reconcile}}
{{- end}}
{{- end}}
{{end -}}

{{- define "resources" -}}
{{checkpointCache (env "REVEL_STATE_DIR" .StateDir)}}
{{end -}}

{{- define "output" -}}
{{- if .Output -}}
{{callbackOutput "http_callback" (quote .Output) "" 0}}
  timeout: 10s
  retry_period: 1s
  max_retry_backoff: 1m
{{- else -}}
stdout:
  codec: lines
{{- end}}
{{end -}}
`))
