package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"github.com/revel-connect/revel-connect/revelsim"
	"github.com/revel-connect/revel-connect/revelsim/revelsimtest"
)

// TestSecretsNeverShow greps every output path for each secret of a
// stream: the streams API's answers, its errors, echo, lint and the logs at
// debug level. The secrets are literal in the config, expanded from the
// environment, or in a URL's user info.
func TestSecretsNeverShow(t *testing.T) {
	const (
		apiKey      = "key-4f9a1c07"      // literal
		apiSecret   = "revel-secret-7d2e" // from the environment
		kafkaPass   = "kafka-pass-93b1"   // literal, in a list
		clientSec   = "oauth-secret-5e8d" // literal, oauth2 disabled
		cbPass      = "cb-pass-61c0"      // a callback URL's user info
		badURLPass  = "bad-pass-2a7f"     // in a URL that does not parse
		envVariable = "RCTEST_API_SECRET"
	)
	secrets := []string{apiKey, apiSecret, kafkaPass, clientSec, cbPass, badURLPass}
	t.Setenv(envVariable, apiSecret) // the streams process, echo and lint inherit it

	sim := revelsimtest.Start(t, revelsim.Options{APIKey: apiKey, APISecret: apiSecret})
	sim.Insert("Employee", map[string]any{"first_name": "Ana"})
	var calls atomic.Int32
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable) // retried: logged with its URL
	}))
	defer callback.Close()
	cbHost := strings.TrimPrefix(callback.URL, "http://")

	stream := fmt.Sprintf(`input:
  revel_poller:
    base_url: %s
    api_key: %s
    api_secret: ${%s}
    oauth2:
      client_secret: %s
    refresh_interval: 100ms
    start_from: earliest
    resources:
      employees:
        url: /resources/Employee/
        id_field: id
output:
  broker:
    pattern: fan_out
    outputs:
      - http_callback:
          url: http://rc:%s@%s/hook
          retry_period: 50ms
      - kafka_franz:
          seed_brokers: [ 127.0.0.1:1 ]
          topic: events
          sasl:
            - mechanism: SCRAM-SHA-256
              username: rc
              password: %s
`, sim.URL(), apiKey, envVariable, clientSec, cbPass, cbHost, kafkaPass)

	s := startStreamsAPI(t, "", "", "logger:\n  level: debug\nshutdown_timeout: 2s\n")
	logs := &testutil.Buffer{}
	for _, l := range s.startup {
		logs.Write([]byte(l + "\n"))
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for l := range s.proc.lines {
			logs.Write([]byte(l + "\n"))
		}
	}()

	var answers []string
	answer := func(method, path, body string, want int) string {
		t.Helper()
		code, out := s.call(t, method, path, body, false)
		if code != want && (want != 0 || code < 400) {
			t.Fatalf("%s %s: %d %s, want %d (0: any error)", method, path, code, out, want)
		}
		answers = append(answers, fmt.Sprintf("%s %s: %s", method, path, out))
		return out
	}
	answer(http.MethodPost, "/streams/tenant", stream, http.StatusOK)
	deadline := time.Now().Add(waitLimit)
	for calls.Load() < 2 { // the pipeline ran: polled Revel, failed a delivery, retried
		if time.Now().After(deadline) {
			t.Fatalf("the callback was never called; logs:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
	got := answer(http.MethodGet, "/streams/tenant", "", http.StatusOK)
	for _, want := range []string{scrubbedMark, "rc:xxxxx@" + cbHost, sim.URL(), `"active":true`} {
		if !strings.Contains(got, want) {
			t.Errorf("GET /streams/tenant lacks %q: %s", want, got)
		}
	}
	answer(http.MethodGet, "/streams", "", http.StatusOK)
	// Refused configs: a URL that does not parse, linted and not.
	bad := strings.Replace(stream, "base_url: "+sim.URL(), "base_url: http://rc:"+badURLPass+"@bad host/", 1)
	answer(http.MethodPost, "/streams/bad?chilled=true", bad, 0)
	answer(http.MethodPost, "/streams/bad", bad, 0)
	answer(http.MethodPost, "/streams", "bad:\n"+indent(bad), 0)
	answer(http.MethodPut, "/streams/tenant", strings.Replace(stream, "fan_out", "no_such_pattern", 1), 0)

	file := writeFile(t, "stream.yaml", stream)
	echo, err := cmdOutput(t, "echo", file)
	if err != nil || !strings.Contains(string(echo), "rc:xxxxx@") {
		t.Errorf("echo: %v\n%s", err, echo)
	}
	lint, err := cmdOutput(t, "lint", writeFile(t, "bad.yaml", bad+"unknown_section: 1\n"))
	if err == nil {
		t.Errorf("lint passed a bad config:\n%s", lint)
	}

	if err := s.proc.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-drained:
	case <-time.After(waitLimit):
		t.Fatal("streams mode did not stop")
	}
	<-s.proc.done
	outputs := map[string]string{
		"API answers": strings.Join(answers, "\n"),
		"echo":        string(echo),
		"lint":        string(lint),
		"logs":        logs.String() + s.proc.stderr.String(),
	}
	if !strings.Contains(outputs["logs"], "level=debug") {
		t.Errorf("no debug lines logged:\n%s", outputs["logs"])
	}
	for name, out := range outputs {
		for _, secret := range secrets {
			if strings.Contains(out, secret) {
				t.Errorf("%s show %q:\n%s", name, secret, out)
			}
		}
	}
}

// TestCallbackTLSIsVerified: http_callback, as configured by default, does
// not deliver to a server whose certificate nothing vouches for.
func TestCallbackTLSIsVerified(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	conf := fmt.Sprintf("input:\n  generate:\n    mapping: root = {}\n    count: 1\noutput:\n  http_callback:\n    url: %s/hook\n    retry_period: 50ms\nhttp:\n  enabled: false\n", srv.URL)
	p := start(t, "run", writeFile(t, "tls.yaml", conf))
	p.until(t, "a failed delivery", func(line string) bool { return strings.Contains(line, "certificate") })
	if n := requests.Load(); n != 0 {
		t.Errorf("the callback received %d requests", n)
	}
}
