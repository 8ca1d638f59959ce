package ceimport

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/cmd/revel-connect/internal/pipelineyaml"
	"github.com/revel-connect/revel-connect/internal/urlmacro"
)

// EnvSignatureKey holds the signature key when the pipeline runs; the
// template also reads REVEL_API_KEY, REVEL_API_SECRET and REVEL_STATE_DIR.
const EnvSignatureKey = "CE_SIGNATURE_KEY"

// EnvCallbackUserInfo holds the callback URL's user info (user:password,
// percent-encoded as in a URL) when the instance's URL had one.
const EnvCallbackUserInfo = "CALLBACK_USERINFO"

// signatureHeader is Cloud Elements' Elements-Webhook-Signature value in
// Bloblang. env() reads the key, so the key never appears in the config,
// not even in `revel-connect echo`. The template also references the
// variable in a comment, so Benthos will not start without it; should it
// run anyway (--chilled), the throw names the variable on every message,
// which is then not delivered, where hash() would say "field key: wrong
// argument type".
const signatureHeader = `sha256=${! content().hash("hmac_sha256", env("` + EnvSignatureKey + `").or(throw("` + EnvSignatureKey + ` is not set"))).encode("base64") }`

// Options are what the body does not say.
type Options struct {
	// InstanceID is the Cloud Elements instance id, which notifications
	// carry; Cloud Elements assigned it, so the body lacks it.
	InstanceID int64
	// CheckpointKey prefixes the resources' checkpoints; empty means the
	// subdomain.
	CheckpointKey string
	// Stream renders a stream for streams mode, whose checkpoint cache is
	// defined once for all streams, in a resources file.
	Stream bool
	// Fleet renders a stream for a fleet's tenants topic, whose
	// checkpoints go to the fleet's state cache; it implies Stream.
	Fleet bool
}

//go:embed pipeline.yaml.tmpl
var pipelineTemplate string

var pipeline = template.Must(template.New("pipeline").Funcs(pipelineyaml.Funcs()).Parse(pipelineTemplate))

// view is the template's data: every value already a YAML scalar.
type view struct {
	Stream, Fleet, Signed            bool
	Subdomain, RefreshInterval       string
	CheckpointKey, Name, CallbackURL string
	CallbackAuth                     bool
	Signature                        string
	InstanceID                       int64
	Tags                             []string
	Resources                        []resourceView
}

type resourceView struct {
	Name, URL, RevelURL, IDField string
	Dates, Settings              []settingView
}

type settingView struct{ Field, Value, Note string }

// Render writes inst as a commented pipeline (or stream) YAML.
func Render(w io.Writer, inst *Instance, opts Options) error {
	var s scalars
	key := opts.CheckpointKey
	if key == "" {
		key = inst.Subdomain
	}
	v := view{
		Stream:          opts.Stream || opts.Fleet,
		Fleet:           opts.Fleet,
		Signed:          inst.Signed,
		Subdomain:       s.plain(inst.Subdomain),
		RefreshInterval: formatDuration(inst.RefreshInterval),
		CheckpointKey:   s.plain(key),
		InstanceID:      opts.InstanceID,
		Name:            s.plain(inst.Name),
		CallbackURL:     callbackURL(&s, inst),
		CallbackAuth:    inst.CallbackUserInfo,
		Signature:       signatureHeader,
	}
	for _, tag := range inst.Tags {
		v.Tags = append(v.Tags, s.plain(tag))
	}
	for _, r := range inst.Resources {
		rv := resourceView{
			Name:     s.plain(r.Name),
			URL:      yamlScalar(s.macros(r.URL)),
			RevelURL: s.macros(r.RevelURL),
			IDField:  s.plain(r.IDField),
		}
		for _, d := range r.Dates {
			rv.Dates = append(rv.Dates, s.setting(d))
		}
		for _, set := range r.Settings {
			rv.Settings = append(rv.Settings, s.setting(set))
		}
		v.Resources = append(v.Resources, rv)
	}
	if s.err != nil {
		return s.err
	}
	return pipeline.Execute(w, v)
}

// callbackURL is the output's url: the instance's, with a reference to
// EnvCallbackUserInfo where its user info was.
func callbackURL(s *scalars, inst *Instance) string {
	plain := s.plain(inst.CallbackURL)
	if !inst.CallbackUserInfo {
		return plain
	}
	scheme, rest, _ := strings.Cut(inst.CallbackURL, "://")
	return yamlScalar(scheme + "://${" + EnvCallbackUserInfo + "}@" + rest)
}

// scalars renders YAML scalars, keeping the first problem.
type scalars struct{ err error }

// plain renders a value that must reach Benthos as written. Benthos reads
// a dollar sign and brace anywhere in a config as an environment variable,
// which no Cloud Elements value outside a URL meant.
func (s *scalars) plain(value string) string {
	if strings.Contains(value, "${") && s.err == nil {
		s.err = fmt.Errorf("%q contains ${, which Benthos would read as an environment variable", value)
	}
	return yamlScalar(value)
}

// macros escapes a URL's ${...} macros as ${{...}}, which Benthos'
// environment substitution turns back into ${...}.
func (s *scalars) macros(url string) string {
	escaped, err := urlmacro.EscapeForBenthos(url)
	if err != nil && s.err == nil {
		s.err = err
	}
	return escaped
}

func (s *scalars) setting(set Setting) settingView {
	var value string
	switch t := set.Value.(type) {
	case string:
		value = s.plain(t)
	case bool:
		value = strconv.FormatBool(t)
	case int:
		value = strconv.Itoa(t)
	case time.Duration:
		value = formatDuration(t)
	default:
		panic(fmt.Sprintf("ceimport: setting %s has a %T", set.Field, set.Value))
	}
	return settingView{Field: set.Field, Value: value, Note: set.From}
}

// yamlScalar quotes a string only as YAML needs, on one line.
func yamlScalar(value string) string {
	n := yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	if strings.ContainsAny(value, "\n\r") {
		n.Style = yaml.DoubleQuotedStyle
	}
	out, err := yaml.Marshal(&n)
	if err != nil {
		panic(err) // a string scalar always encodes
	}
	return strings.TrimSuffix(string(out), "\n")
}

// formatDuration writes a duration as people write it: 15m, not 15m0s.
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	for _, u := range []struct {
		unit   time.Duration
		suffix string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d%u.unit == 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.suffix
		}
	}
	return d.String()
}
