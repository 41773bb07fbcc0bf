package gateway_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gateway"
	"github.com/prometheus/client_golang/prometheus"
)

// TestReadyzLogsAnOutageOnce: /readyz answers whoever reaches the admin
// port, without a credential. Before, every request made while the
// store was down wrote a warning, so an outsider looping on it wrote the
// log as fast as it asked. Now an outage is logged when it starts, at
// most once a minute while it lasts (with how many checks failed), and
// once when it ends; /readyz answers 503 and then 200 as before
// (docs/contract.md, "HTTP endpoints").
func TestReadyzLogsAnOutageOnce(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	h := newHarness(t, setup{logger: slog.New(slog.NewJSONHandler(logs, nil))})
	admin := httptest.NewServer(h.gw.AdminHandler(h.registry))
	t.Cleanup(admin.Close)
	readyz := func(n, want int) {
		t.Helper()
		for range n {
			if code, _ := adminGet(t, admin.URL, "/readyz"); code != want {
				t.Fatalf("/readyz = %d, want %d", code, want)
			}
		}
	}
	// lines returns the readiness lines logged since the last call.
	seen := 0
	lines := func() []map[string]any {
		t.Helper()
		var out []map[string]any
		all := strings.Split(strings.TrimSpace(logs.String()), "\n")
		for _, l := range all[seen:] {
			var m map[string]any
			if l == "" || json.Unmarshal([]byte(l), &m) != nil {
				continue
			}
			if msg, _ := m["msg"].(string); strings.HasPrefix(msg, "readiness") {
				out = append(out, m)
			}
		}
		seen = len(all)
		return out
	}

	readyz(5, http.StatusOK)
	h.store.down.Store(true)
	steps := []struct {
		name    string
		do      func()
		want    int
		wantMsg string
	}{
		{"200 checks while the store is down", func() { readyz(200, http.StatusServiceUnavailable) }, 1, "readiness: store unreachable"},
		{"59 s on", func() { h.clock.Advance(59 * time.Second); readyz(50, http.StatusServiceUnavailable) }, 0, ""},
		{"a minute after the first line", func() { h.clock.Advance(time.Second); readyz(50, http.StatusServiceUnavailable) }, 1, "readiness: store still unreachable"},
		{"the store back", func() { h.store.down.Store(false); readyz(50, http.StatusOK) }, 1, "readiness: store reachable again"},
		{"down again at once", func() { h.store.down.Store(true); readyz(20, http.StatusServiceUnavailable) }, 1, "readiness: store unreachable"},
	}
	for _, s := range steps {
		s.do()
		got := lines()
		if len(got) != s.want {
			t.Fatalf("%s: %d readiness lines, want %d: %v", s.name, len(got), s.want, got)
		}
		if s.want == 1 && got[0]["msg"] != s.wantMsg {
			t.Errorf("%s: %q, want %q", s.name, got[0]["msg"], s.wantMsg)
		}
	}
}

// redisLikePinger answers a check as Redis's client does: one whose
// context has ended fails with the context's error (the pool hands out
// no connection for it), the others pass: the store is reachable.
type redisLikePinger struct{}

func (redisLikePinger) Ping(ctx context.Context) error { return ctx.Err() }

// TestReadyzLogsNoOutageForClientsThatLeave: a client that closes its
// connection to /readyz before the answer ends the check's context, and
// the store's client then fails the check with that context's error,
// though the store is reachable. Before, such a check was logged as an
// outage's start and the next check as its end: whoever reached the
// admin port wrote two lines for each pair of requests, as fast as they
// asked, and the log told of outages that never were. A check whose
// client left says nothing of the store and is not logged
// (docs/contract.md, "HTTP endpoints").
func TestReadyzLogsNoOutageForClientsThatLeave(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	admin := gateway.NewAdmin(redisLikePinger{}, prometheus.NewRegistry(), slog.New(slog.NewJSONHandler(logs, nil)), nil)
	check := func(ctx context.Context) int {
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil).WithContext(ctx))
		return rec.Code
	}
	gone, leave := context.WithCancel(context.Background())
	leave()
	for range 100 {
		check(gone)
		if code := check(context.Background()); code != http.StatusOK {
			t.Fatalf("/readyz = %d with the store reachable, want 200", code)
		}
	}
	if n := strings.Count(logs.String(), `"msg":"readiness`); n != 0 {
		t.Errorf("%d readiness lines for 100 clients that left, the store reachable throughout; want none", n)
	}
}
