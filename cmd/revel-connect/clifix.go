package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/redpanda-data/benthos/v4/public/service"
	"gopkg.in/yaml.v3"

	"github.com/revel-connect/revel-connect/internal/redact"
)

// runCLI runs Benthos' CLI with args (os.Args) and returns the exit code.
// Three of Benthos' own commands are kept but their output corrected, since
// the CLI offers no hook inside them: echo re-escapes ${{…}} so its output
// round-trips, create writes object-map fields (revel_poller's resources)
// as maps, and lint places a revel_poller problem on its field's line.
// What echo and lint print passes through redact.URLs too: echo expands
// environment variables and scrubs only fields marked secret, so a URL's
// user info would show.
func runCLI(ctx context.Context, args []string, opts []service.CLIOptFunc) int {
	if len(args) > 1 && (args[1] == "--version" || args[1] == "-v") {
		printVersion(os.Stdout)
		return 0
	}
	cmd := subcommand(args)
	if cmd == "lint" && !lintHasTarget(args[slices.Index(args, cmd)+1:]) {
		fmt.Fprintln(os.Stderr, "lint: name the configs to check, as in: revel-connect lint ./config.yaml ./configs/...")
		return 1
	}
	redacted := func(b []byte) []byte { return []byte(redact.URLs(string(b))) }
	fix := map[string]func(stdout, stderr []byte) ([]byte, []byte){
		"echo":   func(o, e []byte) ([]byte, []byte) { return redacted(escapeEnvRefs(o)), redacted(e) },
		"create": func(o, e []byte) ([]byte, []byte) { return fixCreated(o), e },
		"lint": func(o, e []byte) ([]byte, []byte) {
			return redacted(o), []byte(explainLeftOut(string(redacted(placeLints(e, os.ReadFile)))))
		},
	}[cmd]
	opts = append(opts, service.CLIOptSetArgs(args...))
	if fix == nil {
		return runBenthos(ctx, opts)
	}
	var code int
	stdout, stderr, err := capture(func() { code = runBenthos(ctx, opts) })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	stdout, stderr = fix(stdout, stderr)
	os.Stdout.Write(stdout)
	os.Stderr.Write(stderr)
	return code
}

func runBenthos(ctx context.Context, opts []service.CLIOptFunc) int {
	code, err := service.RunCLIToCode(ctx, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, explainLeftOut(redact.URLs(hideDotenvExcerpt(err.Error()))))
	}
	return code
}

// hideDotenvExcerpt keeps the first line of Benthos' error for a malformed
// dotenv file (-e), which says where it is malformed, and drops the excerpt
// of the file that follows: a secrets file's lines hold secrets.
func hideDotenvExcerpt(msg string) string {
	if !strings.HasPrefix(msg, "failed to parse dotenv file") {
		return msg
	}
	first, _, _ := strings.Cut(msg, "\n")
	return first
}

// capture runs fn with os.Stdout and os.Stderr redirected into buffers;
// Benthos' CLI reads both when it starts.
func capture(fn func()) (stdout, stderr []byte, err error) {
	oldOut, oldErr := os.Stdout, os.Stderr
	rOut, wOut, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	rErr, wErr, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	outc, errc := make(chan []byte), make(chan []byte)
	go func() { b, _ := io.ReadAll(rOut); outc <- b }()
	go func() { b, _ := io.ReadAll(rErr); errc <- b }()
	os.Stdout, os.Stderr = wOut, wErr
	defer func() { os.Stdout, os.Stderr = oldOut, oldErr }()
	fn()
	wOut.Close()
	wErr.Close()
	return <-outc, <-errc, nil
}

// lintValueFlags are lint's flags that take a value; any other argument not
// starting with - is a config to lint.
var lintValueFlags = map[string]bool{"-r": true, "--resources": true, "-e": true, "--env-file": true, "-t": true, "--templates": true}

// lintHasTarget reports whether lint's arguments name something to lint:
// a path, or resources (-r). Without one Benthos lints nothing and exits 0.
func lintHasTarget(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-r" || a == "--resources" || strings.HasPrefix(a, "--resources=") || strings.HasPrefix(a, "-r="):
			return true
		case a == "-h" || a == "--help":
			return true
		case lintValueFlags[a]:
			i++
		case !strings.HasPrefix(a, "-"):
			return true
		}
	}
	return false
}

// benthosEnvRef matches what Benthos' config reader takes for an environment
// variable reference, ${NAME} or ${NAME:default}; the reader turns the
// escape ${{NAME…}} into ${NAME…}, so echo's output must escape it again.
var benthosEnvRef = regexp.MustCompile(`\${[0-9A-Za-z_.]+(:((\${[^}]+})|[^}])*)?(?:\|[0-9A-Za-z]+)?}`)

// escapeEnvRefs re-escapes every ${…} that the config reader would read as
// an environment variable reference: after echo has resolved them, any that
// remain were written escaped.
func escapeEnvRefs(b []byte) []byte {
	return benthosEnvRef.ReplaceAllFunc(b, func(m []byte) []byte {
		return []byte("${{" + string(m[2:len(m)-1]) + "}}")
	})
}

