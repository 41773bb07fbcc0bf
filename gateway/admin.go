package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds the store check behind /readyz; the store's own
// op_timeout is normally shorter.
const readyTimeout = 2 * time.Second

// readyLogEvery is how often, at most, /readyz logs that the store is
// still unreachable (docs/contract.md, "HTTP endpoints").
const readyLogEvery = time.Minute

// Admin serves the admin listener: /healthz (process alive), /readyz
// (store reachable and not shutting down; 503 otherwise) and /metrics. It
// outlives configuration reloads, which replace the Server but not the
// store or the registry.
type Admin struct {
	store    Pinger
	gatherer prometheus.Gatherer
	log      *slog.Logger
	clock    auth.Clock
	draining atomic.Bool
	mux      *http.ServeMux

	// outage is what /readyz has seen of the store's being down, so
	// that an outage is logged once, not once a request.
	mu     sync.Mutex
	outage storeOutage
}

// storeOutage is an outage of the store as /readyz saw it: when it
// began, when it was last logged, and how many checks failed since.
type storeOutage struct {
	since, logged time.Time
	failed        int
}

// NewAdmin returns the admin handler for store and the metrics in g,
// telling the time by clock. A nil logger discards; a nil clock is the
// system's.
func NewAdmin(store Pinger, g prometheus.Gatherer, log *slog.Logger, clock auth.Clock) *Admin {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = auth.SystemClock{}
	}
	a := &Admin{store: store, gatherer: g, log: log, clock: clock, mux: http.NewServeMux()}
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
	err := a.store.Ping(ctx)
	if r.Context().Err() == nil {
		// A check whose client left failed with its context, not the
		// store's answer: it says nothing of an outage.
		a.logOutage(ctx, err)
	}
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("store unreachable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// logOutage logs what the check that returned err says of the store:
// that it became unreachable, that it still is (at most once every
// readyLogEvery, with how many checks failed since the last line), or
// that it is reachable again. /readyz answers anyone who reaches the
// admin port, so a line a request would let them fill the log; a check
// whose client left is not logged (docs/contract.md, "HTTP endpoints").
func (a *Admin) logOutage(ctx context.Context, err error) {
	now := a.clock.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	o := &a.outage
	switch {
	case err == nil && o.since.IsZero():
	case err == nil:
		a.log.InfoContext(ctx, "readiness: store reachable again", "down_for", now.Sub(o.since).Round(time.Second).String(), "failed_checks", o.failed)
		*o = storeOutage{}
	case o.since.IsZero():
		a.log.WarnContext(ctx, "readiness: store unreachable", "error", err)
		*o = storeOutage{since: now, logged: now}
	case now.Sub(o.logged) >= readyLogEvery:
		o.failed++
		a.log.WarnContext(ctx, "readiness: store still unreachable", "error", err, "down_for", now.Sub(o.since).Round(time.Second).String(), "failed_checks", o.failed)
		o.logged, o.failed = now, 0
	default:
		o.failed++
	}
}

// AdminHandler serves /healthz, /readyz and /metrics for this server's
// store and the metrics in g (see Admin).
func (s *Server) AdminHandler(g prometheus.Gatherer) http.Handler {
	return NewAdmin(s.store, g, s.log, s.clock)
}
