package fleet

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Serve runs a replica until ctx ends: it joins the group and, unless the
// root config turns it off, serves Handler on http.address. When ctx ends
// it releases its tenants gracefully and leaves the group.
func Serve(ctx context.Context, cfg Config, root *RootConfig) error {
	r, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	log := r.log
	if root.HTTPEnabled() {
		ln, err := net.Listen("tcp", root.HTTP.Address)
		if err != nil {
			r.cl.Close()
			return fmt.Errorf("http.address %s: %w", root.HTTP.Address, err)
		}
		handler := r.Handler()
		if root.HTTP.DebugEndpoints {
			mux := http.NewServeMux()
			mux.Handle("/", handler)
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			handler = mux
		}
		srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		log.Info("fleet: serving /ping, /ready, /metrics and /fleet", "address", ln.Addr().String())
	}
	log.Info("fleet: replica starting", "group", r.cfg.Group, "tenants_topic", r.cfg.TenantsTopic, "state_topic", r.cfg.StateTopic)
	err = r.Run(ctx)
	log.Info("fleet: replica stopped")
	return err
}
