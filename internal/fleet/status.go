package fleet

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Status is what GET /fleet returns: what this replica owns.
type Status struct {
	Group      string `json:"group"`
	Member     string `json:"member"`
	Generation int32  `json:"generation"`
	// Partitions are the partitions of the tenants topic it owns.
	Partitions []int32        `json:"partitions"`
	Tenants    []TenantStatus `json:"tenants"`
	// Handovers counts partitions acquired, released and lost.
	Handovers map[string]int `json:"handovers"`
	// LastHandoverSeconds is how long the last acquire or release took.
	LastHandoverSeconds float64 `json:"last_handover_seconds"`
}

// TenantStatus is one tenant this replica owns.
type TenantStatus struct {
	ID        string `json:"id"`
	Partition int32  `json:"partition"`
	Status    string `json:"status"`            // running, refused or failed
	Problem   string `json:"problem,omitempty"` // why refused or failed, or what stops it
	// Stream is the shared stream the tenant runs in (shared:p<partition>-<hash>
	// of its pipeline and output), empty when it runs a stream of its own.
	Stream string    `json:"stream,omitempty"`
	Since  time.Time `json:"since"`
}

// Status reports what the replica owns now.
func (r *Replica) Status() Status {
	member, gen := r.cl.GroupMetadata()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Status{
		Group: r.cfg.Group, Member: member, Generation: gen,
		Partitions: slices.Sorted(maps.Keys(r.parts)), Tenants: []TenantStatus{},
		Handovers: maps.Clone(r.handovers), LastHandoverSeconds: r.lastMove.Seconds(),
	}
	for _, n := range s.Partitions {
		p := r.parts[n]
		for _, id := range slices.Sorted(maps.Keys(p.tenants)) {
			t := p.tenants[id]
			status, problem := t.state()
			ts := TenantStatus{ID: id, Partition: n, Status: status, Problem: problem, Since: t.since}
			if t.group != nil {
				ts.Stream = t.group.name
			}
			s.Tenants = append(s.Tenants, ts)
		}
	}
	return s
}

// Handler serves /ping, /ready (200 once the replica is in the group),
// /metrics and /fleet (Status as JSON).
func (r *Replica) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("pong")) })
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		if _, gen := r.cl.GroupMetadata(); gen < 0 {
			http.Error(w, "not in the consumer group yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("OK"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(r.m.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /fleet", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r.Status())
	})
	return mux
}
