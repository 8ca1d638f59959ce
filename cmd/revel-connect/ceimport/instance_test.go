package ceimport

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

const pstMacroURL = "/hubs/employee/%s?where=updated_date__gte='${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}'"

func readSeed(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/seed.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seedVariant returns the seed body after edit has changed it.
func seedVariant(t *testing.T, edit func(conf map[string]any, resources map[string]any)) []byte {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(readSeed(t), &body); err != nil {
		t.Fatal(err)
	}
	conf := body["configuration"].(map[string]any)
	edit(conf, conf[keyPollerConfig].(map[string]any))
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func resource(resources map[string]any, name string) map[string]any {
	return resources[name].(map[string]any)
}

func dates(resources map[string]any, name string) map[string]any {
	return resource(resources, name)[keyDates].(map[string]any)
}

func TestParseSeed(t *testing.T) {
	inst, err := Parse(readSeed(t))
	if err != nil {
		t.Fatal(err)
	}
	if inst.Name != "API Instance with Polling" || !reflect.DeepEqual(inst.Tags, []string{"Docs"}) {
		t.Errorf("name %q, tags %q", inst.Name, inst.Tags)
	}
	if inst.Subdomain != "cloud-elements" || inst.RefreshInterval != 15*time.Minute || inst.Signed {
		t.Errorf("subdomain %q, interval %v, signed %v", inst.Subdomain, inst.RefreshInterval, inst.Signed)
	}
	if inst.CallbackURL != "https://api.cloud-elements.com/elements/api-v2/events/revel/" {
		t.Errorf("callback %q", inst.CallbackURL)
	}
	wantDates := []Setting{
		{"updated_date_field", "updated_date", "updatedDateField"},
		{"updated_date_format", "yyyy-MM-dd'T'HH:mm:ss.SSS", "updatedDateFormat"},
		{"updated_date_timezone", "PST", "updatedDateTimezone"},
		{"created_date_field", "created_date", "createdDateField"},
		{"created_date_format", "yyyy-MM-dd'T'HH:mm:ss.SSS", "createdDateFormat"},
		{"created_date_timezone", "PST", "createdDateTimezone"},
	}
	paths := map[string]string{"employees": "/resources/Employee/", "timesheets": "/resources/TimeSheetEntry/"}
	if len(inst.Resources) != 2 {
		t.Fatalf("resources %+v, want employees and timesheets", inst.Resources)
	}
	for _, r := range inst.Resources {
		want := Resource{
			Name:     r.Name,
			URL:      strings.Replace(pstMacroURL, "%s", r.Name, 1),
			RevelURL: paths[r.Name] + "?updated_date__gte=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}",
			IDField:  "id",
			Dates:    wantDates,
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("resource\n got %+v\nwant %+v", r, want)
		}
	}
	// The seed's callback is Cloud Elements' own endpoint.
	if len(inst.Warnings) != 1 || !strings.Contains(inst.Warnings[0], "Cloud Elements' own event endpoint") {
		t.Errorf("warnings %q", inst.Warnings)
	}
}

// TestParseTolerance covers what Cloud Elements accepted beyond its
// documented shape: each variant must import, and as the seed plus want.
func TestParseTolerance(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(conf, resources map[string]any)
		want []Setting // employees' settings
		// check inspects anything else the variant changes.
		check func(t *testing.T, inst *Instance)
	}{
		{
			name: "configuration as a JSON string",
			edit: func(conf, resources map[string]any) {
				b, _ := json.Marshal(resources)
				conf[keyPollerConfig] = string(b)
			},
		},
		{
			name: "numbers and booleans as strings",
			edit: func(conf, resources map[string]any) {
				conf[keyEnabled] = "TRUE"
				conf[keyRefreshInterval] = " 0.5 "
				r := resource(resources, "employees")
				r["pageSize"], r["pollDelay"], r["filterByCurrentDate"] = "50", "30", "true"
			},
			want: []Setting{{"page_size", 50, "pageSize"}, {"poll_delay", 30 * time.Second, "pollDelay"}, {"filter_by_current_date", true, "filterByCurrentDate"}},
			check: func(t *testing.T, inst *Instance) {
				if inst.RefreshInterval != 30*time.Second {
					t.Errorf("refresh interval %v, want 30s", inst.RefreshInterval)
				}
			},
		},
		{
			name: "numbers and booleans as JSON",
			edit: func(conf, resources map[string]any) {
				conf[keyRefreshInterval] = 5
				r := resource(resources, "employees")
				r["pageSize"], r["pollDelay"], r["filterByUpdatedDate"] = 200, 1.5, false
			},
			want: []Setting{{"page_size", 200, "pageSize"}, {"poll_delay", 1500 * time.Millisecond, "pollDelay"}, {"filter_by_updated_date", false, "filterByUpdatedDate"}},
			check: func(t *testing.T, inst *Instance) {
				if inst.RefreshInterval != 5*time.Minute {
					t.Errorf("refresh interval %v, want 5m", inst.RefreshInterval)
				}
			},
		},
		{
			name: "pollDelay 0, Cloud Elements' lossy default, is not imported",
			edit: func(_, resources map[string]any) { resource(resources, "employees")["pollDelay"] = 0 },
			check: func(t *testing.T, inst *Instance) {
				if w := strings.Join(inst.Warnings, "\n"); !strings.Contains(w, "employees.pollDelay is 0") || !strings.Contains(w, "1m overlap applies") {
					t.Errorf("warnings %q, want one explaining why pollDelay 0 is not imported", inst.Warnings)
				}
			},
		},
		{
			name: "filterByUpdateDate alias",
			edit: func(_, resources map[string]any) { resource(resources, "employees")["filterByUpdateDate"] = "false" },
			want: []Setting{{"filter_by_updated_date", false, "filterByUpdateDate"}},
		},
		{
			name: "both spellings agreeing",
			edit: func(_, resources map[string]any) {
				r := resource(resources, "employees")
				r["filterByUpdateDate"], r["filterByUpdatedDate"] = false, "false"
			},
			want: []Setting{{"filter_by_updated_date", false, "filterByUpdatedDate"}},
		},
		{
			name: "createdCheckTolerance at resource level",
			edit: func(_, resources map[string]any) { resource(resources, "employees")["createdCheckTolerance"] = "5" },
			want: []Setting{{"created_check_tolerance", 5 * time.Second, "createdCheckTolerance"}},
		},
		{
			name: "createdCheckTolerance inside datesConfiguration",
			edit: func(_, resources map[string]any) { dates(resources, "employees")["createdCheckTolerance"] = 5 },
			want: []Setting{{"created_check_tolerance", 5 * time.Second, "createdCheckTolerance"}},
		},
		{
			name: "updateDateTimezone misspelling",
			edit: func(_, resources map[string]any) {
				d := dates(resources, "employees")
				delete(d, "updatedDateTimezone")
				d["updateDateTimezone"] = "America/Chicago"
			},
			check: func(t *testing.T, inst *Instance) {
				want := Setting{"updated_date_timezone", "America/Chicago", "updateDateTimezone"}
				if got := inst.Resources[0].Dates[2]; got != want {
					t.Errorf("got %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "updatedDateTimezone at resource level",
			edit: func(_, resources map[string]any) {
				delete(dates(resources, "employees"), "updatedDateTimezone")
				resource(resources, "employees")["updatedDateTimezone"] = "-8:00"
			},
			check: func(t *testing.T, inst *Instance) {
				want := Setting{"updated_date_timezone", "-8:00", "updatedDateTimezone"}
				if got := inst.Resources[0].Dates[2]; got != want {
					t.Errorf("got %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "dateTimeZone macro in lower case",
			edit: func(_, resources map[string]any) {
				resource(resources, "employees")["url"] = "/hubs/employee/employees?where=updated_date__gte='${dateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}'"
			},
			check: func(t *testing.T, inst *Instance) {
				if got := inst.Resources[0].RevelURL; got != "/resources/Employee/?updated_date__gte=${dateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}" {
					t.Errorf("revel url %q", got)
				}
			},
		},
		{
			name: "resource given as {} takes the element's default",
			edit: func(_, resources map[string]any) { resources["timesheets"] = map[string]any{} },
			check: func(t *testing.T, inst *Instance) {
				r := inst.Resources[1]
				if r.URL != strings.Replace(pstMacroURL, "%s", "timesheets", 1) || r.IDField != "id" || r.Dates != nil {
					t.Errorf("timesheets %+v", r)
				}
				if len(inst.Warnings) != 3 { // the callback, the url and the idField
					t.Errorf("warnings %q", inst.Warnings)
				}
			},
		},
		{
			name: "subdomain as a URL",
			edit: func(conf, _ map[string]any) { conf[keySubdomain] = "https://Acme.revelup.com/" },
			check: func(t *testing.T, inst *Instance) {
				if inst.Subdomain != "acme" {
					t.Errorf("subdomain %q", inst.Subdomain)
				}
			},
		},
		{
			name: "signature key",
			edit: func(conf, _ map[string]any) { conf[keySignatureKey] = "MySecretEventSignatureKey" },
			check: func(t *testing.T, inst *Instance) {
				if !inst.Signed {
					t.Error("not signed")
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst, err := Parse(seedVariant(t, tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			if len(inst.Resources) != 2 || inst.Resources[0].Name != "employees" {
				t.Fatalf("resources %+v", inst.Resources)
			}
			if got := inst.Resources[0].Settings; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("employees settings\n got %+v\nwant %+v", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, inst)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	published, err := os.ReadFile("testdata/seed-as-published.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		body []byte
		want []string // substrings of the error
	}{
		{
			// Cloud Elements' Revel page prints its cURL body without two commas.
			name: "the seed as published",
			body: published,
			want: []string{"line 7, column 3", "invalid character"},
		},
		{name: "truncated", body: []byte("{\n  \"name\": \"x\",\n"), want: []string{"line 3, column 1", "unexpected end"}},
		{name: "trailing data", body: []byte(`{"name": "x"} {}`), want: []string{"line 1, column 15", "after the JSON object"}},
		{name: "not an object", body: []byte(`[1]`), want: []string{"expected a JSON object, got an array"}},
		{
			name: "configuration string with invalid JSON",
			body: seedVariant(t, func(conf, _ map[string]any) { conf[keyPollerConfig] = "{\"employees\": {\"url\": }}" }),
			want: []string{"event.poller.configuration (a JSON string): line 1, column 23"},
		},
		{
			name: "unknown hub resources",
			body: seedVariant(t, func(_, resources map[string]any) {
				resources["tips"] = map[string]any{"url": "/hubs/employee/tips?where=date_range_from='${gmtDate:yyyy-MM-dd}'", "idField": "id"}
				resources["shifts"] = map[string]any{"url": "/hubs/employee/shifts", "idField": "id"}
			}),
			want: []string{`event.poller.configuration.tips.url: hub resource "tips" is not supported`, `event.poller.configuration.shifts.url: hub resource "shifts" is not supported`},
		},
		{
			name: "spellings disagreeing",
			body: seedVariant(t, func(_, resources map[string]any) {
				r := resource(resources, "employees")
				r["filterByUpdateDate"], r["filterByUpdatedDate"] = true, false
			}),
			want: []string{"employees: filterByUpdatedDate and filterByUpdateDate disagree"},
		},
		{
			name: "tolerance at both levels disagreeing",
			body: seedVariant(t, func(_, resources map[string]any) {
				resource(resources, "employees")["createdCheckTolerance"] = 1
				dates(resources, "employees")["createdCheckTolerance"] = "2"
			}),
			want: []string{"createdCheckTolerance and createdCheckTolerance disagree (1s and 2s)"},
		},
		{
			name: "bad values",
			body: seedVariant(t, func(conf, resources map[string]any) {
				conf[keyRefreshInterval] = "often"
				r := resource(resources, "employees")
				r["pageSize"], r["pollDelay"], r["filterByCurrentDate"] = "2.5", -1, "maybe"
				dates(resources, "employees")["updatedDateTimezone"] = "Mars/Olympus"
			}),
			want: []string{
				`event.poller.refresh_interval: expected a number, got "often"`,
				`employees.pageSize: expected a whole number, got "2.5"`,
				"employees.pollDelay: -1 is negative",
				`employees.filterByCurrentDate: expected true or false, got "maybe"`,
				`employees.updatedDateTimezone: unknown time zone "Mars/Olympus"`,
			},
		},
		{
			name: "missing callback and subdomain",
			body: seedVariant(t, func(conf, _ map[string]any) { delete(conf, keyCallbackURL); delete(conf, keySubdomain) }),
			want: []string{"event.notification.callback.url: required", "subdomain: required"},
		},
		{
			name: "another element",
			body: []byte(`{"element": {"key": "hubspot"}, "configuration": {}}`),
			want: []string{`element.key is "hubspot"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.body)
			if err == nil {
				t.Fatal("imported, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseWarnsOfWhatItLeavesOut(t *testing.T) {
	inst, err := Parse(seedVariant(t, func(conf, resources map[string]any) {
		delete(conf, keyEnabled)
		delete(conf, keyRefreshInterval)
		conf["event.notification.callback.headers"] = "X-Key: secret-header-value"
		resource(resources, "employees")["pageSzie"] = 10
		dates(resources, "employees")["pageSize"] = 10
	}))
	if err != nil {
		t.Fatal(err)
	}
	warnings := strings.Join(inst.Warnings, "\n")
	for _, want := range []string{
		"event.notification.enabled is not true",
		"event.poller.refresh_interval is not set: using the element's default of 15 minutes",
		"event.notification.callback.headers is not imported",
		"employees.pageSzie is not a Cloud Elements polling key",
		"employees.datesConfiguration.pageSize is not a Cloud Elements polling key",
	} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}
	if strings.Contains(warnings, "secret-header-value") {
		t.Error("a warning shows a value")
	}
	if inst.RefreshInterval != 15*time.Minute {
		t.Errorf("refresh interval %v", inst.RefreshInterval)
	}
}
