package main

// Streams mode's REST API, guarded. Benthos v4.60 returns a stream's config
// from GET /streams/{id} as it was read, environment variables expanded and
// secrets in clear, and offers no hook to change that. So revel-connect
// swaps the registrar its root manager registers HTTP endpoints with for
// one that wraps the streams endpoints before Benthos registers them: no
// request is ever served unwrapped. The swap reaches an unexported field;
// if a Benthos upgrade moves it, streams mode refuses to start.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"unsafe"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/internal/redact"
)

// endpointRegistrar is Benthos' manager.APIReg.
type endpointRegistrar interface {
	RegisterEndpoint(path, desc string, h http.HandlerFunc)
}

// guardedRegistrar wraps the streams API's handlers on their way to next.
type guardedRegistrar struct {
	next  endpointRegistrar
	guard *apiGuard
}

func (g guardedRegistrar) RegisterEndpoint(path, desc string, h http.HandlerFunc) {
	switch path {
	case "/streams", "/streams/{id}", "/resources/{type}/{id}":
		h = g.guard.wrap(path, h)
	}
	g.next.RegisterEndpoint(path, desc, h)
}

// guardStreamsAPI installs the guard in the manager behind conf, which
// Benthos hands to CLIOptOnConfigParse before streams mode registers its API.
func guardStreamsAPI(conf *service.ParsedConfig, g *apiGuard) error {
	mgr, err := unexportedField(conf, "mgr")
	if err != nil {
		return err
	}
	return installGuard(mgr, g)
}

// installGuard replaces the registrar in mgr's apiReg field, a
// manager.APIReg interface, with one wrapping it.
func installGuard(mgr any, g *apiGuard) error {
	v := reflect.ValueOf(mgr)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("the manager is a %T", mgr)
	}
	field := v.Elem().FieldByName("apiReg")
	if !field.IsValid() || field.Kind() != reflect.Interface {
		return fmt.Errorf("%T has no apiReg interface", mgr)
	}
	field = reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem()
	next, ok := field.Interface().(endpointRegistrar)
	if !ok || next == nil {
		return fmt.Errorf("%T.apiReg is no endpoint registrar", mgr)
	}
	wrapped := reflect.ValueOf(guardedRegistrar{next: next, guard: g})
	if !wrapped.Type().AssignableTo(field.Type()) {
		return fmt.Errorf("%T.apiReg is a %s", mgr, field.Type())
	}
	field.Set(wrapped)
	return nil
}

// unexportedField reads the unexported field name of the struct p points to.
func unexportedField(p any, name string) (any, error) {
	v := reflect.ValueOf(p)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("%T is not a pointer to a struct", p)
	}
	f := v.Elem().FieldByName(name)
	if !f.IsValid() {
		return nil, fmt.Errorf("%T has no field %s", p, name)
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface(), nil
}

// apiGuard protects the streams API's requests and responses.
type apiGuard struct {
	marshaller *service.StreamConfigMarshaller
	// redacted caches GET /streams/{id}'s redacted configs by the SHA-256
	// of the config as Benthos answers it: redacting one takes milliseconds
	// (docs/performance.md), and monitoring may read every stream often. It
	// holds redacted configs only.
	mu       sync.Mutex
	redacted map[[sha256.Size]byte]json.RawMessage
	// localHostsOnly refuses requests whose Host is a name other than
	// localhost: on an unauthenticated loopback listener, a web page that
	// rebinds its own name to 127.0.0.1 could otherwise read and write it.
	localHostsOnly bool
	cross          *http.CrossOriginProtection
}

func newAPIGuard(env *service.Environment, localHostsOnly bool) *apiGuard {
	return &apiGuard{
		marshaller:     env.CoreConfigSchema("", "").NewStreamConfigMarshaller().SetScrubSecrets(true),
		redacted:       map[[sha256.Size]byte]json.RawMessage{},
		localHostsOnly: localHostsOnly,
		// Refuses browsers' cross-origin POST, PUT, PATCH and DELETE, which
		// a page could send to 127.0.0.1 without reading the answer.
		cross: http.NewCrossOriginProtection(),
	}
}

// maxBody bounds a request body read to find its secrets; Benthos reads
// the body again from the copy.
const maxBody = 16 << 20

func (g *apiGuard) wrap(path string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if g.localHostsOnly && !localHost(r.Host) {
			http.Error(w, "this API answers requests for localhost or an IP address only", http.StatusMisdirectedRequest)
			return
		}
		if err := g.cross.Check(r); err != nil {
			http.Error(w, "cross-origin requests from browsers are refused", http.StatusForbidden)
			return
		}
		var secrets []string
		if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodDelete {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
			r.Body.Close()
			if err != nil {
				http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			secrets = g.requestSecrets(path, body)
		}
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		next(rec, r)
		out := rec.body.Bytes()
		if path == "/streams/{id}" && r.Method == http.MethodGet && rec.status == http.StatusOK {
			var err error
			if out, err = g.streamResponse(out); err != nil {
				http.Error(w, "redacting the stream's config failed", http.StatusInternalServerError)
				return
			}
		} else {
			out = []byte(explainLeftOut(redact.Text(string(out), secrets)))
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.status)
		_, _ = w.Write(out)
	}
}

