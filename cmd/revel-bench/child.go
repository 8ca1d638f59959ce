package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"
)

// childEnv carries a child's job, as JSON, from the parent; a process that
// finds it set runs that job instead of its command line.
const childEnv = "REVEL_BENCH_CHILD"

// allModes are the pipelines a throughput child can run.
var allModes = []string{"poller", "baseline", "floor"}

func validMode(m string) bool { return slices.Contains(allModes, m) }

// job is what one child measures.
type job struct {
	Mode    string
	BaseURL string
	N       int
	// Concurrency is the poller's backfill_concurrency; 0 leaves the
	// default.
	Concurrency int
	Timeout     time.Duration
	// Dir holds the poller's atomic_file checkpoints (empty keeps them in
	// memory), or the streams child's stream configs; Root and Resources
	// are that child's root config and resources file.
	Dir, Root, Resources   string
	CPUProfile, MemProfile string
}

// result is what a child reports on its last line of output.
type result struct {
	// Events counts delivered events and Distinct the records among them;
	// a complete run has both equal to N.
	Events, Distinct int
	Bytes            int64 // of the delivered messages
	Seconds          float64
	// CPUSeconds is user plus system time of the whole child, startup
	// included.
	CPUSeconds float64
	PeakRSSMB  float64
}

func (r result) rate() float64 { return float64(r.Events) / r.Seconds }

func (r result) summary() string {
	return fmt.Sprintf("%d events in %.2fs: %.0f events/s, peak RSS %.1f MB, %.2f CPU s",
		r.Events, r.Seconds, r.rate(), r.PeakRSSMB, r.CPUSeconds)
}

// runJob runs j in a child process: this executable, re-run with j in its
// environment.
func runJob(j job) (result, error) {
	spec, err := json.Marshal(j)
	if err != nil {
		return result{}, err
	}
	exe, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("child: %w", err)
	}
	var res result
	if err := json.Unmarshal(lastLine(out), &res); err != nil {
		return result{}, fmt.Errorf("child reported %q: %w", out, err)
	}
	if res.Events != j.N || res.Distinct != j.N {
		return res, fmt.Errorf("delivered %d events for %d distinct records, want %d of each", res.Events, res.Distinct, j.N)
	}
	return res, nil
}

func lastLine(b []byte) []byte {
	b = bytes.TrimSpace(b)
	return b[bytes.LastIndexByte(b, '\n')+1:]
}

// runChild runs the job in spec and prints its result; it returns the exit
// code.
func runChild(spec string) int {
	var j job
	if err := json.Unmarshal([]byte(spec), &j); err != nil {
		fmt.Fprintln(os.Stderr, "revel-bench child:", err)
		return 2
	}
	if j.CPUProfile != "" {
		f, err := os.Create(j.CPUProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "revel-bench child:", err)
			return 1
		}
	}
	switch j.Mode {
	case "streams":
		return runStreams(j)
	case "fleet":
		return runFleetReplica(j)
	}
	var res result
	var err error
	switch j.Mode {
	case "poller", "baseline":
		res, err = runStream(j)
	case "floor":
		res, err = runFloor(j)
	default:
		err = fmt.Errorf("unknown mode %q", j.Mode)
	}
	pprof.StopCPUProfile()
	if err == nil && j.MemProfile != "" {
		err = writeAllocs(j.MemProfile)
	}
	if err == nil {
		res.CPUSeconds, res.PeakRSSMB, err = usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "revel-bench child:", err)
		return 1
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	return 0
}

func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("allocs").WriteTo(f, 0)
}

// usage is this process's CPU time so far and its peak resident set. The
// peak is VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across
// exec, so a child would report the parent's simulator as its own.
func usage() (cpuSeconds, peakMB float64, err error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, err
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	_, peakMB, err = memory(os.Getpid())
	return cpu.Seconds(), peakMB, err
}

// errTimeout ends a run that did not deliver every record in time.
var errTimeout = errors.New("timed out before every record was delivered")

// runtimeNote is printed with the results so numbers from different
// machines are not compared blindly.
func runtimeNote() string {
	return fmt.Sprintf("%s %s/%s, GOMAXPROCS=%d", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
}
