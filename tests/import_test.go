package tests

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/cmd/revel-connect/ceimport"
	"github.com/revel-connect/revel-connect/revelsim"
)

// Cloud Elements' documented signature test vector (hash verification page).
const (
	vectorKey       = "MySecretEventSignatureKey"
	vectorBody      = "<INSERT_EVENT_NOTIFICATION_RESPONSE_BODY>"
	vectorSignature = "sha256=jHdbRx5EZAsOfTwAPJOGkNUzQMVVdu5VJlxcsk+G6jQ="
)

// ceSignature is what a Cloud Elements consumer computes to verify a
// notification.
func ceSignature(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return "sha256=" + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// importSeed imports the seed's POST /instances body after edit has
// changed its configuration.
func importSeed(t *testing.T, edit func(conf map[string]any), opts ceimport.Options) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "cmd", "revel-connect", "ceimport", "testdata", "seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	edit(body["configuration"].(map[string]any))
	if raw, err = json.Marshal(body); err != nil {
		t.Fatal(err)
	}
	inst, err := ceimport.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := ceimport.Render(&b, inst, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func resourceConf(conf map[string]any, name string) map[string]any {
	return conf["event.poller.configuration"].(map[string]any)[name].(map[string]any)
}

// importEnv is what a user exports before running an imported pipeline.
func importEnv(extra map[string]string) func(string) (string, bool) {
	env := map[string]string{"REVEL_API_KEY": apiKey, "REVEL_API_SECRET": apiSecret}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestImportedPipelinesLintClean(t *testing.T) {
	// Bloblang's env() reads the process environment, not the linter's.
	t.Setenv(ceimport.EnvSignatureKey, vectorKey)
	variants := map[string]func(conf map[string]any){
		"seed": func(map[string]any) {},
		"signed": func(conf map[string]any) {
			conf["event.notification.signature.key"] = vectorKey
		},
		"configuration as a JSON string": func(conf map[string]any) {
			b, _ := json.Marshal(conf["event.poller.configuration"])
			conf["event.poller.configuration"] = string(b)
		},
		"every polling key, misspelt where Cloud Elements was": func(conf map[string]any) {
			conf["event.poller.refresh_interval"] = 1
			e := resourceConf(conf, "employees")
			e["url"] = "/hubs/employee/employees?where=updated_date__gte='${dateTimeZone:PST:yyyy-MM-dd'T'HH:mm:ss.SSS}'"
			e["pageSize"], e["pollDelay"], e["filterByUpdateDate"], e["filterByCurrentDate"] = "50", "120", "true", "true"
			dates := e["datesConfiguration"].(map[string]any)
			delete(dates, "updatedDateTimezone")
			dates["updateDateTimezone"], dates["createdCheckTolerance"] = "America/Los_Angeles", "2"
			ts := resourceConf(conf, "timesheets")
			ts["filterByUpdatedDate"], ts["createdCheckTolerance"] = false, 3
		},
		"epoch and GMT macros": func(conf map[string]any) {
			resourceConf(conf, "employees")["url"] = "/resources/Employee/?updated_date__gte=${gmtDate:yyyy-MM-dd'T'HH:mm:ss}&created_date__lte=${nowTimeZone:GMT:yyyy-MM-dd}"
			resourceConf(conf, "timesheets")["url"] = "/resources/TimeSheetEntry/?id__gt=${epoch:s}"
		},
	}
	schema := service.GlobalEnvironment().FullConfigSchema("", "")
	for name, edit := range variants {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%v", name, stream), func(t *testing.T) {
				conf := importSeed(t, edit, ceimport.Options{InstanceID: 42, Stream: stream})
				lookup := importEnv(map[string]string{ceimport.EnvSignatureKey: vectorKey})
				lints, err := schema.NewStreamConfigLinter().
					SetEnvVarLookupFunc(func(_ context.Context, k string) (string, bool) { return lookup(k) }).
					LintYAML([]byte(conf))
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range lints {
					t.Errorf("line %d: %s", l.Line, l.What)
				}
				if t.Failed() {
					t.Log(conf)
				}
			})
		}
	}
}

