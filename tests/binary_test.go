package tests

import (
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/testbin"
	"github.com/revel-connect/revel-connect/internal/testutil"
)

func TestMain(m *testing.M) { testbin.Main(m) }

// revelConnect is the binary as users run it.
func revelConnect(t *testing.T) string { return testbin.Path(t) }

// startBinary runs revel-connect with args (and extra environment), its
// output going to logs; the test's cleanup stops it with SIGINT and fails
// if it does not exit promptly. The channel closes when it exits.
func startBinary(t *testing.T, logs *testutil.Buffer, env []string, args ...string) <-chan struct{} {
	t.Helper()
	cmd := exec.Command(revelConnect(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("revel-connect %s did not stop within 10s of SIGINT", args[0])
		}
	})
	return exited
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	return freeAddrs(t, 1)[0]
}

// freeAddrs is n distinct loopback addresses with ports free a moment
// ago: each listener stays open until all are chosen, as the kernel may
// hand a port just closed out again.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		addrs[i] = l.Addr().String()
	}
	return addrs
}
