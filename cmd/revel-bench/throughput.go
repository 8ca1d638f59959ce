package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// The simulated tenant's credentials; both pipelines send them.
const (
	benchKey    = "bench-key"
	benchSecret = "bench-secret"
)

// measurement is one pipeline's run at one N.
type measurement struct {
	N    int
	Mode string
	result
}

// throughput serves n Employees for each n in ns and runs each mode against
// them, one child process per run.
func throughput(ns []int, modes []string, profileDir string, fileCheckpoints bool, progress io.Writer) ([]measurement, error) {
	var out []measurement
	for _, n := range ns {
		start := time.Now()
		sim, base, err := startEmployees(n)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "serving %d employees at %s (seeded and warmed in %s)\n", n, base, time.Since(start).Round(time.Millisecond))
		for _, mode := range modes {
			j := job{Mode: mode, BaseURL: base, N: n, Timeout: 30 * time.Minute}
			if profileDir != "" {
				j.CPUProfile = filepath.Join(profileDir, fmt.Sprintf("%s-%d.cpu.pprof", mode, n))
				j.MemProfile = filepath.Join(profileDir, fmt.Sprintf("%s-%d.allocs.pprof", mode, n))
			}
			if fileCheckpoints && mode == "poller" {
				if j.Dir, err = os.MkdirTemp("", "revel-bench-checkpoints-"); err != nil {
					return nil, err
				}
			}
			res, err := runJob(j)
			if j.Dir != "" {
				os.RemoveAll(j.Dir)
			}
			if err != nil {
				sim.Close()
				return nil, fmt.Errorf("%s at n=%d: %w", mode, n, err)
			}
			fmt.Fprintf(progress, "  %-8s %s\n", mode, res.summary())
			out = append(out, measurement{N: n, Mode: mode, result: res})
			sim.ResetRequests()
		}
		sim.Close()
	}
	return out, nil
}

// startEmployees serves n Employee records, each one changed a little over
// a second after the one before (so most dates carry microseconds, as
// Revel's do), all in the past. Every row is encoded once before any
// pipeline runs, so none pays the simulator's first-read cost.
func startEmployees(n int) (*revelsim.Server, string, error) {
	sim := revelsim.New(revelsim.Options{APIKey: benchKey, APISecret: benchSecret})
	step := 1234567 * time.Microsecond
	sim.SeedEmployees(n, time.Now().Add(-time.Duration(n)*step-time.Hour), step)
	warm := httptest.NewRecorder()
	for offset := 0; offset < n; offset += 1000 {
		r := httptest.NewRequest(http.MethodGet, "/resources/Employee/?limit=1000&offset="+strconv.Itoa(offset), nil)
		r.Header.Set("API-AUTHENTICATION", benchKey+":"+benchSecret)
		warm.Body.Reset()
		sim.ServeHTTP(warm, r)
	}
	sim.ResetRequests()
	base, err := sim.Start("")
	return sim, base, err
}

// printTable writes the measurements with each run's ratios to the
// poller's baseline and floor at the same N.
func printTable(w io.Writer, ms []measurement) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "records\tpipeline\tevents/s\tpoller/this\tpeak RSS MB\tCPU s\tbytes/event\t")
	for _, m := range ms {
		ratio := "-"
		if i := slices.IndexFunc(ms, func(p measurement) bool { return p.N == m.N && p.Mode == "poller" }); i >= 0 && m.Mode != "poller" {
			ratio = fmt.Sprintf("%.2f", ms[i].rate()/m.rate())
		}
		fmt.Fprintf(tw, "%d\t%s\t%.0f\t%s\t%.1f\t%.2f\t%d\t\n",
			m.N, m.Mode, m.rate(), ratio, m.PeakRSSMB, m.CPUSeconds, m.Bytes/int64(max(m.Events, 1)))
	}
	tw.Flush()
}
