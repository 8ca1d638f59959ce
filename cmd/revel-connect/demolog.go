package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// logfmtHandler writes slog records as `revel-connect run` writes its logs
// (Benthos' logfmt): time="…" level=warning msg="…" key=value…, one line
// per record. A key given twice (Benthos nests path and label as components
// wrap each other) is written once, with its last value, and a trailing
// newline in a message is dropped. Once stopping reports true, records
// about cancelled contexts are dropped: they are the shutdown itself.
type logfmtHandler struct {
	w        io.Writer
	mu       *sync.Mutex
	level    slog.Level
	attrs    []slog.Attr
	stopping *atomic.Bool
}

func newLogfmtHandler(w io.Writer, level slog.Level, stopping *atomic.Bool) *logfmtHandler {
	return &logfmtHandler{w: w, mu: &sync.Mutex{}, level: level, stopping: stopping}
}

func (h *logfmtHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *logfmtHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

// WithGroup is not used by Benthos' logger; groups are flattened.
func (h *logfmtHandler) WithGroup(string) slog.Handler { return h }

func (h *logfmtHandler) Handle(_ context.Context, r slog.Record) error {
	msg := strings.TrimRight(r.Message, "\n")
	if h.stopping.Load() && strings.Contains(msg, context.Canceled.Error()) {
		return nil
	}
	attrs := append([]slog.Attr(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a); return true })
	line := formatLogfmt(r.Time, r.Level, msg, attrs)
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, line)
	return err
}

// formatLogfmt renders one record; keys keep their first position and
// their last value.
func formatLogfmt(t time.Time, level slog.Level, msg string, attrs []slog.Attr) string {
	var b strings.Builder
	fmt.Fprintf(&b, "time=%q level=%s msg=%s", t.UTC().Format(time.RFC3339), levelName(level), logfmtValue(msg))
	var keys []string
	values := map[string]string{}
	for _, a := range attrs {
		if _, seen := values[a.Key]; !seen {
			keys = append(keys, a.Key)
		}
		values[a.Key] = logfmtValue(a.Value.String())
	}
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, values[k])
	}
	b.WriteByte('\n')
	return b.String()
}

// levelName is Benthos' (logrus') name for a level.
func levelName(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warning"
	case l >= slog.LevelInfo:
		return "info"
	case l >= slog.LevelDebug:
		return "debug"
	}
	return "trace"
}

// logfmtValue quotes v when it is empty or has spaces, quotes, = or
// control characters.
func logfmtValue(v string) string {
	if v == "" || strings.ContainsAny(v, " \"=\\") || strings.IndexFunc(v, func(r rune) bool { return r < ' ' }) >= 0 {
		return strconv.Quote(v)
	}
	return v
}
