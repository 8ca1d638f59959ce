package testutil

import (
	"os/exec"
	"strings"
	"testing"
)

// Production code must not depend on test helpers (kfake among them).
func TestOnlyTestsImportIt(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, "github.com/revel-connect/revel-connect/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const self = "github.com/revel-connect/revel-connect/internal/testutil"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		if pkg != self && strings.Contains(" "+imports+" ", " "+self+" ") {
			t.Errorf("%s imports internal/testutil outside its tests", pkg)
		}
	}
}
