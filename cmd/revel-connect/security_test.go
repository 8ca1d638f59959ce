package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestLoopbackOnly(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:4195":    true,
		"127.1.2.3:4195":    true,
		"localhost:4195":    true,
		"[::1]:4195":        true,
		"0.0.0.0:4195":      false,
		":4195":             false,
		"[::]:4195":         false,
		"10.0.0.7:4195":     false,
		"example.com:4195":  false,
		"127.0.0.1":         false, // not host:port: Benthos could not bind it either
		"[fe80::1%lo]:4195": false,
	} {
		if got := loopbackOnly(addr); got != want {
			t.Errorf("loopbackOnly(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestListenerPolicy(t *testing.T) {
	exposed := listenerPolicy{streamsMode: true, enabled: true, address: "0.0.0.0:4195"}
	for _, c := range []struct {
		name    string
		edit    func(*listenerPolicy)
		refused bool
		warning string // a substring of the one warning; "" for none
	}{
		{"streams, exposed, no auth", func(*listenerPolicy) {}, true, ""},
		{"streams, every interface by empty host", func(p *listenerPolicy) { p.address = ":4195" }, true, ""},
		{"streams, loopback", func(p *listenerPolicy) { p.address = "127.0.0.1:4195" }, false, ""},
		{"streams, server disabled", func(p *listenerPolicy) { p.enabled = false }, false, ""},
		{"streams --no-api", func(p *listenerPolicy) { p.noAPI = true }, false, ""},
		{"streams, basic_auth and TLS", func(p *listenerPolicy) { p.basicAuth, p.tls = true, true }, false, ""},
		{"streams, basic_auth without TLS", func(p *listenerPolicy) { p.basicAuth = true }, false, "in clear"},
		{"streams, proxy authenticates", func(p *listenerPolicy) { p.allowUnauthAPI = true }, false, "--allow-unauthenticated-api"},
		{"run, exposed, no auth", func(p *listenerPolicy) { p.streamsMode = false }, false, ""},
		{"run, loopback, flag", func(p *listenerPolicy) { p.streamsMode, p.address, p.allowUnauthAPI = false, "127.0.0.1:4195", true }, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := exposed
			c.edit(&p)
			warnings, err := p.check()
			if (err != nil) != c.refused {
				t.Fatalf("refused = %v (%v), want %v", err != nil, err, c.refused)
			}
			if c.warning == "" && len(warnings) > 0 || c.warning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], c.warning)) {
				t.Errorf("warnings %q, want one containing %q", warnings, c.warning)
			}
		})
	}
}

// writeFile writes content to name in a new temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// heldPort listens on 127.0.0.1 until the test ends and returns the port:
// a server told to bind 0.0.0.0 on it cannot, so a test can watch what
// revel-connect says about an exposed address without exposing anything.
func heldPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func TestStreamsRefusesAnUnauthenticatedAPIBeyondLoopback(t *testing.T) {
	root := writeFile(t, "root.yaml", fmt.Sprintf("http:\n  address: 0.0.0.0:%d\n", heldPort(t)))
	out, err := cmdOutput(t, "streams", "-o", root)
	if err == nil {
		t.Fatalf("streams started:\n%s", out)
	}
	if !strings.Contains(string(out), errUnauthenticatedAPI.Error()) {
		t.Errorf("the refusal does not say what to set:\n%s", out)
	}
	if strings.Contains(string(out), "Launching") {
		t.Errorf("streams mode launched before refusing:\n%s", out)
	}
}

func TestStreamsBehindAnAuthenticatingProxyWarns(t *testing.T) {
	root := writeFile(t, "root.yaml", fmt.Sprintf("http:\n  address: 0.0.0.0:%d\n", heldPort(t)))
	p := start(t, "streams", "--"+flagAllowUnauthenticatedAPI, "-o", root)
	p.until(t, "a warning about the unauthenticated API", func(line string) bool {
		return strings.Contains(line, "level=warn") && strings.Contains(line, "--"+flagAllowUnauthenticatedAPI)
	})
	p.until(t, "streams mode starting", func(line string) bool { return strings.Contains(line, "streams mode") })
}

// streamsAPI is a running `revel-connect streams` on a loopback port.
type streamsAPI struct {
	url        string
	user, pass string // basic auth; "" without
	proc       *process
	startup    []string // the lines logged until the server listened
}

