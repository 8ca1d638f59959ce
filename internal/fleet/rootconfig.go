package fleet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/internal/redact"
)

// DefaultHTTPAddress is where a replica serves /ping, /ready, /metrics and
// /fleet unless the root config says otherwise: loopback only.
const DefaultHTTPAddress = "127.0.0.1:4195"

// RootConfig is a replica's own config (-o): what streams mode's root
// config holds, without streams' API.
type RootConfig struct {
	HTTP struct {
		Enabled *bool  `yaml:"enabled"`
		Address string `yaml:"address"`
		// DebugEndpoints serves Go's /debug/pprof, as in Benthos.
		DebugEndpoints bool `yaml:"debug_endpoints"`
	} `yaml:"http"`
	Logger struct {
		Level  string `yaml:"level"`
		Format string `yaml:"format"`
	} `yaml:"logger"`
	Metrics struct {
		Prometheus map[string]any `yaml:"prometheus"`
	} `yaml:"metrics"`
}

// sectionNames turns the Go types in yaml.v3's "field x not found in type
// T" into the root config's section names.
var sectionNames = strings.NewReplacer(
	"in type "+reflect.TypeOf(RootConfig{}.HTTP).String(), "in http",
	"in type "+reflect.TypeOf(RootConfig{}.Logger).String(), "in logger",
	"in type "+reflect.TypeOf(RootConfig{}.Metrics).String(), "in metrics",
	"in type "+reflect.TypeOf(RootConfig{}).String(), "in the root config",
)

// ParseRootConfig reads a root config; unknown fields are errors naming
// them. An empty document is the defaults.
func ParseRootConfig(raw []byte) (*RootConfig, error) {
	var c RootConfig
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && err != io.EOF {
		return nil, fmt.Errorf("root config: %s (a fleet's root config holds http.enabled, http.address, http.debug_endpoints, logger.level, logger.format and metrics.prometheus; tenants' streams live in the tenants topic)", sectionNames.Replace(err.Error()))
	}
	if c.HTTP.Address == "" {
		c.HTTP.Address = DefaultHTTPAddress
	}
	if c.Logger.Level == "" {
		c.Logger.Level = "INFO"
	}
	if c.Logger.Format == "" {
		c.Logger.Format = "logfmt"
	}
	if len(c.Metrics.Prometheus) > 0 {
		return nil, fmt.Errorf("root config: metrics.prometheus takes no fields in a fleet: every replica serves its metrics on /metrics")
	}
	return &c, nil
}

// HTTPEnabled reports whether the replica serves HTTP.
func (c *RootConfig) HTTPEnabled() bool { return c.HTTP.Enabled == nil || *c.HTTP.Enabled }

// NewLogger builds the logger the root config describes, writing to w.
func (c *RootConfig) NewLogger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	switch strings.ToUpper(c.Logger.Level) {
	case "TRACE", "DEBUG":
		level = slog.LevelDebug
	case "INFO":
		level = slog.LevelInfo
	case "WARN":
		level = slog.LevelWarn
	case "ERROR", "FATAL":
		level = slog.LevelError
	case "NONE", "OFF":
		level = slog.LevelError + 100
	default:
		return nil, fmt.Errorf("root config: logger.level %q: use TRACE, DEBUG, INFO, WARN, ERROR or NONE", c.Logger.Level)
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}
	switch c.Logger.Format {
	case "logfmt":
		return slog.New(redactingHandler{slog.NewTextHandler(w, opts)}), nil
	case "json":
		return slog.New(redactingHandler{slog.NewJSONHandler(w, opts)}), nil
	}
	return nil, fmt.Errorf("root config: logger.format %q: use logfmt or json", c.Logger.Format)
}

// redactingHandler hides URLs' user info in every message: tenants' Benthos
// components log what they like (http_client's send error names its URL,
// password included). It also drops the newline Benthos ends messages with.
type redactingHandler struct{ slog.Handler }

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	msg := redact.URLs(strings.TrimRight(r.Message, "\n"))
	out := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	r.Attrs(func(a slog.Attr) bool { out.AddAttrs(a); return true })
	return h.Handler.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return redactingHandler{h.Handler.WithAttrs(attrs)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.Handler.WithGroup(name)}
}

// redactAttr hides URLs' user info in string attributes, those of groups
// and of With included (the handler applies it to each).
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch v := a.Value.Resolve(); v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(redact.URLs(v.String()))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			a.Value = slog.StringValue(redact.URLs(err.Error()))
		}
	}
	return a
}
