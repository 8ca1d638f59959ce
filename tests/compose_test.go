package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/revel-connect/revel-connect/internal/testutil"
	"gopkg.in/yaml.v3"
)

// composeService is the part of a Compose service the demo check reads.
type composeService struct {
	Profiles    []string          `yaml:"profiles"`
	Image       string            `yaml:"image"`
	Command     []string          `yaml:"command"`
	Volumes     []string          `yaml:"volumes"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   []string          `yaml:"depends_on"`
}

// eventRow is a line the receiver prints for an event.
var eventRow = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+\s+(CREATED|UPDATED|DELETED)\s`)

// TestComposeDemoShowsEvents runs deploy/docker-compose.yaml's demo profile
// as Compose would, with the built binary in place of the image: each demo
// service's command and environment as written, its Compose host names and
// ports mapped to free loopback ports, its mounts to the files they mount.
// The receiver must print events with no settings from the user.
func TestComposeDemoShowsEvents(t *testing.T) {
	path := filepath.Join("..", "deploy", "docker-compose.yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Compose checks a required variable for every service, whatever the
	// profile: one would stop `--profile demo up` before it starts.
	if regexp.MustCompile(`\$\{\w+:?\?`).Match(raw) {
		t.Error("the compose file requires a variable, so no profile starts without it")
	}
	var file struct {
		Services map[string]yaml.Node `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	demo := map[string]composeService{}
	for name, node := range file.Services {
		var s composeService
		if err := node.Decode(&s); err != nil {
			// Only demo services must decode (the others list environment
			// as pass-through names).
			var p struct {
				Profiles []string `yaml:"profiles"`
			}
			if node.Decode(&p) != nil || contains(p.Profiles, "demo") || len(p.Profiles) == 0 {
				t.Fatalf("service %s: %v", name, err)
			}
			continue
		}
		if len(s.Profiles) == 0 {
			t.Errorf("service %s has no profile, so `--profile demo up` starts it too", name)
		}
		if contains(s.Profiles, "demo") {
			if s.Image == "" {
				t.Errorf("demo service %s has no image", name)
			}
			demo[name] = s
		}
	}
	if len(demo) == 0 {
		t.Fatal("no demo services")
	}

	// Each listener gets a loopback port of its own (and one for Benthos'
	// HTTP server); http://name:port becomes it.
	addrs := freeAddrs(t, 2*len(demo)+1)
	nextAddr := func() string { a := addrs[0]; addrs = addrs[1:]; return a }
	hosts := map[string]string{}
	for name, s := range demo {
		for i, a := range s.Command {
			if a == "--addr" && i+1 < len(s.Command) {
				_, port, _ := strings.Cut(s.Command[i+1], ":")
				addr := nextAddr()
				hosts[name+":"+port] = addr
				s.Command[i+1] = addr
			}
		}
	}
	resolve := func(v string) string {
		for from, to := range hosts {
			v = strings.ReplaceAll(v, "//"+from, "//"+to)
		}
		return v
	}
	state := t.TempDir()
	receiverLogs := &testutil.Buffer{}
	started := map[string]bool{}
	var startService func(name string)
	startService = func(name string) {
		if started[name] {
			return
		}
		started[name] = true
		s, ok := demo[name]
		if !ok {
			t.Fatalf("demo service depends on %s, which is not in the demo profile", name)
		}
		for _, d := range s.DependsOn {
			startService(d)
		}
		args := append([]string(nil), s.Command...)
		for _, v := range s.Volumes {
			src, dst, _ := strings.Cut(v, ":")
			dst, _, _ = strings.Cut(dst, ":")
			if strings.HasPrefix(src, ".") {
				src = filepath.Join(filepath.Dir(path), src)
			} else {
				src = state // a named volume
			}
			for i := range args {
				args[i] = strings.Replace(args[i], dst, src, 1)
			}
			for k, e := range s.Environment {
				if e == dst {
					s.Environment[k] = src
				}
			}
		}
		if args[0] == "run" { // Benthos' HTTP server on a free port, not 4195
			args = append([]string{"run", "--set", "http.address=" + nextAddr()}, args[1:]...)
		}
		cmd := exec.Command(revelConnect(t), args...)
		for _, kv := range os.Environ() { // only what Compose would pass
			if !strings.HasPrefix(kv, "REVEL_") && !strings.HasPrefix(kv, "CALLBACK_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		for k, v := range s.Environment {
			cmd.Env = append(cmd.Env, k+"="+resolve(v))
		}
		logs := &testutil.Buffer{}
		if name == "receiver" {
			logs = receiverLogs
		}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
			if t.Failed() {
				t.Logf("%s %v:\n%s", name, args, logs.String())
			}
		})
	}
	for name := range demo {
		startService(name)
	}
	if _, ok := demo["receiver"]; !ok {
		t.Fatal("the demo has no receiver service to show events")
	}
	eventually(t, func() string { return "the receiver printed fewer than 10 events:\n" + receiverLogs.String() }, func() bool {
		n := 0
		for _, l := range strings.Split(receiverLogs.String(), "\n") {
			if eventRow.MatchString(l) {
				n++
			}
		}
		return n >= 10
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
