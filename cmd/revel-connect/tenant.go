package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/revel-connect/revel-connect/revelsim"
)

// tenantOptions describe a simulated tenant for `demo` and `simulator`:
// the same simulator the test suite uses, seeded with a few days of
// history and kept changing by its generator.
type tenantOptions struct {
	addr      string // listen address; "" = 127.0.0.1 on a free port
	zone      *time.Location
	seed      uint64
	rate      float64 // generator changes per second; 0 = none
	apiKey    string
	apiSecret string
	faults    revelsim.FaultRates
	latency   revelsim.Latency
	quirks    revelsim.Quirks
	logf      func(format string, args ...any) // request log; nil = none
	onChange  func(revelsim.Change)            // nil = ignore
}

// maxRate bounds --rate: beyond it the ticker, not the rate, decides.
const maxRate = 1000

func checkRate(rate float64) error {
	if rate < 0 || rate > maxRate {
		return fmt.Errorf("rate %g: give 0 (no changes) to %d changes per second", rate, maxRate)
	}
	return nil
}

// tenant is a running simulated tenant.
type tenant struct {
	sim    *revelsim.Server
	url    string
	seeded time.Time // every seeded change is dated before it; the generator's after
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startTenant serves a seeded tenant and starts its generator. Stop it
// with stop.
func startTenant(o tenantOptions) (*tenant, error) {
	if err := checkRate(o.rate); err != nil {
		return nil, err
	}
	sim := revelsim.New(revelsim.Options{APIKey: o.apiKey, APISecret: o.apiSecret, Zone: o.zone, Logf: o.logf, Quirks: o.quirks})
	revelsim.SeedTenant(sim, rand.New(rand.NewPCG(o.seed, 0)))
	seeded := time.Now()
	sim.SetLatency(o.latency)
	if o.faults != (revelsim.FaultRates{}) {
		sim.SetFaultRates(o.faults)
	}
	url, err := sim.Start(o.addr)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &tenant{sim: sim, url: url, cancel: cancel, seeded: seeded}
	if o.rate > 0 {
		every := max(time.Duration(float64(time.Second)/o.rate), time.Millisecond)
		gen := revelsim.NewGenerator(sim)
		t.done.Add(1)
		go func() {
			defer t.done.Done()
			gen.Run(ctx, every, rand.New(rand.NewPCG(o.seed, 1)), o.onChange)
		}()
	}
	return t, nil
}

// stop halts the generator, then the server.
func (t *tenant) stop() {
	t.cancel()
	t.done.Wait()
	t.sim.Close()
}