// withOverrides sets fields of a pipeline by dot path, as
// `revel-connect run --set path=value` does.
func withOverrides(t *testing.T, conf string, set map[string]any) string {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(conf), &doc); err != nil {
		t.Fatal(err)
	}
	for path, v := range set {
		keys := strings.Split(path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		m[keys[len(keys)-1]] = v
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestImportedSeedDeliversSignedEvents runs the seed's pipeline, signed,
// against the simulator with a loopback callback that verifies every
// notification as a Cloud Elements consumer would.
func TestImportedSeedDeliversSignedEvents(t *testing.T) {
	const signingKey = "imported-signing-key"
	t.Setenv(ceimport.EnvSignatureKey, signingKey)
	sim, base := startSim(t, revelsim.Options{})
	var employees []int64
	for i := range 3 {
		employees = append(employees, sim.Insert("Employee", map[string]any{"first_name": fmt.Sprint("E", i)}))
	}
	sheet := sim.Insert("TimeSheetEntry", map[string]any{"clock_out": nil})

	var mu sync.Mutex
	var got []notification
	var problems []string
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		var n notification
		if err := json.Unmarshal(body, &n); err != nil {
			problems = append(problems, fmt.Sprintf("not a notification: %s", body))
		}
		if sig := r.Header.Get("Elements-Webhook-Signature"); sig != ceSignature(signingKey, body) {
			problems = append(problems, fmt.Sprintf("signature %q does not match the body", sig))
		}
		if id := r.Header.Get("Elements-Webhook-Id"); id != n.ID {
			problems = append(problems, fmt.Sprintf("Elements-Webhook-Id %q, notification id %q", id, n.ID))
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			problems = append(problems, "Content-Type "+ct)
		}
		got = append(got, n)
	}))
	defer callback.Close()

	conf := importSeed(t, func(conf map[string]any) {
		conf["event.notification.callback.url"] = callback.URL + "/revel-events"
		conf["event.notification.signature.key"] = "the value in the body is not used"
	}, ceimport.Options{InstanceID: 7950647})
	conf = withOverrides(t, conf, map[string]any{
		"input.revel_poller.base_url":         base,
		"input.revel_poller.refresh_interval": "50ms",
		"input.revel_poller.start_from":       "earliest",
	})

	runYAML(t, conf, importEnv(map[string]string{"REVEL_STATE_DIR": t.TempDir()}))

	delivered := func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]string{}
		for _, n := range got {
			for _, e := range n.Message.Events {
				out[e.ObjectType+"/"+e.ObjectID] = e.EventType
			}
		}
		return out
	}
	eventually(t, func() string { return fmt.Sprintf("delivered %v", delivered()) }, func() bool { return len(delivered()) == 4 })
	if err := sim.Update("Employee", employees[0], map[string]any{"first_name": "Renamed"}); err != nil {
		t.Fatal(err)
	}
	// The update is found only if the PST macro renders the cursor right.
	updated := fmt.Sprintf("employees/%d", employees[0])
	eventually(t, func() string { return fmt.Sprintf("delivered %v", delivered()) }, func() bool { return delivered()[updated] == "UPDATED" })

	final := delivered()
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	for _, n := range got {
		if n.Topic != "instance-7950647-revel-events" {
			t.Errorf("topic %q", n.Topic)
		}
	}
	want := map[string]bool{fmt.Sprintf("timesheets/%d", sheet): true}
	for _, id := range employees {
		want[fmt.Sprintf("employees/%d", id)] = true
	}
	for key := range final {
		if !want[key] {
			t.Errorf("unexpected event for %s", key)
		}
	}
}

// TestImportedSignatureMatchesTheDocumentedTestVector evaluates the
// imported header against Cloud Elements' published example.
func TestImportedSignatureMatchesTheDocumentedTestVector(t *testing.T) {
	if got := ceSignature(vectorKey, []byte(vectorBody)); got != vectorSignature {
		t.Fatalf("the test's own verifier gives %s, want %s", got, vectorSignature)
	}
	t.Setenv(ceimport.EnvSignatureKey, vectorKey)
	conf := importSeed(t, func(conf map[string]any) {
		conf["event.notification.signature.key"] = vectorKey
	}, ceimport.Options{})
	var doc struct {
		Output struct {
			HTTPClient struct {
				Headers map[string]string `yaml:"headers"`
			} `yaml:"http_callback"`
		} `yaml:"output"`
	}
	if err := yaml.Unmarshal([]byte(conf), &doc); err != nil {
		t.Fatal(err)
	}
	header, err := service.NewInterpolatedString(doc.Output.HTTPClient.Headers["Elements-Webhook-Signature"])
	if err != nil {
		t.Fatal(err)
	}
	got, err := header.TryString(service.NewMessage([]byte(vectorBody)))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Errorf("Elements-Webhook-Signature %s, want %s", got, vectorSignature)
	}
}

// A signed pipeline run without CE_SIGNATURE_KEY stops at once and names
// the variable, and so does lint; neither says "wrong argument type".
func TestImportedPipelineNamesAMissingSignatureKey(t *testing.T) {
	conf := importSeed(t, func(conf map[string]any) {
		conf["event.notification.signature.key"] = vectorKey
		conf["event.notification.callback.url"] = "http://127.0.0.1:9/events"
	}, ceimport.Options{})
	file := filepath.Join(t.TempDir(), "pipeline.yaml")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"run", "--set", "http.enabled=false", file}, {"lint", file}} {
		cmd := exec.Command(revelConnect(t), args...)
		cmd.Env = []string{"REVEL_API_KEY=k", "REVEL_API_SECRET=s", "REVEL_STATE_DIR=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "required environment variables were not set: [CE_SIGNATURE_KEY]") || strings.Contains(string(out), "wrong argument type") {
			t.Errorf("%s without CE_SIGNATURE_KEY: %v\n%s", args[0], err, out)
		}
	}
}
