package urlmacro

import (
	"fmt"
	"net/url"
	"strings"
)

// hubResource maps a Cloud Elements employee-hub resource to its Revel path.
type hubResource struct {
	name, path string
}

// hubResources lists the resources the Cloud Elements Revel element exposed
// that have a plain Revel collection behind them.
var hubResources = []hubResource{
	{"employees", "/resources/Employee/"},
	{"timesheets", "/resources/TimeSheetEntry/"},
	{"employee-schedules", "/resources/TimeSchedule/"},
	{"employeeSchedules", "/resources/TimeSchedule/"},
	{"payments", "/resources/Payment/"},
	{"roles", "/resources/Role/"},
	{"departments", "/resources/Department/"},
	{"users", "/enterprise/User/"},
	{"locations", "/enterprise/Establishment/"},
}

// lookupOperators maps where-clause comparisons to Django lookups; longer
// operators first so ">=" is not read as ">".
var lookupOperators = []struct{ op, suffix string }{
	{">=", "__gte"}, {"<=", "__lte"}, {">", "__gt"}, {"<", "__lt"}, {"=", ""},
}

// translateHub rewrites /hubs/employee/<resource>?where=<clause>&... into a
// Revel path whose query has one parameter per where condition.
func translateHub(raw string) (string, error) {
	path, query, _ := strings.Cut(raw, "?")
	hub, resource, _ := strings.Cut(strings.TrimPrefix(path, "/hubs/"), "/")
	if !strings.EqualFold(hub, "employee") {
		return "", fmt.Errorf("url %q: Revel was in the Cloud Elements employee hub; use /hubs/employee/<resource> or a Revel path such as /resources/Employee/", raw)
	}
	resource = strings.TrimSuffix(resource, "/")
	revelPath := ""
	for _, r := range hubResources {
		if strings.EqualFold(r.name, resource) {
			revelPath = r.path
		}
	}
	if revelPath == "" {
		names := make([]string, len(hubResources))
		for i, r := range hubResources {
			names[i] = r.name
		}
		return "", fmt.Errorf("hub resource %q is not supported: use one of %s, or a Revel path such as /resources/Employee/", resource, strings.Join(names, ", "))
	}
	params, err := splitOutsideMacros(query, '&')
	if err != nil {
		return "", err
	}
	var out []string
	for _, param := range params {
		key, value, _ := strings.Cut(param, "=")
		switch {
		case param == "":
		case strings.EqualFold(key, "where"):
			conditions, err := translateWhere(value)
			if err != nil {
				return "", err
			}
			out = append(out, conditions...)
		case strings.EqualFold(key, "pageSize"):
			return "", fmt.Errorf("url sets %q: remove it and set page_size instead; the client owns paging", key)
		default:
			out = append(out, param)
		}
	}
	if len(out) == 0 {
		return revelPath, nil
	}
	return revelPath + "?" + strings.Join(out, "&"), nil
}

// translateWhere turns "a='1' and b>='2'" into ["a=1", "b__gte=2"].
func translateWhere(value string) ([]string, error) {
	clause, err := decodeWhere(value)
	if err != nil {
		return nil, err
	}
	var params []string
	for {
		i, err := findWord(clause, "and")
		if err != nil {
			return nil, err
		}
		condition := clause
		if i >= 0 {
			condition = clause[:i]
		}
		param, err := translateCondition(strings.TrimSpace(condition))
		if err != nil {
			return nil, err
		}
		params = append(params, param)
		if i < 0 {
			return params, nil
		}
		clause = clause[i+1+len("and"):]
	}
}

// decodeWhere URL-decodes a where clause if it is encoded. '+' means a
// space, except inside macros written raw, where it is an offset sign.
func decodeWhere(value string) (string, error) {
	if !hasPercentEscape(value) {
		return value, nil
	}
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		switch {
		case strings.HasPrefix(value[i:], "${"):
			end, err := macroEnd(value, i)
			if err != nil {
				return "", err
			}
			b.WriteString(value[i:end])
			i = end - 1
		case value[i] == '+':
			b.WriteByte(' ')
		default:
			b.WriteByte(value[i])
		}
	}
	decoded, err := url.PathUnescape(b.String())
	if err != nil {
		return "", fmt.Errorf("where clause %q is not valid URL encoding: %w", value, err)
	}
	return decoded, nil
}

func hasPercentEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && isHex(s[i+1]) && isHex(s[i+2]) {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// translateCondition turns "field<op>value" into a Revel query parameter.
func translateCondition(condition string) (string, error) {
	unparsable := func() error {
		return fmt.Errorf("cannot translate where condition %q: expected field=value, field>=value, field>value, field<=value or field<value joined by and", condition)
	}
	if i, err := findWord(condition, "or"); err != nil {
		return "", err
	} else if i >= 0 {
		return "", fmt.Errorf("cannot translate where condition %q: Revel filters can only be combined with and, not or", condition)
	}
	fieldEnd := 0
	for fieldEnd < len(condition) && isFieldByte(condition[fieldEnd]) {
		fieldEnd++
	}
	field := condition[:fieldEnd]
	rest := strings.TrimLeft(condition[fieldEnd:], " \t")
	if field == "" {
		return "", unparsable()
	}
	for _, lookup := range lookupOperators {
		operand, ok := strings.CutPrefix(rest, lookup.op)
		if !ok {
			continue
		}
		if lookup.suffix != "" && strings.Contains(field, "__") {
			return "", fmt.Errorf("cannot translate where condition %q: use either a lookup such as %s or the operator %s, not both", condition, field, lookup.op)
		}
		value, ok := unquoteValue(strings.TrimSpace(operand))
		if !ok {
			return "", unparsable()
		}
		escaped, err := escapeOutsideMacros(value)
		if err != nil {
			return "", err
		}
		return field + lookup.suffix + "=" + escaped, nil
	}
	return "", unparsable()
}

// unquoteValue strips the single quotes around a where value and turns
// doubled quotes outside macros into one; an unquoted value must be one word.
func unquoteValue(value string) (string, bool) {
	if strings.HasPrefix(value, "'") {
		if len(value) < 2 || !strings.HasSuffix(value, "'") {
			return "", false
		}
		return undoubleQuotes(value[1 : len(value)-1]), true
	}
	if i, err := findSpace(value); err != nil || i >= 0 {
		return "", false
	}
	return value, true
}

// undoubleQuotes turns each doubled single quote into one, except inside
// macros, where quotes belong to the date pattern.
func undoubleQuotes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], "${") {
			if end, err := macroEnd(s, i); err == nil {
				b.WriteString(s[i:end])
				i = end - 1
				continue
			}
		}
		b.WriteByte(s[i])
		if s[i] == '\'' && i+1 < len(s) && s[i+1] == '\'' {
			i++
		}
	}
	return b.String()
}

func isFieldByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || c == '_'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// escapeOutsideMacros query-escapes literal text and keeps macros intact, so
// a translated value stays a valid query.
func escapeOutsideMacros(value string) (string, error) {
	var b strings.Builder
	literalStart := 0
	for i := 0; i < len(value); i++ {
		if !strings.HasPrefix(value[i:], "${") {
			continue
		}
		end, err := macroEnd(value, i)
		if err != nil {
			return "", err
		}
		b.WriteString(url.QueryEscape(value[literalStart:i]))
		b.WriteString(value[i:end])
		literalStart = end
		i = end - 1
	}
	b.WriteString(url.QueryEscape(value[literalStart:]))
	return b.String(), nil
}

// findWord returns the index of the whitespace before a whitespace-delimited
// word (case-insensitive) outside macros and quoted values, or -1.
func findWord(s, word string) (int, error) {
	return scanOutside(s, func(i int) bool {
		end := i + 1 + len(word)
		return isSpace(s[i]) && end < len(s) && strings.EqualFold(s[i+1:end], word) && isSpace(s[end])
	})
}

// findSpace returns the index of the first whitespace outside macros and
// quoted values, or -1.
func findSpace(s string) (int, error) {
	return scanOutside(s, func(i int) bool { return isSpace(s[i]) })
}

// scanOutside returns the first index outside macros and single-quoted text
// for which match is true, or -1.
func scanOutside(s string, match func(i int) bool) (int, error) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			end, err := macroEnd(s, i)
			if err != nil {
				return 0, err
			}
			i = end - 1
		case s[i] == '\'':
			inQuote = !inQuote
		case !inQuote && match(i):
			return i, nil
		}
	}
	return -1, nil
}
