package poller

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redpanda-data/benthos/v4/public/service"

	_ "github.com/redpanda-data/benthos/v4/public/components/pure"

	"github.com/revel-connect/revel-connect/internal/revelapi"
)

// minimal is a pipeline-file config: its macro carries Benthos' escape,
// which the linter removes as it reads the YAML.
const minimal = `
subdomain: acme
api_key: k
api_secret: s
resources:
  employees:
    url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}
    id_field: id
`

// unescaped is what the plugin receives for a config file's text.
func unescaped(yaml string) string {
	return strings.NewReplacer("${{", "${", "}}", "}").Replace(yaml)
}

func parse(t *testing.T, yaml string) (*config, error) {
	t.Helper()
	pc, err := Spec().ParseYAML(unescaped(yaml), nil)
	if err != nil {
		t.Fatalf("spec rejected %s: %v", yaml, err)
	}
	return parseConfig(pc)
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, minimal)
	if err != nil {
		t.Fatal(err)
	}
	r := c.resources[0]
	if c.baseURL != "https://acme.revelup.com" || r.interval != 15*time.Minute || r.pageSize != 100 || r.pollDelay != time.Minute ||
		r.paging != revelapi.Auto || r.hubKey != "employee" || r.classifier.CreatedTolerance != time.Second ||
		c.eventsPerMessage != 1 || c.elementKey != "revel" || c.checkpointKey != "revel_poller" || c.timeout != 30*time.Second ||
		c.maxUnackedPages != 8 || c.backoff.Initial != time.Second || c.backoff.Max != time.Minute {
		t.Fatalf("defaults = %+v %+v", c, r)
	}
	if r.fields.Updated.Zone.String() != "America/Los_Angeles" || r.fields.Updated.Layout.String() != "yyyy-MM-dd'T'HH:mm:ss.SSS" ||
		r.fields.Created.Path.String() != "created_date" || !r.fields.Deleted.IsZero() {
		t.Fatalf("dates defaults = %+v", r.fields)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	if got := c.start.cursor(now); !got.Equal(now) {
		t.Fatalf("start_from now = %v", got)
	}
}

