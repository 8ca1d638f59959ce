package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/revel-connect/revel-connect/internal/fleet"
)

// fleetTenantStatus is one tenant of a fleet as `status --fleet` shows it:
// who owns it, whether it runs, and its lag per resource.
type fleetTenantStatus struct {
	Tenant    string `json:"tenant"`
	Partition int32  `json:"partition"`
	Replica   string `json:"replica"` // the replica's URL
	Member    string `json:"member"`  // its group member id
	Status    string `json:"status"`
	Problem   string `json:"problem,omitempty"`
	Stream    string `json:"stream,omitempty"` // the shared stream it runs in
	// Lag is by resource; a resource that has not finished a poll since
	// its tenant started has none.
	Lag map[string]float64 `json:"lag_seconds"`
}

// fleetStatus asks each replica (base URLs, http://HOST:PORT) what it owns
// (/fleet) and its tenants' lag (/metrics), all at once. A replica that
// does not answer within ctx is an error naming it, and the others'
// tenants are still returned: a replica down or frozen is when the rest
// of the fleet's status matters most.
func fleetStatus(ctx context.Context, replicas []string) ([]fleetTenantStatus, error) {
	rows := make([][]fleetTenantStatus, len(replicas))
	errs := make([]error, len(replicas))
	var wg sync.WaitGroup
	for i, base := range replicas {
		wg.Go(func() { rows[i], errs[i] = replicaStatus(ctx, strings.TrimSuffix(base, "/")) })
	}
	wg.Wait()
	all := slices.Concat(rows...)
	slices.SortFunc(all, func(a, b fleetTenantStatus) int { return strings.Compare(a.Tenant, b.Tenant) })
	return all, errors.Join(errs...)
}

// replicaStatus is one replica's tenants, with their lag.
func replicaStatus(ctx context.Context, base string) ([]fleetTenantStatus, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/fleet", nil)
	if err != nil {
		return nil, fmt.Errorf("--fleet %q: %w", base, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fleet replica %s: %w", base, err)
	}
	var st fleet.Status
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fleet replica %s: %s/fleet did not answer a fleet status (%s, %v)", base, base, resp.Status, err)
	}
	series, err := scrape(ctx, base+"/metrics")
	if err != nil {
		return nil, err
	}
	var rows []fleetTenantStatus
	for _, t := range st.Tenants {
		row := fleetTenantStatus{Tenant: t.ID, Partition: t.Partition, Replica: base, Member: st.Member, Status: t.Status, Problem: t.Problem, Stream: t.Stream, Lag: map[string]float64{}}
		for _, s := range series {
			if s.name == "revel_poller_cursor_lag_seconds" && s.labels["tenant"] == t.ID {
				row.Lag[s.labels["resource"]] = s.value
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func printFleetStatus(w io.Writer, rows []fleetTenantStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tPARTITION\tREPLICA\tSTREAM\tSTATUS\tLAG\tPROBLEM")
	for _, r := range rows {
		var lags []string
		for _, res := range slices.Sorted(maps.Keys(r.Lag)) {
			lags = append(lags, fmt.Sprintf("%s=%.0fs", res, r.Lag[res]))
		}
		lag := strings.Join(lags, " ")
		switch {
		case lag == "" && r.Status == "running":
			lag = "no poll finished yet"
		case lag == "":
			lag = "-"
		}
		stream := r.Stream
		if stream == "" {
			stream = "(own)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Tenant, r.Partition, r.Replica, stream, r.Status, lag, r.Problem)
	}
	return tw.Flush()
}
