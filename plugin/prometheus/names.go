package prometheus

import "strings"

// metricName makes name a valid Prometheus metric name under prefix.
// client_golang would accept any UTF-8 name, but then serves it quoted, which
// scrapers older than Prometheus 3 cannot parse.
func metricName(prefix, name string) string {
	if prefix != "" {
		name = prefix + "_" + name
	}
	return sanitise(name, true)
}

// timerName is a timer's name in seconds, the unit its histogram uses.
func timerName(prefix, name string) string {
	if base, ok := strings.CutSuffix(name, "_ns"); ok {
		name = base + "_seconds"
	}
	return metricName(prefix, name)
}

// labelName makes key a valid label name; leading double underscores are
// reserved for Prometheus itself.
func labelName(key string) string {
	s := sanitise(key, false)
	if strings.HasPrefix(s, "__") {
		s = "_" + strings.TrimLeft(s, "_")
	}
	return s
}

// sanitise replaces what Prometheus' classic name syntax forbids with '_':
// letters, digits and '_' (and ':' in metric names) are kept, and a name
// may not start with a digit.
func sanitise(s string, allowColon bool) string {
	if s == "" {
		return "_"
	}
	var b strings.Builder
	for i, r := range s {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') ||
			(i > 0 && r >= '0' && r <= '9') || (allowColon && r == ':')
		switch {
		case ok:
			b.WriteRune(r)
		case i == 0 && r >= '0' && r <= '9':
			b.WriteByte('_')
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
