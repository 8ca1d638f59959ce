package pipelineyaml

import (
	"strings"
	"testing"
	"text/template"

	"gopkg.in/yaml.v3"
)

// The snippets, placed at any indentation, are the YAML they claim to be.
func TestSnippetsAreYAML(t *testing.T) {
	tmpl := template.Must(template.New("t").Funcs(Funcs()).Parse(`{{ checkpointCache (env "DIR" "/state") }}
output:
  {{ callbackOutput "http_client" "http://127.0.0.1:9000/events" "where to" 2 }}
      X-Extra: yes
    timeout: 10s
`))
	var b strings.Builder
	if err := tmpl.Execute(&b, nil); err != nil {
		t.Fatal(err)
	}
	var got struct {
		CacheResources []struct {
			Label      string
			AtomicFile struct{ Directory string } `yaml:"atomic_file"`
		} `yaml:"cache_resources"`
		Output struct {
			HTTPClient struct {
				URL, Verb, Timeout string
				Headers            map[string]string
			} `yaml:"http_client"`
		}
	}
	if err := yaml.Unmarshal([]byte(b.String()), &got); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(got.CacheResources) != 1 || got.CacheResources[0].Label != CheckpointLabel || got.CacheResources[0].AtomicFile.Directory != "${DIR:/state}" {
		t.Errorf("cache_resources = %+v", got.CacheResources)
	}
	h := got.Output.HTTPClient
	if h.URL != "http://127.0.0.1:9000/events" || h.Verb != "POST" || h.Timeout != "10s" ||
		h.Headers["Content-Type"] != "application/json" || h.Headers["Elements-Webhook-Id"] != "${! @revel_event_id }" || h.Headers["X-Extra"] != "yes" {
		t.Errorf("http_client = %+v\n%s", h, b.String())
	}
}

func TestEnvDefault(t *testing.T) {
	if got := EnvDefault("REVEL_API_SECRET", ""); got != "${REVEL_API_SECRET}" {
		t.Errorf("no default = %s", got)
	}
	if got := EnvDefault("REVEL_STATE_DIR", "/state"); got != "${REVEL_STATE_DIR:/state}" {
		t.Errorf("default = %s", got)
	}
}
