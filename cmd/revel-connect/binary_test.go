package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/testbin"
	"github.com/revel-connect/revel-connect/internal/testutil"
)

// waitLimit bounds every wait for an outcome.
const waitLimit = 30 * time.Second

func TestMain(m *testing.M) { testbin.Main(m) }

func binary(t *testing.T) string { return testbin.Path(t) }

// process is a running revel-connect whose output is read line by line.
type process struct {
	cmd     *exec.Cmd
	lines   chan string // closed at the end of output
	stderr  *testutil.Buffer
	done    chan struct{} // closed once exited; then waitErr is set
	waitErr error
}

// start runs the binary with args; the test's cleanup kills it if it is
// still running.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 1<<16), stderr: &testutil.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill() // a no-op once it has exited
		<-p.done
	})
	return p
}

// until reads lines until match returns true for one, failing the test if
// the process ends or waitLimit passes first. It returns the lines read.
func (p *process) until(t *testing.T, what string, match func(line string) bool) []string {
	t.Helper()
	var read []string
	deadline := time.After(waitLimit)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("exited before %s; output:\n%s\nstderr:\n%s", what, strings.Join(read, "\n"), p.stderr)
			}
			read = append(read, line)
			if match(line) {
				return read
			}
		case <-deadline:
			t.Fatalf("no %s within %s; output:\n%s\nstderr:\n%s", what, waitLimit, strings.Join(read, "\n"), p.stderr)
		}
	}
}

// stop interrupts the process as Ctrl-C does and returns the rest of its
// output once it has exited, failing unless it exits cleanly in time.
func (p *process) stop(t *testing.T, sig os.Signal) []string {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var rest []string
	deadline := time.After(waitLimit)
	for {
		select {
		case line, ok := <-p.lines:
			if ok {
				rest = append(rest, line)
				continue
			}
			<-p.done
			if p.waitErr != nil {
				t.Fatalf("after %v: %v; stderr:\n%s", sig, p.waitErr, p.stderr)
			}
			return rest
		case <-deadline:
			t.Fatalf("still running %s after %v", waitLimit, sig)
		}
	}
}

// cmdOutput runs the binary to completion and returns its combined output.
func cmdOutput(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	for _, kv := range os.Environ() { // as a user without these exported
		if !strings.HasPrefix(kv, "REVEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd.CombinedOutput()
}
