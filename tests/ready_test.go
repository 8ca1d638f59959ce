package tests

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
)

// runBinary starts `revel-connect run` on conf with its HTTP server on a
// free loopback port, and returns that server's base URL and the logs.
func runBinary(t *testing.T, conf string) (string, *testutil.Buffer) {
	t.Helper()
	addr := freeAddr(t)
	file := filepath.Join(t.TempDir(), "pipeline.yaml")
	if err := os.WriteFile(file, []byte(fmt.Sprintf("http:\n  address: %s\n%s", addr, conf)), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &testutil.Buffer{}
	startBinary(t, logs, nil, "run", file)
	return "http://" + addr, logs
}

// readiness returns /ready's status, or 0 while the server is not up.
func readiness(base string) (int, string) {
	resp, err := http.Get(base + "/ready")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestReadyReflectsRejectedCredentials(t *testing.T) {
	sim, base := startSim(t, revelsim.Options{})
	sim.Insert("Employee", nil)
	conf := pollerConf(base, "", "", resource("employees", "/resources/Employee/", "")) + "output:\n  drop: {}\n"

	wrong := strings.Replace(conf, "api_secret: "+apiSecret, "api_secret: not-the-secret", 1)
	// A proxy's credentials in base_url must not show in the error either.
	wrong = strings.Replace(wrong, "base_url: http://", "base_url: http://proxy:proxy-pass-123@", 1)
	api, logs := runBinary(t, wrong)
	eventually(t, func() string { return logs.String() }, func() bool {
		return strings.Count(logs.String(), "Revel rejects the credentials for employees") >= 2
	})
	if code, body := readiness(api); code != http.StatusServiceUnavailable {
		t.Fatalf("/ready = %d %q while Revel rejects the credentials, want 503", code, body)
	}
	for _, secret := range []string{"not-the-secret", "proxy-pass-123"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("%s was logged:\n%s", secret, logs.String())
		}
	}

	api, logs = runBinary(t, conf)
	eventually(t, func() string {
		code, body := readiness(api)
		return fmt.Sprintf("%d %s\n%s", code, body, logs.String())
	}, func() bool {
		code, _ := readiness(api)
		return code == http.StatusOK
	})
}
