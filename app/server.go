package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/fx"
)

// HealthServer serves /healthz, /readyz and /metrics on HEALTH_ADDR, on
// every replica, leader or standby.
type HealthServer struct {
	ready atomic.Bool
	why   atomic.Value // string: why not ready
	srv   *http.Server
	addr  string
}

// SetReady marks the replica ready, or not with a reason.
func (h *HealthServer) SetReady(ok bool, why string) {
	h.ready.Store(ok)
	h.why.Store(why)
}

func newHealthServer(lc fx.Lifecycle, cfg *Config, m *Metrics, log *slog.Logger) *HealthServer {
	h := &HealthServer{addr: cfg.HealthAddr.String()}
	h.SetReady(false, "starting")
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !h.ready.Load() {
			http.Error(w, "not ready: "+h.why.Load().(string), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	h.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			l, err := net.Listen("tcp", cfg.HealthAddr.String())
			if err != nil {
				return fmt.Errorf("HEALTH_ADDR %s: %w", cfg.HealthAddr.String(), err)
			}
			h.addr = l.Addr().String()
			log.Info("health server listening", "addr", h.addr)
			go func() {
				if err := h.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("health server stopped", "err", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error { return h.srv.Shutdown(ctx) },
	})
	return h
}
