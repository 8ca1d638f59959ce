package ceimport

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func render(t *testing.T, body []byte, opts Options) string {
	t.Helper()
	inst, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Render(&b, inst, opts); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRenderNeverWritesSecrets(t *testing.T) {
	secrets := []string{"key-7f3a9", "secret-b81c2", "signing-5d0e4", "grant-code-1", "temp-token-2", "hooks:cb-pass-8e1f"}
	body := seedVariant(t, func(conf, _ map[string]any) {
		conf["oauth.api.key"], conf["oauth.api.secret"], conf[keySignatureKey] = secrets[0], secrets[1], secrets[2]
		conf[keyCallbackURL] = "https://" + secrets[5] + "@example.com/revel?x=1"
	})
	body = []byte(strings.NewReplacer(`"xxx"`, `"`+secrets[3]+`"`, `"xxxxxxxxxxxxxxxxxx"`, `"`+secrets[4]+`"`).Replace(string(body)))
	inst, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Render(&b, inst, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String() + strings.Join(inst.Warnings, "\n")
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("the import wrote %q", s)
		}
	}
	for _, ref := range []string{"api_key: ${REVEL_API_KEY}", "api_secret: ${REVEL_API_SECRET}", `env("CE_SIGNATURE_KEY")`,
		"url: https://${" + EnvCallbackUserInfo + "}@example.com/revel?x=1\n", "#   " + EnvCallbackUserInfo} {
		if !strings.Contains(out, ref) {
			t.Errorf("output lacks %s", ref)
		}
	}
}

// dollarBrace finds what Benthos would substitute from the environment.
var dollarBrace = regexp.MustCompile(`\$\{[^{!]`)

// TestRenderEscapesMacros checks that no macro is left for Benthos to read
// as an environment variable, in values or in comments.
func TestRenderEscapesMacros(t *testing.T) {
	body := seedVariant(t, func(_, resources map[string]any) {
		resource(resources, "employees")["url"] = "/resources/Employee/?updated_date__gte=${epoch:s}&created_date__lte=${nowTimeZone:GMT:yyyy-MM-dd'T'HH:mm:ss}"
		resource(resources, "timesheets")["url"] = "/hubs/employee/timesheets?where=updated_date__gte='${gmtDate:yyyy-MM-dd}' and created_date__gte='${date}'"
	})
	out := render(t, body, Options{})
	for _, want := range []string{
		"url: /resources/Employee/?updated_date__gte=${{epoch:s}}&created_date__lte=${{nowTimeZone:GMT:yyyy-MM-dd'T'HH:mm:ss}}",
		"# Polls /resources/TimeSheetEntry/?updated_date__gte=${{gmtDate:yyyy-MM-dd}}&created_date__gte=${{date}}",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	allowed := map[string]bool{"${REVEL_API_KEY}": true, "${REVEL_API_SECRET}": true, "${REVEL_STATE_DIR:/var/lib/revel-connect}": true, "${CE_SIGNATURE_KEY}": true}
	for _, line := range strings.Split(out, "\n") {
		for _, loc := range dollarBrace.FindAllStringIndex(line, -1) {
			ref, _, _ := strings.Cut(line[loc[0]:], "}")
			if !allowed[ref+"}"] {
				t.Errorf("Benthos would substitute %q in %q", ref+"}", line)
			}
		}
	}
}

func TestRenderRefusesWhatBenthosWouldSubstitute(t *testing.T) {
	for name, body := range map[string][]byte{
		"name": []byte(strings.Replace(string(readSeed(t)), "API Instance with Polling", "${HOME}", 1)),
		"macro with a quoted brace": seedVariant(t, func(_, resources map[string]any) {
			resource(resources, "employees")["url"] = "/resources/Employee/?updated_date__gte=${gmtDate:yyyy'}'MM}"
		}),
	} {
		t.Run(name, func(t *testing.T) {
			inst, err := Parse(body)
			if err != nil {
				t.Fatal(err)
			}
			if err := Render(&strings.Builder{}, inst, Options{}); err == nil {
				t.Error("rendered, want an error")
			}
		})
	}
}

func TestRenderOptions(t *testing.T) {
	out := render(t, seedVariant(t, func(conf, _ map[string]any) { conf[keySignatureKey] = "k" }),
		Options{InstanceID: 7950647, CheckpointKey: "tenants/acme", Stream: true})
	for _, want := range []string{"      id: 7950647\n", "checkpoint_key: tenants/acme\n", "checkpoint_cache: checkpoints\n", "Elements-Webhook-Signature: " + signatureHeader + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "\ncache_resources:") {
		t.Error("a stream defines cache_resources, which only a resources file may")
	}
	if out := render(t, readSeed(t), Options{}); strings.Contains(out, "Elements-Webhook-Signature") || !strings.Contains(out, "\ncache_resources:") {
		t.Errorf("unsigned pipeline:\n%s", out)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15 * time.Minute:        "15m",
		90 * time.Minute:        "90m",
		2 * time.Hour:           "2h",
		30 * time.Second:        "30s",
		1500 * time.Millisecond: "1.5s",
		0:                       "0s",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
