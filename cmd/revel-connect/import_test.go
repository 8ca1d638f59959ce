package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

const importSeedFile = "ceimport/testdata/seed.json"

// runImport runs `revel-connect import args...` with stdin and returns its
// output, warnings and error.
func runImport(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &cli.App{
		Name:      "revel-connect",
		Commands:  []*cli.Command{importCommand()},
		Reader:    strings.NewReader(stdin),
		Writer:    &out,
		ErrWriter: &errOut,
	}
	err = app.Run(append([]string{"revel-connect", "import"}, args...))
	return out.String(), errOut.String(), err
}

func TestImportReadsAFileOrStdin(t *testing.T) {
	seed, err := os.ReadFile(importSeedFile)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, warnings, err := runImport(t, "", "--instance-id", "7950647", importSeedFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"subdomain: cloud-elements\n", "refresh_interval: 15m\n", "      employees:\n", "      timesheets:\n", "      id: 7950647\n"} {
		if !strings.Contains(fromFile, want) {
			t.Errorf("pipeline lacks %q:\n%s", want, fromFile)
		}
	}
	if !strings.HasPrefix(warnings, "warning: event.notification.callback.url is Cloud Elements' own event endpoint") {
		t.Errorf("warnings %q", warnings)
	}
	for _, args := range [][]string{{"--instance-id", "7950647", "-"}, {"--instance-id", "7950647"}} {
		fromStdin, _, err := runImport(t, string(seed), args...)
		if err != nil {
			t.Fatal(err)
		}
		if fromStdin != fromFile {
			t.Errorf("import %v from stdin differs from the file's", args)
		}
	}
}

func TestImportFailsWithoutOutput(t *testing.T) {
	published, err := os.ReadFile("ceimport/testdata/seed-as-published.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"invalid JSON":   {string(published), []string{"-"}, "stdin: line 7, column 3: invalid character"},
		"missing file":   {"", []string{"no-such.json"}, "no-such.json"},
		"two files":      {"", []string{"a.json", "b.json"}, "one FILE"},
		"not an element": {`{"element": {"key": "hubspot"}}`, nil, `stdin: element.key is "hubspot"`},
	} {
		t.Run(name, func(t *testing.T) {
			out, _, err := runImport(t, tc.stdin, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if out != "" {
				t.Errorf("printed a pipeline despite the error:\n%s", out)
			}
		})
	}
}

// docs/migration.md's sample body imports with the one warning it says.
func TestMigrationGuideSampleGivesOneWarning(t *testing.T) {
	doc, err := os.ReadFile("../../docs/migration.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- import-sample -->\\s*```json\\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/migration.md has no <!-- import-sample --> JSON block")
	}
	if !strings.Contains(string(doc), "seed above gives one warning: its callback is Cloud Elements' own event") {
		t.Fatal("the guide no longer says which warning the sample gives; update this test with it")
	}
	out, warnings, err := runImport(t, string(m[1]), "--instance-id", "7950647")
	if err != nil || out == "" {
		t.Fatalf("import of the guide's sample: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(warnings), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "Cloud Elements' own event endpoint") {
		t.Errorf("warnings:\n%s\nwant only the one about the callback", warnings)
	}
}
