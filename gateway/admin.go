package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds the store check behind /readyz; the store's own
// op_timeout is normally shorter.
const readyTimeout = 2 * time.Second

// Admin serves the admin listener: /healthz (process alive), /readyz
// (store reachable and not shutting down; 503 otherwise) and /metrics. It
// outlives configuration reloads, which replace the Server but not the
// store or the registry.
type Admin struct {
	store    Pinger
	gatherer prometheus.Gatherer
	log      *slog.Logger
	draining atomic.Bool
	mux      *http.ServeMux
}

// NewAdmin returns the admin handler for store and the metrics in g. A nil
// logger discards.
func NewAdmin(store Pinger, g prometheus.Gatherer, log *slog.Logger) *Admin {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Admin{store: store, gatherer: g, log: log, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	a.mux.HandleFunc("GET /readyz", a.ready)
	a.mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return a
}

// SetDraining makes /readyz answer 503 from now on, so load balancers stop
// sending new requests while the in-flight ones finish (graceful
// shutdown).
func (a *Admin) SetDraining() { a.draining.Store(true) }

// ServeHTTP implements http.Handler.
func (a *Admin) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

func (a *Admin) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if a.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("shutting down\n"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		a.log.WarnContext(ctx, "readiness: store unreachable", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store unreachable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// AdminHandler serves /healthz, /readyz and /metrics for this server's
// store and the metrics in g (see Admin).
func (s *Server) AdminHandler(g prometheus.Gatherer) http.Handler {
	return NewAdmin(s.store, g, s.log)
}