// objectMapFields are the fields, by component, that are maps of objects:
// Benthos' create writes their children as one flat object. Each gets the
// key a user would most likely write first.
var objectMapFields = map[string]map[string]string{
	"revel_poller": {"resources": "employees"},
}

// placeholders fill fields, by component, that create leaves empty but
// lint requires, with a line comment saying what to put there.
var placeholders = map[string]map[string][2]string{
	"revel_poller": {"subdomain": {"acme", "your tenant: acme for https://acme.revelup.com (or set base_url)"}},
}

// fixCreated puts each flattened object-map field of a created config under
// a key, fills placeholders and drops optional fields without a default; output that does not parse as YAML (help)
// is returned unchanged.
func fixCreated(out []byte) []byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return out
	}
	changed := false
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			// An optional field without a default is written with an example
			// value, which would change what the config does
			// (kafka_franz's partition), so it is left out.
			kept := n.Content[:0]
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].LineComment == "# No default (optional)" || n.Content[i+1].LineComment == "# No default (optional)" {
					changed = true
					continue
				}
				kept = append(kept, n.Content[i], n.Content[i+1])
			}
			n.Content = kept
			for i := 0; i+1 < len(n.Content); i += 2 {
				name, comp := n.Content[i].Value, n.Content[i+1]
				if comp.Kind != yaml.MappingNode {
					continue
				}
				for j := 0; j+1 < len(comp.Content); j += 2 {
					v := comp.Content[j+1]
					if p, ok := placeholders[name][comp.Content[j].Value]; ok && v.Kind == yaml.ScalarNode && v.Value == "" {
						v.Value, v.Style, v.LineComment = p[0], 0, p[1]
						changed = true
					}
				}
				if fields, ok := objectMapFields[name]; ok {
					for j := 0; j+1 < len(comp.Content); j += 2 {
						key, ok := fields[comp.Content[j].Value]
						v := comp.Content[j+1]
						if ok && v.Kind == yaml.MappingNode && len(v.Content) > 0 && v.Content[1].Kind != yaml.MappingNode {
							comp.Content[j+1] = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
								{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v,
							}}
							changed = true
						}
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(doc.Content[0])
	if !changed {
		return out
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc.Content[0]); err != nil {
		return out
	}
	return buf.Bytes()
}

// lintLine is one line of Benthos' lint output, "path(line,col) problem",
// possibly coloured.
var lintLine = regexp.MustCompile(`^(\x1b\[[0-9;]*m)?(.+)\((\d+),(\d+)\) (.*)$`)

// fieldPath is how a revel_poller problem starts: the field's dotted path.
var fieldPath = regexp.MustCompile(`^([a-z_]+(?:\.[A-Za-z0-9_-]+)*): `)

// placeLints moves each revel_poller problem from the line of the component
// (where Benthos reports a component's lint rule) to the line of the field
// the problem names. Other lines pass unchanged.
func placeLints(stderr []byte, readFile func(string) ([]byte, error)) []byte {
	docs := map[string]*yaml.Node{}
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(stderr), "\n") {
		m := lintLine.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if m == nil {
			out.WriteString(line)
			continue
		}
		path, msg := m[2], m[5]
		at, _ := strconv.Atoi(m[3])
		fp := fieldPath.FindStringSubmatch(msg)
		if fp == nil {
			out.WriteString(line)
			continue
		}
		doc, ok := docs[path]
		if !ok {
			doc = &yaml.Node{}
			if b, err := readFile(path); err != nil || yaml.Unmarshal(b, doc) != nil {
				doc = nil
			}
			docs[path] = doc
		}
		if key := fieldNode(doc, at, strings.Split(fp[1], ".")); key != nil {
			line = fmt.Sprintf("%s%s(%d,%d) %s\n", m[1], path, key.Line, key.Column, msg)
		}
		out.WriteString(line)
	}
	return out.Bytes()
}

// fieldNode finds, under a revel_poller whose config starts on line at,
// the key node of the deepest field of path present; nil if none.
func fieldNode(doc *yaml.Node, at int, path []string) *yaml.Node {
	if doc == nil {
		return nil
	}
	var comp *yaml.Node
	var find func(n *yaml.Node)
	find = func(n *yaml.Node) {
		for i := 0; comp == nil && i < len(n.Content); i++ {
			c := n.Content[i]
			if n.Kind == yaml.MappingNode && i%2 == 0 && c.Value == "revel_poller" && i+1 < len(n.Content) && n.Content[i+1].Line == at {
				comp = n.Content[i+1]
				return
			}
			find(c)
		}
	}
	find(doc)
	var key *yaml.Node
	for n := comp; n != nil && len(path) > 0; path = path[1:] {
		var next *yaml.Node
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == path[0] {
				key, next = n.Content[i], n.Content[i+1]
				break
			}
		}
		n = next
	}
	return key
}