// startStreamsAPI runs streams mode on a free loopback port, with basic
// auth when user is set and rootExtra added to its root config, and waits
// until its API answers.
func startStreamsAPI(t *testing.T, user, pass, rootExtra string, args ...string) *streamsAPI {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	root := fmt.Sprintf("http:\n  address: 127.0.0.1:%d\n", port)
	if user != "" {
		sum := sha256.Sum256([]byte(pass))
		root += fmt.Sprintf("  basic_auth:\n    enabled: true\n    username: %s\n    password_hash: %s\n    algorithm: sha256\n",
			user, base64.StdEncoding.EncodeToString(sum[:]))
	}
	s := &streamsAPI{url: fmt.Sprintf("http://127.0.0.1:%d", port), user: user, pass: pass}
	path := writeFile(t, "root.yaml", root+rootExtra)
	s.proc = start(t, append([]string{"streams", "-o", path}, args...)...)
	s.startup = s.proc.until(t, "the HTTP server", func(line string) bool { return strings.Contains(line, "Listening for HTTP requests") })
	deadline := time.Now().Add(waitLimit)
	for {
		if resp, err := s.do(t, http.MethodGet, "/ready", "", true); err == nil && resp.StatusCode == http.StatusOK {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("streams API at %s never ready; stderr:\n%s", s.url, s.proc.stderr)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not waiting for time
	}
}

// do makes a request, with the credentials when auth is true; the body is
// read into resp.Body again.
func (s *streamsAPI) do(t *testing.T, method, path, body string, auth bool) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth && s.user != "" {
		req.SetBasicAuth(s.user, s.pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return resp, nil
}

// call is do that fails the test on a transport error, returning the body.
func (s *streamsAPI) call(t *testing.T, method, path, body string, auth bool) (int, string) {
	t.Helper()
	resp, err := s.do(t, method, path, body, auth)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStreamsBasicAuth(t *testing.T) {
	s := startStreamsAPI(t, "ops", "s3cret-api-password", "")
	for _, path := range []string{"/streams", "/ready", "/streams/missing"} {
		if code, body := s.call(t, http.MethodGet, path, "", false); code != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: %d %s, want 401", path, code, body)
		}
	}
	bad := *s
	bad.pass = "wrong"
	if code, _ := bad.call(t, http.MethodGet, "/streams", "", true); code != http.StatusUnauthorized {
		t.Errorf("GET /streams with a wrong password: %d, want 401", code)
	}
	if code, body := s.call(t, http.MethodPost, "/streams/gen", "input:\n  generate:\n    mapping: root = 1\n    interval: 1h\noutput:\n  drop: {}\n", false); code != http.StatusUnauthorized {
		t.Errorf("POST /streams/gen without credentials: %d %s, want 401", code, body)
	}
	if code, body := s.call(t, http.MethodGet, "/streams", "", true); code != http.StatusOK || body != "{}" {
		t.Errorf("GET /streams with credentials: %d %s, want 200 {}", code, body)
	}
	// The container's HEALTHCHECK, given the credentials in its URL.
	withAuth := strings.Replace(s.url, "://", "://ops:"+s.pass+"@", 1) + "/ready"
	if out, err := cmdOutput(t, "healthcheck", "--url", withAuth); err != nil {
		t.Errorf("healthcheck with credentials: %v\n%s", err, out)
	}
	wrong := strings.Replace(withAuth, s.pass, "wrong-password", 1)
	if out, err := cmdOutput(t, "healthcheck", "--url", wrong); err == nil || strings.Contains(string(out), "wrong-password") {
		t.Errorf("healthcheck with a wrong password: %v\n%s", err, out)
	}
}

// commandStream would run a shell, were the command processor there.
const commandStream = `input:
  generate:
    mapping: root = "x"
    count: 1
pipeline:
  processors:
    - command:
        name: sh
        args_mapping: '["-c", "echo pwned"]'
output:
  drop: {}
`

func TestCommandProcessorIsAnUnknownComponent(t *testing.T) {
	s := startStreamsAPI(t, "", "", "")
	// Linted, and unlinted (?chilled=true): the stream is never built.
	for _, path := range []string{"/streams/cmd", "/streams/cmd?chilled=true"} {
		code, body := s.call(t, http.MethodPost, path, commandStream, false)
		if code != http.StatusBadRequest || !strings.Contains(body, "leaves command out") {
			t.Errorf("POST %s: %d %s, want 400 saying the build leaves the command processor out", path, code, body)
		}
	}
	if code, body := s.call(t, http.MethodGet, "/streams/cmd", "", false); code != http.StatusNotFound {
		t.Errorf("GET /streams/cmd: %d %s, want 404", code, body)
	}

	conf := writeFile(t, "cmd.yaml", commandStream)
	out, err := cmdOutput(t, "lint", conf)
	if err == nil || !strings.Contains(string(out), "leaves command out") || !strings.Contains(string(out), "benthos_full") {
		t.Errorf("lint of a command processor: %v\n%s, want it to say the build leaves it out and how to get it", err, out)
	}
	out, err = cmdOutput(t, "list", "processors", "inputs", "outputs")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	for _, name := range append(leftOut, "revel_poller", "kafka_franz", "http_client", "mapping") {
		listed := strings.Contains(string(out), "  - "+name+"\n")
		if want := !contains(leftOut, name); listed != want {
			t.Errorf("list shows %s: %v, want %v", name, listed, want)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestHTTPAddressDefaultsToLoopback(t *testing.T) {
	out, err := cmdOutput(t, "echo", writeFile(t, "gen.yaml", "input:\n  generate:\n    mapping: root = 1\noutput:\n  drop: {}\n"))
	if err != nil {
		t.Fatalf("echo: %v\n%s", err, out)
	}
	var conf struct {
		HTTP struct{ Address string } `yaml:"http"`
	}
	if err := yaml.Unmarshal(out, &conf); err != nil || conf.HTTP.Address != defaultHTTPAddress {
		t.Errorf("echo shows http.address %q (%v), want %s:\n%s", conf.HTTP.Address, err, defaultHTTPAddress, out)
	}
}

// TestDefaultListenerIsLoopbackOnly reads the address the kernel bound for
// a pipeline without an http section, not what the log says.
func TestDefaultListenerIsLoopbackOnly(t *testing.T) {
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("needs /proc/net/tcp")
	}
	p := start(t, "run", writeFile(t, "gen.yaml", "input:\n  generate:\n    mapping: root = 1\n    interval: 1h\noutput:\n  drop: {}\n"))
	deadline := time.Now().Add(waitLimit)
	for {
		addrs, err := listening(p.cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if len(addrs) > 0 {
			for _, a := range addrs {
				if a.Port != 4195 || !a.IP.IsLoopback() {
					t.Errorf("listening on %v, want 127.0.0.1:4195 only", a)
				}
			}
			return
		}
		select {
		case line := <-p.lines:
			if strings.Contains(line, "address already in use") {
				t.Skip("port 4195 is taken on this machine")
			}
			continue
		case <-p.done:
			t.Fatalf("exited: %v\n%s", p.waitErr, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no listening socket")
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
}

// listening returns the TCP addresses process pid listens on, from
// /proc/<pid>/fd and /proc/net/tcp{,6}.
func listening(pid int) ([]*net.TCPAddr, error) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return nil, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var addrs []*net.TCPAddr
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		raw, err := os.ReadFile(table)
		if err != nil {
			continue // no IPv6
		}
		for _, line := range strings.Split(string(raw), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] { // 0A: LISTEN
				continue
			}
			a, err := procAddr(f[1])
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %w", table, f[1], err)
			}
			addrs = append(addrs, a)
		}
	}
	return addrs, nil
}

// procAddr decodes /proc/net/tcp's address:port, the address in 32-bit
// words of host byte order (little endian here), the port in hex.
func procAddr(s string) (*net.TCPAddr, error) {
	host, port, ok := strings.Cut(s, ":")
	b, err := hex.DecodeString(host)
	if !ok || err != nil || len(b)%4 != 0 {
		return nil, fmt.Errorf("bad address")
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return nil, err
	}
	return &net.TCPAddr{IP: net.IP(b), Port: int(p)}, nil
}

func TestProcAddr(t *testing.T) {
	for in, want := range map[string]string{
		"0100007F:1063":                         "127.0.0.1:4195",
		"00000000:1063":                         "0.0.0.0:4195",
		"00000000000000000000000001000000:1063": "[::1]:4195",
		"00000000000000000000000000000000:0050": "[::]:80",
	} {
		got, err := procAddr(in)
		if err != nil || got.String() != want {
			t.Errorf("procAddr(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

// TestShippedAndPrintedPipelinesBindLoopback: every config/*.yaml, what
// `import` writes and the pipeline `demo --config` and `simulator` print
// name a loopback http.address, so that they keep to it under any Benthos.
func TestShippedAndPrintedPipelinesBindLoopback(t *testing.T) {
	confs := map[string]string{}
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped configs: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		confs[f] = string(raw)
	}
	demo, err := cmdOutput(t, "demo", "--config")
	if err != nil {
		t.Fatalf("demo --config: %v\n%s", err, demo)
	}
	confs["demo --config"] = string(demo)
	imported, _, err := runImport(t, "", importSeedFile)
	if err != nil {
		t.Fatal(err)
	}
	confs["import"] = imported
	for name, conf := range confs {
		var c struct {
			HTTP struct{ Address string } `yaml:"http"`
		}
		if err := yaml.Unmarshal([]byte(conf), &c); err != nil {
			t.Errorf("%s: %v", name, err)
		} else if !loopbackOnly(c.HTTP.Address) {
			t.Errorf("%s: http.address %q, want a loopback address written out", name, c.HTTP.Address)
		}
	}
}

// TestStreamsAPIRefusesOtherSites: a web page can make a browser send
// requests to 127.0.0.1, directly or by rebinding its own name to it; the
// unauthenticated loopback API refuses both, and still answers curl.
func TestStreamsAPIRefusesOtherSites(t *testing.T) {
	s := startStreamsAPI(t, "", "", "")
	conf := "input:\n  generate:\n    mapping: root = 1\n    interval: 1h\noutput:\n  drop: {}\n"
	send := func(method, path, host string, header map[string]string) int {
		t.Helper()
		req, err := http.NewRequest(method, s.url+path, strings.NewReader(conf))
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	crossSite := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	if code := send(http.MethodPost, "/streams/x", "", crossSite); code != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", code)
	}
	if code := send(http.MethodDelete, "/streams/x", "", map[string]string{"Origin": "https://evil.example"}); code != http.StatusForbidden {
		t.Errorf("cross-origin DELETE: %d, want 403", code)
	}
	port := s.url[strings.LastIndex(s.url, ":")+1:]
	if code := send(http.MethodGet, "/streams", "rebound.evil.example:"+port, nil); code != http.StatusMisdirectedRequest {
		t.Errorf("GET with a foreign Host: %d, want 421", code)
	}
	if code := send(http.MethodGet, "/ready", "rebound.evil.example:"+port, nil); code != http.StatusOK {
		t.Errorf("GET /ready with a foreign Host: %d, want 200 (only the streams API is guarded)", code)
	}
	for _, host := range []string{"", "localhost:" + port} {
		if code := send(http.MethodGet, "/streams", host, nil); code != http.StatusOK {
			t.Errorf("GET /streams with Host %q: %d, want 200", host, code)
		}
	}
	if code := send(http.MethodPost, "/streams/x", "", nil); code != http.StatusOK {
		t.Errorf("POST as curl sends it: %d, want 200", code)
	}
}

func TestSubcommand(t *testing.T) {
	for want, args := range map[string][]string{
		"echo":    {"rc", "echo", "x.yaml"},
		"lint":    {"rc", "-c", "echo", "--log.level", "debug", "lint", "a.yaml"},
		"streams": {"rc", "--chilled", "-s", "a=b", "streams"},
		"":        {"rc", "--help"},
	} {
		if got := subcommand(args); got != want {
			t.Errorf("subcommand(%q) = %q, want %q", args, got, want)
		}
	}
}

func TestExplainLeftOut(t *testing.T) {
	for in, want := range map[string]string{
		"(6,1) unable to infer processor type from candidates: [command]": "leaves command out",
		"unable to infer input type from candidates: [nosuch]":            "unable to infer input type from candidates: [nosuch]",
		"no error here": "no error here",
	} {
		if got := explainLeftOut(in); !strings.Contains(got, want) {
			t.Errorf("explainLeftOut(%q) = %q, want it to contain %q", in, got, want)
		}
	}
}