func TestCloudElementsStyleValues(t *testing.T) {
	c, err := parse(t, minimal+`
refresh_interval: "15"
poll_delay: "120"
start_from: 24h
base_url: http://127.0.0.1:8081
page_size: 250
`+"\n")
	if err != nil {
		t.Fatal(err)
	}
	r := c.resources[0]
	if r.interval != 15*time.Minute || r.pollDelay != 2*time.Minute || r.pageSize != 250 || c.baseURL != "http://127.0.0.1:8081" {
		t.Fatalf("parsed %+v", r)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	if got := c.start.cursor(now); !got.Equal(now.Add(-24 * time.Hour)) {
		t.Fatalf("start_from 24h = %v", got)
	}

	c, err = parse(t, strings.Replace(minimal, "    id_field: id\n", `    id_field: id
    refresh_interval: 30s
    poll_delay: 5m
    page_size: 7
    created_check_tolerance: "3"
    deleted_field: deleted
    deleted_value: "true"
    paging: offset
`, 1)+"start_from: earliest\n")
	if err != nil {
		t.Fatal(err)
	}
	r = c.resources[0]
	if r.interval != 30*time.Second || r.pollDelay != 5*time.Minute || r.pageSize != 7 || r.classifier.CreatedTolerance != 3*time.Second ||
		r.fields.Deleted.String() != "deleted" || r.fields.DeletedValue != "true" || r.paging != revelapi.Offset {
		t.Fatalf("resource overrides = %+v", r)
	}
	if got := c.start.cursor(time.Now()); !got.Equal(time.Unix(0, 0)) {
		t.Fatalf("start_from earliest = %v", got)
	}
}

// lint runs the same linter as `revel-connect lint` on an input config.
func lint(t *testing.T, yaml string) []string {
	t.Helper()
	lints, err := service.GlobalEnvironment().NewComponentConfigLinter().LintInputYAML([]byte("revel_poller:\n" + indent(yaml)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range lints {
		out = append(out, l.What)
	}
	return out
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.Trim(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

func TestLintAcceptsAGoodConfig(t *testing.T) {
	if got := lint(t, minimal); len(got) != 0 {
		t.Fatalf("lints = %q", got)
	}
}

func TestLintNamesTheBadField(t *testing.T) {
	for name, tc := range map[string]struct {
		yaml string
		want []string
	}{
		"bad zone": {strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n    dates_configuration: {updated_date_timezone: PTS}\n", 1),
			[]string{"resources.employees.dates_configuration.updated_date_timezone", `"PTS"`}},
		"bad pattern": {strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n    dates_configuration: {created_date_format: \"yyyy-QQ\"}\n", 1),
			[]string{"resources.employees.dates_configuration.created_date_format", "'Q'"}},
		"bad macro zone": {strings.Replace(minimal, "PST:", "Mars/Base:", 1),
			[]string{"resources.employees.url", "Mars/Base"}},
		"swallowed macro": {strings.Replace(minimal, "${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}", "${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}", 1),
			[]string{"resources.employees.url", "${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}"}},
		"bad interval": {minimal + "refresh_interval: soon\n",
			[]string{"refresh_interval", `"soon"`}},
		"zero interval": {minimal + "refresh_interval: \"0\"\n",
			[]string{"refresh_interval", "longer than zero"}},
		"bad start": {minimal + "start_from: yesterday\n",
			[]string{"start_from", "yesterday"}},
		"no origin": {strings.Replace(minimal, "subdomain: acme\n", "", 1),
			[]string{"subdomain", "base_url"}},
		"bad subdomain": {strings.Replace(minimal, "subdomain: acme", "subdomain: acme.revelup.com", 1),
			[]string{"subdomain", "write acme"}},
		"half credentials": {strings.Replace(minimal, "api_secret: s\n", "", 1),
			[]string{"api_key", "both"}},
		"credentials in url": {strings.Replace(minimal, "/?updated", "/?api_key=abc&updated", 1),
			[]string{"resources.employees.url", "logged"}},
		"too many events": {minimal + "events_per_message: 11\n",
			[]string{"events_per_message", "between 1 and 10"}},
		"bad id path": {strings.Replace(minimal, "id_field: id", "id_field: \"a..b\"", 1),
			[]string{"resources.employees.id_field", "empty segment"}},
		"keyset with order_by": {strings.Replace(minimal, "/?updated", "/?order_by=-id&updated", 1) + "    paging: keyset\n",
			[]string{"resources.employees.paging", "order_by"}},
		"paging limit in url": {strings.Replace(minimal, "/?updated", "/?limit=5&updated", 1),
			[]string{"resources.employees.url", "page_size"}},
		"oauth2 incomplete": {strings.Replace(minimal, "api_key: k\napi_secret: s\n", "", 1) + "oauth2: {enabled: true, client_id: p}\n",
			[]string{"oauth2.client_secret", "oauth2.token_url", "required when oauth2 is enabled"}},
		"oauth2 and api key": {minimal + "oauth2: {enabled: true, client_id: p, client_secret: s, token_url: \"https://auth.example/token\"}\n",
			[]string{"oauth2", "choose one"}},
		"oauth2 bad token url": {strings.Replace(minimal, "api_key: k\napi_secret: s\n", "", 1) + "oauth2: {enabled: true, client_id: p, client_secret: s, token_url: \"auth/token\"}\n",
			[]string{"oauth2.token_url", "absolute"}},
		"bad reconcile": {strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n    reconcile_interval: hourly\n", 1),
			[]string{"resources.employees.reconcile_interval", "hourly"}},
		"both names of the full listing": {strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n    reconcile_interval: 1h\n    audit_full_interval: 1h\n", 1),
			[]string{"resources.employees.reconcile_interval", "set only audit_full_interval"}},
		"bad audit interval": {strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n    audit_interval: daily\n", 1),
			[]string{"resources.employees.audit_interval", "daily"}},
		"zero audit lookback": {strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n    audit_lookback: 0s\n", 1),
			[]string{"resources.employees.audit_lookback", "longer than zero"}},
		"audit without a request to spend": {strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n    audit_interval: 1h\n", 1) + "max_requests_per_poll: 1\n",
			[]string{"max_requests_per_poll", "audit_interval", "at least 2"}},
		"bare number timeout": {minimal + "timeout: \"30\"\n",
			[]string{"timeout", `"30" is not a duration such as 30s`}},
		"negative backoff": {minimal + "retry_backoff: {initial_interval: -1s}\n",
			[]string{"retry_backoff.initial_interval", "negative"}},
		"bad max backoff": {minimal + "retry_backoff: {max_interval: often}\n",
			[]string{"retry_backoff.max_interval", `"often"`}},
		"negative budget": {minimal + "max_requests_per_poll: -1\n",
			[]string{"max_requests_per_poll"}},
		"cloudevents batches": {minimal + "format: cloudevents\nevents_per_message: 3\n",
			[]string{"events_per_message", "one event"}},
		"unknown hub resource": {strings.Replace(minimal, "/resources/Employee/?updated_date__gte=", "/hubs/employee/tips?where=updated_date__gte=", 1),
			[]string{"resources.employees.url", "tips"}},
	} {
		t.Run(name, func(t *testing.T) {
			got := strings.Join(lint(t, tc.yaml), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("lint output %q does not mention %q", got, w)
				}
			}
		})
	}
}

func TestOAuth2Config(t *testing.T) {
	c, err := parse(t, strings.Replace(minimal, "api_key: k\napi_secret: s\n", "", 1)+`
oauth2:
  enabled: true
  client_id: partner
  client_secret: shh
  token_url: https://authentication.revelup.com/oauth/token
  scopes: [read]
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.oauth2 == nil || c.oauth2.merchant != "acme" || c.oauth2.conf.ClientSecret != "shh" || len(c.oauth2.conf.Scopes) != 1 {
		t.Fatalf("oauth2 = %+v", c.oauth2)
	}
}

func TestLintRequiresURLAndIDField(t *testing.T) {
	got := strings.Join(lint(t, strings.Replace(minimal, "    id_field: id\n", "", 1)), "\n")
	if !strings.Contains(got, "id_field") {
		t.Fatalf("missing id_field not reported: %q", got)
	}
	got = strings.Join(lint(t, strings.Replace(minimal, "    url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}}\n", "", 1)), "\n")
	if !strings.Contains(got, "url") {
		t.Fatalf("missing url not reported: %q", got)
	}
}

func TestConstructorChecksResources(t *testing.T) {
	pc, err := Spec().ParseYAML(unescaped(minimal)+"checkpoint_cache: nope\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newInput(pc, service.MockResources()); err == nil || !strings.Contains(err.Error(), `checkpoint_cache: no cache resource named "nope"`) {
		t.Fatalf("err = %v", err)
	}
	pc, _ = Spec().ParseYAML(unescaped(minimal)+"rate_limit: nope\n", nil)
	if _, err := newInput(pc, service.MockResources()); err == nil || !strings.Contains(err.Error(), `rate_limit: no rate_limit resource named "nope"`) {
		t.Fatalf("err = %v", err)
	}
	pc, _ = Spec().ParseYAML(unescaped(minimal), nil)
	in, err := newInput(pc, service.MockResources())
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestFilterByUpdatedDateAndReconcile(t *testing.T) {
	for _, tc := range []struct {
		extra     string
		byUpdated bool
		reconcile time.Duration
	}{
		{"", true, 0},
		{"    filter_by_updated_date: false\n    reconcile_interval: 1h\n", false, time.Hour},
		{"    reconcile_interval: \"\"\n", true, 0},
	} {
		c, err := parse(t, strings.Replace(minimal, "    id_field: id\n", "    id_field: id\n"+tc.extra, 1))
		if err != nil {
			t.Fatalf("%q: %v", tc.extra, err)
		}
		r := c.resources[0]
		if r.fields.FilterByUpdatedDate != tc.byUpdated || r.classifier.FilterByUpdatedDate != tc.byUpdated {
			t.Errorf("%q: fields.FilterByUpdatedDate = %v, classifier's = %v, want %v", tc.extra, r.fields.FilterByUpdatedDate, r.classifier.FilterByUpdatedDate, tc.byUpdated)
		}
		if r.reconcile != tc.reconcile {
			t.Errorf("%q: reconcile = %v, want %v", tc.extra, r.reconcile, tc.reconcile)
		}
	}
}

func TestZoneNotes(t *testing.T) {
	for _, tc := range []struct {
		name, resource string
		want           string // "" = no note
	}{
		{"matching zones", "url: /r/?updated_date__gte=${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss}}", ""},
		{"gmtDate on PST dates", "url: /r/?updated_date__gte=${{gmtDate:yyyy-MM-dd'T'HH:mm:ss}}",
			"resources.employees.url: ${gmtDate:yyyy-MM-dd'T'HH:mm:ss} renders UTC wall-clock time, but resources.employees.dates_configuration.updated_date_timezone reads Revel's dates as America/Los_Angeles time; Revel reads the url's value in the tenant's zone, so each query starts hours away from the cursor and changes are missed. Render the macro in the tenant's zone, e.g. ${{DateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss}}"},
		{"a fixed offset, right in winter only", "url: /r/?updated_date__gte=${{DateTimeZone:-8:00:HH:mm}}", "e.g. ${{DateTimeZone:America/Los_Angeles:HH:mm}}"},
		{"an upper bound", "url: /r/?updated_date__gte=${{DateTimeZone:PST:HH:mm}}&updated_date__lt=${{nowTimeZone:UTC:HH:mm}}", "e.g. ${{nowTimeZone:America/Los_Angeles:HH:mm}}"},
		{"gmtDate on UTC dates", "url: /r/?updated_date__gte=${{gmtDate:HH:mm}}\ndates_configuration: {updated_date_timezone: UTC}", ""},
		{"an offset in the value", "url: /r/?updated_date__gte=${{gmtDate:yyyy-MM-dd'T'HH:mm:ssXXX}}", ""},
		{"epoch", "url: /r/?updated_date__gte=${{epoch}}", ""},
		{"dates with their own zone", "url: /r/?updated_date__gte=${{gmtDate:HH:mm}}\ndates_configuration: {updated_date_format: yyyy-MM-dd'T'HH:mm:ssXXX}", ""},
		{"by created date", "url: /r/?created_date__gte=${{gmtDate:HH:mm}}\nfilter_by_updated_date: false", "created_date_timezone reads"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, "subdomain: acme\nresources:\n  employees:\n    id_field: id\n"+indentLines(tc.resource, "    "))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(c.notes, "\n")
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("notes = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTenantZoneMismatches(t *testing.T) {
	c, err := parse(t, "subdomain: acme\nresources:\n  employees:\n    id_field: id\n    url: /r/?updated_date__gte=${{gmtDate:HH:mm}}\n")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	la, _ := time.LoadLocation("America/Los_Angeles")
	got := tenantZoneMismatches(c.resources[0], la, now)
	if len(got) != 1 || got[0] != "the url macro ${gmtDate:HH:mm} renders UTC" {
		t.Fatalf("against Los Angeles: %q", got)
	}
	got = tenantZoneMismatches(c.resources[0], time.UTC, now)
	if len(got) != 1 || got[0] != "dates_configuration.updated_date_timezone is America/Los_Angeles" {
		t.Fatalf("against UTC: %q", got)
	}
}

func indentLines(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}
