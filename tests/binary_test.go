package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
	buildOut  []byte
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// revelConnect is the binary as users run it: REVEL_CONNECT_BIN when CI has
// built it, otherwise built once for the whole package.
func revelConnect(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("REVEL_CONNECT_BIN"); bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "revel-connect-bin-"); buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "revel-connect")
		buildOut, buildErr = exec.Command("go", "build", "-o", buildBin, "../cmd/revel-connect").CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return buildBin
}
