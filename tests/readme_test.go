package tests

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

// ownBuild is the README's program for "your own Benthos build": the Go
// block after the <!-- own-build --> marker.
var ownBuild = regexp.MustCompile("(?s)<!-- own-build -->\\s*```go\\n(.*?)```")

// TestReadmeOwnBuildRunsTheExamples builds the README's own-build program as
// a user would, in a module of its own that requires this one (replaced by
// this checkout), lints the examples it claims to run, and runs
// config/callback.yaml with it against the simulator until a callback
// receives events.
func TestReadmeOwnBuildRunsTheExamples(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := ownBuild.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no <!-- own-build --> Go block")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	goMod := fmt.Sprintf("module example.com/ownbuild\n\ngo 1.26.0\n\nrequire github.com/revel-connect/revel-connect v0.0.0\n\nreplace github.com/revel-connect/revel-connect => %s\n", root)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"go.mod": []byte(goMod), "go.sum": sum, "main.go": m[1]} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "own-benthos")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the README's program: %v\n%s", err, out)
	}

	for _, f := range exampleConfigs(t) {
		if filepath.Base(f) == "fanout.yaml" { // Kafka: the README says so
			continue
		}
		cmd := exec.Command(bin, "lint", f)
		for k, v := range exampleEnv(nil) {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("own build: lint %s: %v\n%s", f, err, out)
		}
	}

	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", map[string]any{"first_name": "Ada"})
	var posts atomic.Int64
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
	}))
	defer callback.Close()
	run := exec.Command(bin, "run", "--set", "http.address="+freeAddr(t), filepath.Join(root, "config", "callback.yaml"))
	for k, v := range exampleEnv(simulatorEnv(base, callback.URL, t.TempDir())) {
		run.Env = append(run.Env, k+"="+v)
	}
	logs := &testutil.Buffer{}
	run.Stdout, run.Stderr = logs, logs
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- run.Wait() }()
	defer func() { _ = run.Process.Kill(); <-exited }()
	eventually(t, func() string {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Sprintf("own build exited: %v", err)
		default:
		}
		return "no event reached the callback:\n" + logs.String()
	}, func() bool {
		return posts.Load() > 0
	})
	if posts.Load() == 0 {
		t.Fatalf("own build delivered nothing:\n%s", logs.String())
	}
}
