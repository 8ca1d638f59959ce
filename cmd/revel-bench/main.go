// Command revel-bench measures revel_poller on the Revel simulator over
// loopback, beside what a Benthos user would write without it and beside a
// floor without Benthos. Each pipeline runs in a child process of its own so
// that its peak RSS is its own; the simulator stays in the parent.
//
//	revel-bench throughput [-n 100000,1000000] [-modes poller,baseline,floor] [-profile DIR] [-checkpoint memory|file]
//	revel-bench scale [-tenants 500] [-interval 10s] [-window 60s] [-hosts 16]
//	revel-bench backfill [-n 100000,1000000] [-latency 200ms] [-concurrency 1,4]
//	revel-bench fleet [-tenants 500] [-interval 60s] [-window 60s] [-replicas 1] [-hosts 16]
//
// docs/performance.md has the numbers and how they were taken.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(runChild(spec))
	}
	if len(os.Args) < 2 {
		printUsage()
	}
	var err error
	switch os.Args[1] {
	case "throughput":
		err = throughputCmd(os.Args[2:])
	case "scale":
		err = scaleCmd(os.Args[2:])
	case "backfill":
		err = backfillCmd(os.Args[2:])
	case "fleet":
		err = fleetCmd(os.Args[2:])
	default:
		printUsage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "revel-bench:", err)
		os.Exit(1)
	}
}

func printUsage() {
	fmt.Fprintln(os.Stderr, "usage: revel-bench throughput|scale|backfill|fleet [flags]; revel-bench <command> -h lists the flags")
	os.Exit(2)
}

func throughputCmd(args []string) error {
	fs := flag.NewFlagSet("throughput", flag.ExitOnError)
	counts := fs.String("n", "100000,1000000", "comma-separated numbers of Employee records to serve")
	modes := fs.String("modes", "poller,baseline,floor", "comma-separated pipelines to run: "+strings.Join(allModes, ","))
	profile := fs.String("profile", "", "write each child's CPU and allocation profiles into this directory")
	checkpoint := fs.String("checkpoint", "memory", "revel_poller checkpoints: memory, or file (atomic_file in a temporary directory)")
	fs.Parse(args) //nolint:errcheck // ExitOnError
	ns, err := positiveInts("-n", *counts)
	if err != nil {
		return err
	}
	ms := strings.Split(*modes, ",")
	for _, m := range ms {
		if !validMode(m) {
			return fmt.Errorf("-modes: unknown mode %q", m)
		}
	}
	if *checkpoint != "memory" && *checkpoint != "file" {
		return fmt.Errorf("-checkpoint: %q is neither memory nor file", *checkpoint)
	}
	fmt.Fprintln(os.Stderr, runtimeNote())
	rows, err := throughput(ns, ms, *profile, *checkpoint == "file", os.Stderr)
	if err != nil {
		return err
	}
	printTable(os.Stdout, rows)
	return nil
}
