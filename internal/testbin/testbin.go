// Package testbin gives tests the revel-connect binary as users run it,
// built once per test process the way `make build` and the Dockerfile build
// it, or taken from REVEL_CONNECT_BIN (make test passes bin/revel-connect,
// so CI tests the very binary it built).
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

const pkg = "github.com/revel-connect/revel-connect/cmd/revel-connect"

var (
	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
)

// Main runs a package's tests and removes the binary built for them; call
// it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// Path returns the binary, building it on first use.
func Path(tb testing.TB) string {
	tb.Helper()
	if env := os.Getenv("REVEL_CONNECT_BIN"); env != "" {
		abs, err := filepath.Abs(env)
		if err != nil {
			tb.Fatal(err)
		}
		return abs
	}
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "revel-connect-bin-"); err != nil {
			return
		}
		bin = filepath.Join(dir, "revel-connect")
		cmd := exec.Command("go", "build", "-trimpath", "-tags", "timetzdata", "-ldflags", "-s -w -X main.version=test", "-o", bin, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err = cmd.CombinedOutput()
	})
	if err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}
