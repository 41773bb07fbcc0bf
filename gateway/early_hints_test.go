package gateway_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
)

// TestAnswerAfterEarlyHintsKeepsItsRequestID checks docs/contract.md,
// "Logs": the X-Request-Id of an answer is the id the upstream received
// and the access log records, once. An upstream's 1xx answer (103 Early
// Hints, sent by frameworks that preload assets) cleared every header
// the gateway had set on the answer before forwarding, so the final
// answer, and the 502 of an upstream that sent 103 and then failed, came
// without a request id, and its access log line with an empty one. An
// upstream's own X-Request-Id no longer rides along as a second value.
// A Set-Cookie in the 1xx never reaches the client either.
func TestAnswerAfterEarlyHintsKeepsItsRequestID(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 8)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("X-Request-Id")
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.Header().Set("Set-Cookie", "gatehouse_session=planted; Path=/")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Set-Cookie")
		if r.URL.Path == "/fail" {
			panic(http.ErrAbortHandler) // the connection drops: no final answer
		}
		w.Header().Set("X-Request-Id", "the-app's-own")
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("page"))
	}))
	t.Cleanup(up.Close)
	logs := &lockedBuffer{}
	h := newHarness(t, setup{
		logger: slog.New(gateway.NewLogHandler(slog.NewJSONHandler(logs, nil))),
		edit: func(cfg *config.Config, _ string) {
			cfg.Routes = append(cfg.Routes,
				config.Route{Name: "blog", Host: blogHost, PathPrefix: "/", Upstream: up.URL, Policy: "bypass"},
				config.Route{Name: "wiki", Host: wikiHost, PathPrefix: "/", Upstream: up.URL, Policy: "password"},
			)
		},
	})
	signedIn := h.newClient(t)
	signedIn.signIn(wikiHost, alice)
	for _, tc := range []struct {
		host, path string
		status     int
	}{
		{blogHost, "/post", http.StatusOK},
		{wikiHost, "/page", http.StatusOK},
		{wikiHost, "/fail", http.StatusBadGateway},
	} {
		r := signedIn.get(tc.host, tc.path)
		r.wantStatus(t, tc.status)
		var upstreamSaw string
		select {
		case upstreamSaw = <-seen:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s%s: the upstream was not asked", tc.host, tc.path)
		}
		ids := r.header.Values("X-Request-Id")
		if len(ids) != 1 || ids[0] != upstreamSaw || upstreamSaw == "" {
			t.Errorf("%s%s: answer's X-Request-Id %q, the upstream received %q; want that one id, once", tc.host, tc.path, ids, upstreamSaw)
		}
		if c := r.header.Values("Set-Cookie"); len(c) != 0 {
			t.Errorf("%s%s: the 1xx's Set-Cookie reached the client: %q", tc.host, tc.path, c)
		}
		logged := false
		for _, line := range strings.Split(logs.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "request" || rec["path"] != tc.path {
				continue
			}
			logged = true
			if rec["request_id"] != upstreamSaw {
				t.Errorf("%s%s: access log request_id %q, the upstream received %q", tc.host, tc.path, rec["request_id"], upstreamSaw)
			}
		}
		if !logged {
			t.Errorf("%s%s: no access log line", tc.host, tc.path)
		}
	}
}
