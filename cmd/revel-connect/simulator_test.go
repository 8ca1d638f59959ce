package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var baseURL = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)

// startSimulator runs `simulator` on a free loopback port and returns its
// base URL and banner.
func startSimulator(t *testing.T, args ...string) (*process, string, []string) {
	t.Helper()
	p := start(t, append([]string{"simulator", "--addr", "127.0.0.1:0"}, args...)...)
	banner := p.until(t, "the banner", func(line string) bool { return line == "Ctrl-C stops the simulator." })
	url := baseURL.FindString(banner[0])
	if url == "" {
		t.Fatalf("no base URL in %q", banner[0])
	}
	return p, url, banner
}

func get(t *testing.T, url, auth string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("API-AUTHENTICATION", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// totalOrders reads meta.total_count and meta.time_zone of the order list.
func totalOrders(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/resources/Order/?limit=1", nil)
	req.Header.Set("API-AUTHENTICATION", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Meta struct {
			TotalCount int    `json:"total_count"`
			TimeZone   string `json:"time_zone"`
		} `json:"meta"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&env) != nil {
		t.Fatalf("order list: %s", resp.Status)
	}
	return env.Meta.TotalCount, env.Meta.TimeZone
}

// The standalone simulator serves a changing tenant behind credentials,
// keeps a secret it was given out of its output, suggests a pipeline that
// lints, and stops on SIGTERM.
func TestSimulatorServesAChangingTenant(t *testing.T) {
	const secret = "s3cr3t-not-for-printing"
	p, url, banner := startSimulator(t, "--api-key", "k", "--api-secret", secret, "--zone", "Asia/Tokyo", "--rate", "50",
		"--log-requests", "--log-changes")
	text := strings.Join(banner, "\n")
	if strings.Contains(text, secret) {
		t.Errorf("the banner shows the secret:\n%s", text)
	}

	if resp := get(t, url+"/resources/Order/", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without credentials: %s", resp.Status)
	}
	if resp := get(t, url+"/resources/Nope/", "k:"+secret); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown resource: %s", resp.Status)
	}
	first, zone := totalOrders(t, url, "k:"+secret)
	if zone != "Asia/Tokyo" {
		t.Errorf("meta.time_zone = %q", zone)
	}
	deadline := time.Now().Add(waitLimit)
	for n := first; n == first; n, _ = totalOrders(t, url, "k:"+secret) {
		if time.Now().After(deadline) {
			t.Fatalf("no order opened within %s", waitLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}

	yaml := text[strings.Index(text, "# Polls"):strings.LastIndex(text, "Ctrl-C")]
	file := filepath.Join(t.TempDir(), "revel.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	lint := exec.Command(binary(t), "lint", file)
	lint.Env = append(os.Environ(), "REVEL_API_SECRET="+secret) // the banner asks for it
	if out, err := lint.CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("suggested pipeline: %v\n%s\n%s", err, out, yaml)
	}
	if !strings.Contains(yaml, "${{DateTimeZone:Asia/Tokyo:") || !strings.Contains(yaml, "updated_date_timezone: Asia/Tokyo") {
		t.Errorf("suggested pipeline does not read dates in the simulator's zone:\n%s", yaml)
	}

	if rest := p.stop(t, syscall.SIGTERM); len(rest) == 0 || rest[len(rest)-1] != "simulator stopped" {
		t.Errorf("after SIGTERM: %q", rest)
	}
	logs := p.stderr.String()
	if !strings.Contains(logs, "change: insert Order ") || !strings.Contains(logs, "GET /resources/Order/") {
		t.Errorf("--log-changes and --log-requests logged:\n%s", logs)
	}
	if strings.Contains(logs, secret) {
		t.Errorf("the request log shows the secret:\n%s", logs)
	}
}

func TestSimulatorFaultFlags(t *testing.T) {
	_, url, _ := startSimulator(t, "--rate", "0", "--throttle-rate", "1", "--retry-after", "3s")
	if resp := get(t, url+"/resources/Order/", "demo:demo"); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("--throttle-rate 1: %s, Retry-After %q", resp.Status, resp.Header.Get("Retry-After"))
	}

	_, url, _ = startSimulator(t, "--rate", "0", "--error-rate", "1")
	if resp := get(t, url+"/resources/Order/", "demo:demo"); resp.StatusCode < 500 {
		t.Errorf("--error-rate 1: %s", resp.Status)
	}

	_, url, _ = startSimulator(t, "--rate", "0", "--slow-rate", "1", "--slow-delay", "1h")
	client := &http.Client{Timeout: 200 * time.Millisecond}
	if resp, err := client.Get(url + "/resources/Order/?api_key=demo&api_secret=demo"); err == nil {
		resp.Body.Close()
		t.Errorf("--slow-delay 1h: answered %s at once", resp.Status)
	}
}

func TestSimulatorProfileFlag(t *testing.T) {
	_, url, banner := startSimulator(t, "--rate", "0", "--profile", "rejects-id-gt")
	if !strings.Contains(strings.Join(banner, "\n"), "Profile rejects-id-gt: it answers 400 to id__gt") {
		t.Errorf("the banner does not name the profile:\n%s", strings.Join(banner, "\n"))
	}
	if resp := get(t, url+"/resources/Order/?order_by=id&id__gt=1", "demo:demo"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("--profile rejects-id-gt: id__gt answered %s", resp.Status)
	}
	if resp := get(t, url+"/resources/Order/?order_by=id", "demo:demo"); resp.StatusCode != http.StatusOK {
		t.Errorf("--profile rejects-id-gt: a first page answered %s", resp.Status)
	}
}

func TestSimulatorRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--error-rate", "1.5"},
		{"--zone", "Local"},
		{"--rate", "5000"},
		{"--api-key", "a:b"},
		{"--profile", "nope"},
	} {
		if out, err := cmdOutput(t, append([]string{"simulator", "--addr", "127.0.0.1:0"}, args...)...); err == nil {
			t.Errorf("simulator %v succeeded:\n%s", args, out)
		}
	}
}
