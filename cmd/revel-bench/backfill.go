package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// backfillPage is the page size of a backfill run: Revel's largest.
const backfillPage = 1000

// backfillResult is one backfill of N records at one concurrency.
type backfillResult struct {
	N           int
	Concurrency int
	Latency     time.Duration
	Requests    int // list requests the simulator answered
	result
}

// floor is the least time the backfill can take: every page waits the
// latency, and at most Concurrency pages wait at once.
func (b backfillResult) floor() time.Duration {
	pages := (b.N + backfillPage - 1) / backfillPage
	return time.Duration(math.Ceil(float64(pages)/float64(b.Concurrency))) * b.Latency
}

func backfillCmd(args []string) error {
	fs := flag.NewFlagSet("backfill", flag.ExitOnError)
	counts := fs.String("n", "100000,1000000", "comma-separated numbers of Employee records to backfill")
	latency := fs.Duration("latency", 200*time.Millisecond, "time the simulator takes to answer each page")
	conc := fs.String("concurrency", "1,4", "comma-separated backfill_concurrency values to run")
	fs.Parse(args) //nolint:errcheck // ExitOnError
	ns, err := positiveInts("-n", *counts)
	if err != nil {
		return err
	}
	cs, err := positiveInts("-concurrency", *conc)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, runtimeNote())
	rows, err := backfill(ns, cs, *latency, os.Stderr)
	if err != nil {
		return err
	}
	printBackfill(os.Stdout, rows)
	return nil
}

// backfill serves n Employees answering each page after latency, and runs
// the poller from earliest at each concurrency, one child process per run.
func backfill(ns, concurrencies []int, latency time.Duration, progress io.Writer) ([]backfillResult, error) {
	var out []backfillResult
	for _, n := range ns {
		sim, base, err := startEmployees(n)
		if err != nil {
			return nil, err
		}
		sim.SetLatency(revelsim.Latency{PerRequest: latency})
		for _, c := range concurrencies {
			sim.ResetRequests()
			res, err := runJob(job{Mode: "poller", BaseURL: base, N: n, Concurrency: c, Timeout: 2 * time.Hour})
			if err != nil {
				sim.Close()
				return nil, fmt.Errorf("backfill of %d at concurrency %d: %w", n, c, err)
			}
			r := backfillResult{N: n, Concurrency: c, Latency: latency, Requests: len(sim.Requests()), result: res}
			fmt.Fprintf(progress, "  %d records, concurrency %d: %s, %d requests, floor %s\n", n, c, res.summary(), r.Requests, r.floor())
			out = append(out, r)
		}
		sim.Close()
	}
	return out, nil
}

// printBackfill writes each run beside its latency floor and beside the
// run at concurrency 1 of the same size.
func printBackfill(w io.Writer, rs []backfillResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "records\tconcurrency\tlatency\trequests\tseconds\tfloor s\tseconds/floor\tspeed-up\tpeak RSS MB\t")
	for _, r := range rs {
		speedup := "-"
		for _, one := range rs {
			if one.N == r.N && one.Concurrency == 1 {
				speedup = fmt.Sprintf("%.2fx", one.Seconds/r.Seconds)
			}
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d\t%.1f\t%.1f\t%.2f\t%s\t%.1f\t\n", r.N, r.Concurrency, r.Latency, r.Requests,
			r.Seconds, r.floor().Seconds(), r.Seconds/r.floor().Seconds(), speedup, r.PeakRSSMB)
	}
	tw.Flush()
}

func positiveInts(flagName, list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: %q is not a positive number", flagName, s)
		}
		out = append(out, n)
	}
	return out, nil
}
