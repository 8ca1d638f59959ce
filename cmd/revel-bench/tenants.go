package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// defaultHosts is how many listeners the simulated tenants share. Each
// resource's client has a transport of its own, so sharing a host changes
// no pooling; a few hosts spread the connections a replica opens (at a
// 60 s interval, one a poll, each left in TIME_WAIT for a minute) over
// more destination ports than one.
const defaultHosts = 16

// simTenants are a run's simulated tenants, in the parent: tenant i is a
// seeded revelsim.Server with API key key-i and secret secret-i, mounted
// at /t/i on the revelsim.Mux of listener i mod len(srvs).
type simTenants struct {
	sims  []*revelsim.Server
	bases []string // tenant i's base_url: http://127.0.0.1:PORT/t/i
	srvs  []*http.Server
}

// startTenants seeds n tenants and serves them on hosts loopback listeners
// (at most n), reporting its progress every 1,000 tenants. The caller
// closes what it returns, also on an error.
func startTenants(n, hosts int, progress io.Writer) (*simTenants, error) {
	hosts = max(1, min(hosts, n))
	t := &simTenants{sims: make([]*revelsim.Server, n), bases: make([]string, n)}
	muxes := make([]revelsim.Mux, hosts)
	origins := make([]string, hosts)
	for h := range hosts {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return t, err
		}
		srv := &http.Server{Handler: &muxes[h], ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // ends with Close
		t.srvs = append(t.srvs, srv)
		origins[h] = "http://" + ln.Addr().String()
	}
	// Seeding is CPU-bound: 10,000 tenants take a minute on one core.
	var wg sync.WaitGroup
	next := make(chan int)
	var seeded sync.Mutex
	done := 0
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				sim := revelsim.New(revelsim.Options{APIKey: "key-" + strconv.Itoa(i), APISecret: "secret-" + strconv.Itoa(i)})
				revelsim.SeedTenant(sim, rand.New(rand.NewPCG(uint64(i), 1)))
				t.sims[i] = sim
				seeded.Lock()
				if done++; done%1000 == 0 {
					fmt.Fprintf(progress, "%d of %d tenants seeded\n", done, n)
				}
				seeded.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, sim := range t.sims {
		name := strconv.Itoa(i)
		muxes[i%hosts].Add(name, sim)
		t.bases[i] = origins[i%hosts] + revelsim.MuxPrefix + name
	}
	return t, nil
}

// Close stops the listeners.
func (t *simTenants) Close() {
	for _, srv := range t.srvs {
		srv.Close()
	}
}

// waitPolled waits until every tenant has answered a request for both
// resources, or the child exits, reporting every 10 s how many have.
func waitPolled(sims []*revelsim.Server, exited <-chan struct{}, limit time.Duration, progress io.Writer) error {
	start := time.Now()
	lastReport := start
	pending := make([]*revelsim.Server, len(sims))
	copy(pending, sims)
	for {
		rest := pending[:0]
		for _, sim := range pending {
			paths := map[string]bool{}
			for _, r := range sim.Requests() {
				paths[r.Path] = r.Status == http.StatusOK
			}
			if !paths["/resources/Employee/"] || !paths["/resources/TimeSheetEntry/"] {
				rest = append(rest, sim)
			}
		}
		pending = rest
		if len(pending) == 0 {
			return nil
		}
		if time.Since(start) > limit {
			return fmt.Errorf("%d of %d tenants not polled within %s", len(pending), len(sims), limit)
		}
		if time.Since(lastReport) >= 10*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(progress, "%d of %d tenants polled, %s after launch\n", len(sims)-len(pending), len(sims), time.Since(start).Round(time.Second))
		}
		select {
		case <-exited:
			return errors.New("child exited")
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// startupLimit is how long a child may take to poll every tenant once:
// generous, since a shared machine can be slow.
func startupLimit(tenants int) time.Duration {
	return max(5*time.Minute, time.Duration(tenants)*100*time.Millisecond)
}

func requestCounts(sims []*revelsim.Server) int {
	n := 0
	for _, sim := range sims {
		n += len(sim.Requests())
	}
	return n
}

// sockets counts process pid's open sockets: its connections to tenants,
// mostly.
func sockets(pid int) (int, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink(dir + "/" + fd.Name()); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n, nil
}