// localHost reports whether host (a Host header, port optional) is an IP
// address or localhost.
func localHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil
}

// streamResponse redacts GET /streams/{id}'s JSON: its config as echo
// shows one, then URLs' user info and the secrets anywhere in it.
func (g *apiGuard) streamResponse(body []byte) ([]byte, error) {
	var resp map[string]any
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(resp["config"])
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256(raw)
	g.mu.Lock()
	cached, ok := g.redacted[key]
	g.mu.Unlock()
	if !ok {
		conf, secrets, err := g.redactConfig(resp["config"])
		if err != nil {
			return nil, err
		}
		if cached, err = json.Marshal(redactStrings(conf, secrets)); err != nil {
			return nil, err
		}
		g.mu.Lock()
		if len(g.redacted) >= maxCachedConfigs {
			clear(g.redacted)
		}
		g.redacted[key] = cached
		g.mu.Unlock()
	}
	resp["config"] = cached
	return json.Marshal(resp)
}

// maxCachedConfigs bounds the cache of redacted configs; past it, the cache
// starts again.
const maxCachedConfigs = 4096

// redactConfig scrubs the secret fields of a stream config and returns it
// with the values it scrubbed.
func (g *apiGuard) redactConfig(conf any) (any, []string, error) {
	scrubbedYAML, err := g.marshaller.AnyToYAML(conf)
	if err != nil {
		return nil, nil, err
	}
	var scrubbed any
	if err := yaml.Unmarshal([]byte(scrubbedYAML), &scrubbed); err != nil {
		return nil, nil, err
	}
	var secrets []string
	collectScrubbed(conf, scrubbed, &secrets)
	return scrubbed, secrets, nil
}

// scrubbedMark is what Benthos writes for a secret field's value.
const scrubbedMark = "!!!SECRET_SCRUBBED!!!"

// collectScrubbed walks a config and its scrubbed copy together, adding
// the original of each scrubbed value to secrets.
func collectScrubbed(orig, scrubbed any, secrets *[]string) {
	switch s := scrubbed.(type) {
	case string:
		if o, ok := orig.(string); ok && s == scrubbedMark && o != scrubbedMark {
			*secrets = append(*secrets, o)
		}
	case map[string]any:
		if o, ok := orig.(map[string]any); ok {
			for k, v := range s {
				collectScrubbed(o[k], v, secrets)
			}
		}
	case []any:
		if o, ok := orig.([]any); ok && len(o) == len(s) {
			for i := range s {
				collectScrubbed(o[i], s[i], secrets)
			}
		}
	}
}

// redactStrings returns v with redact.Text applied to every string in it,
// and each ${…} Benthos would read as a variable escaped again, as echo
// does: the config can be posted back as it is.
func redactStrings(v any, secrets []string) any {
	switch t := v.(type) {
	case string:
		return redact.Text(string(escapeEnvRefs([]byte(t))), secrets)
	case map[string]any:
		for k, e := range t {
			t[k] = redactStrings(e, secrets)
		}
	case []any:
		for i, e := range t {
			t[i] = redactStrings(e, secrets)
		}
	}
	return v
}

// requestSecrets finds the secrets a request body carries, to keep them out
// of the answer (an error may quote them): the secret fields of the stream
// config, or of each in the map POST /streams takes, after expanding
// environment references as Benthos will.
func (g *apiGuard) requestSecrets(path string, body []byte) []string {
	var doc any
	if yaml.Unmarshal([]byte(expandEnv(string(body))), &doc) != nil {
		return nil
	}
	confs := []any{doc}
	if m, ok := doc.(map[string]any); ok && path == "/streams" {
		confs = confs[:0]
		for _, c := range m {
			confs = append(confs, c)
		}
	}
	var secrets []string
	for _, c := range confs {
		if _, found, err := g.redactConfig(c); err == nil {
			secrets = append(secrets, found...)
		}
	}
	return secrets
}

// envRef is Benthos' ${NAME} and ${NAME:default} (internal/docs, bloblREEnvVar).
var envRef = regexp.MustCompile(`\$\{([0-9A-Za-z_.]+)(?::([^}]*))?\}`)

// expandEnv resolves environment references as Benthos does for a stream
// config; it need only be close, since it only finds values to hide.
func expandEnv(s string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := envRef.FindStringSubmatch(m)
		if v, ok := os.LookupEnv(sub[1]); ok && v != "" {
			return v
		}
		return sub[2]
	})
}

// recorder buffers a handler's answer for redaction.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}

// errNoGuard is why streams mode refuses to start when the guard cannot be
// installed.
var errNoGuard = errors.New("streams mode cannot guard its REST API in this build of Benthos, so it will not serve it; pass --no-api to run the streams without it")
