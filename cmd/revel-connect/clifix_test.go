package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestEscapeEnvRefs(t *testing.T) {
	for in, want := range map[string]string{
		`url: /r/?a=${DateTimeZone:PST:yyyy-MM-dd'T'HH:mm}`: `url: /r/?a=${{DateTimeZone:PST:yyyy-MM-dd'T'HH:mm}}`,
		`id: ${! @revel_event_id }`:                         `id: ${! @revel_event_id }`,
		`a: ${FOO} b: ${BAR:x}`:                             `a: ${{FOO}} b: ${{BAR:x}}`,
		`plain: $5 and {braces}`:                            `plain: $5 and {braces}`,
	} {
		if got := string(escapeEnvRefs([]byte(in))); got != want {
			t.Errorf("escapeEnvRefs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLintHasTarget(t *testing.T) {
	for args, want := range map[string]bool{
		"":                     false,
		"--verbose":            false,
		"-e .env":              false,
		"--deprecated -e .env": false,
		"a.yaml":               true,
		"-e .env a.yaml":       true,
		"-r res.yaml":          true,
		"--help":               true,
	} {
		if got := lintHasTarget(strings.Fields(args)); got != want {
			t.Errorf("lintHasTarget(%q) = %v, want %v", args, got, want)
		}
	}
}

const badPoller = `input:
  revel_poller:
    subdomain: acme
    refresh_interval: 15x
    resources:
      employees:
        url: /resources/Employee/?updated_date__gte=${{DateTimeZone:PST:yyyy-MM-ddTHH:mm:ss}}
        id_field: id
output:
  drop: {}
`

func TestPlaceLints(t *testing.T) {
	read := func(path string) ([]byte, error) {
		if path == "c.yaml" {
			return []byte(badPoller), nil
		}
		return nil, errors.New("no such file")
	}
	in := "c.yaml(3,1) refresh_interval: bad\n" +
		"\x1b[33mc.yaml(3,1) resources.employees.url: macro bad\x1b[0m\n" +
		"c.yaml(3,1) resources.orders.url: only the resource exists\n" +
		"c.yaml(9,1) field foo not recognised\n" +
		"other.yaml(3,1) subdomain: unreadable file\n" +
		"c.yaml(8,1) subdomain: not a revel_poller line\n"
	want := "c.yaml(4,5) refresh_interval: bad\n" +
		"\x1b[33mc.yaml(7,9) resources.employees.url: macro bad\x1b[0m\n" +
		"c.yaml(5,5) resources.orders.url: only the resource exists\n" +
		"c.yaml(9,1) field foo not recognised\n" +
		"other.yaml(3,1) subdomain: unreadable file\n" +
		"c.yaml(8,1) subdomain: not a revel_poller line\n"
	if got := string(placeLints([]byte(in), read)); got != want {
		t.Errorf("placeLints:\n%s\nwant:\n%s", got, want)
	}
}

// lintFile writes config to a file and lints it with the binary.
func lintFile(t *testing.T, config string) (string, string, error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := cmdOutput(t, "lint", file)
	return file, string(out), err
}

// Lint points at the field at fault, and says how to fix an unquoted T.
func TestLintNamesTheFieldsLine(t *testing.T) {
	file, out, err := lintFile(t, badPoller)
	if err == nil {
		t.Fatalf("lint passed:\n%s", out)
	}
	for _, want := range []string{
		file + `(4,5) refresh_interval: "15x"`,
		file + `(7,9) resources.employees.url: `,
		`as in "yyyy-MM-dd'T'HH:mm:ss"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lint output lacks %q:\n%s", want, out)
		}
	}
}

func TestLintWithoutFileFails(t *testing.T) {
	out, err := cmdOutput(t, "lint")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "revel-connect lint ./config.yaml") {
		t.Errorf("lint with no file: %v\n%s", err, out)
	}
}

// What create writes for our components is a config lint accepts.
func TestCreatedConfigsLint(t *testing.T) {
	for _, expr := range []string{"revel_poller//http_client", "revel_poller//http_callback", "revel_poller//kafka_franz", "revel_poller/mapping/stdout", "revel_poller//drop"} {
		for _, small := range []bool{false, true} {
			args := []string{"create", expr}
			if small {
				args = []string{"create", "--small", expr}
			}
			t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
				created, err := cmdOutput(t, args...)
				if err != nil {
					t.Fatalf("%v: %v\n%s", args, err, created)
				}
				if !strings.Contains(string(created), "resources:\n      employees:\n        url: ") {
					t.Errorf("resources is not a map of resources:\n%s", created)
				}
				if _, out, err := lintFile(t, string(created)); err != nil || out != "" {
					t.Errorf("lint: %v\n%s\nconfig:\n%s", err, out, created)
				}
			})
		}
	}
}

// echo's output is a config again: it lints, and echoing it gives the same.
func TestEchoRoundTrips(t *testing.T) {
	configs, err := filepath.Glob("../../config/*.yaml")
	if err != nil || len(configs) == 0 {
		t.Fatalf("no configs: %v", err)
	}
	env := []string{"REVEL_SUBDOMAIN=acme", "REVEL_API_KEY=key", "REVEL_API_SECRET=secret", "CALLBACK_URL=https://example.com/hook", "CE_SIGNATURE_KEY=k"}
	echo := func(file string) string {
		cmd := exec.Command(binary(t), "echo", file)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("echo %s: %v\n%s", file, err, out)
		}
		return string(out)
	}
	for _, config := range configs {
		t.Run(filepath.Base(config), func(t *testing.T) {
			first := echo(config)
			file, out, err := lintFile(t, first)
			if err != nil || out != "" {
				t.Fatalf("echo's output fails lint: %v\n%s\n%s", err, out, first)
			}
			if second := echo(file); second != first {
				t.Errorf("echo of echo differs:\n%s\nfirst:\n%s", second, first)
			}
		})
	}
}

func TestHelpSaysWhatItIs(t *testing.T) {
	out, err := cmdOutput(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	help := string(out)
	for _, bad := range []string{"mundane", "kafka//file"} {
		if strings.Contains(help, bad) {
			t.Errorf("help says %q:\n%s", bad, help)
		}
	}
	if !strings.Contains(help, "Revel") || !strings.Contains(help, "create revel_poller//http_client") {
		t.Errorf("help does not say what revel-connect is:\n%s", help)
	}
	out, _ = cmdOutput(t, "blobl", "--help")
	if !strings.Contains(string(out), benthosDocsURL+"/guides/bloblang/about") {
		t.Errorf("blobl help does not link Benthos' docs:\n%s", out)
	}
}

// --version and the startup log give both versions, each under its name.
func TestVersions(t *testing.T) {
	out, err := cmdOutput(t, "--version")
	if err != nil {
		t.Fatal(err)
	}
	bv := benthosVersion()
	if !strings.HasPrefix(bv, "v4.") {
		t.Fatalf("benthosVersion() = %q", bv)
	}
	if !strings.Contains(string(out), "Benthos "+bv) || !strings.HasPrefix(string(out), "revel-connect ") {
		t.Errorf("--version:\n%s", out)
	}
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("input:\n  generate:\n    count: 1\n    mapping: root = 1\noutput:\n  drop: {}\nhttp:\n  enabled: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = cmdOutput(t, "run", file)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	logs := string(out)
	if !strings.Contains(logs, "benthos_version="+bv) || strings.Contains(logs, "benthos_version=test") {
		t.Errorf("logs do not give Benthos' version as benthos_version:\n%s", logs)
	}
	if !strings.Contains(logs, "revel-connect ") || !strings.Contains(logs, " version=") {
		t.Errorf("logs do not give revel-connect's version:\n%s", logs)
	}
}

// A malformed dotenv file (-e) is named by line and column; its lines, which
// hold secrets, are not quoted back.
func TestDotenvErrorHidesTheFilesLines(t *testing.T) {
	const secret = "s3cr3t-dotenv-77"
	dir := t.TempDir()
	env := filepath.Join(dir, "revel.env")
	if err := os.WriteFile(env, []byte("REVEL_API_KEY=k\nREVEL_API_SECRET "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(conf, []byte("input:\n  stdin: {}\noutput:\n  drop: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"run", "lint", "echo"} {
		out, err := cmdOutput(t, cmd, "-e", env, conf)
		if err == nil {
			t.Errorf("%s -e with a malformed file succeeded:\n%s", cmd, out)
		}
		if strings.Contains(string(out), secret) {
			t.Errorf("%s quotes the dotenv file's secret:\n%s", cmd, out)
		}
		if !strings.Contains(string(out), "line 2 char 18") {
			t.Errorf("%s does not say where the dotenv file is malformed:\n%s", cmd, out)
		}
	}
}
