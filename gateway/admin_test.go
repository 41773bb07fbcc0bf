package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

func adminGet(t *testing.T, base, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := httptest.NewServer(h.gw.AdminHandler(h.registry))
	t.Cleanup(admin.Close)

	if code, body := adminGet(t, admin.URL, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, _ := adminGet(t, admin.URL, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d", code)
	}

	c := h.newClient(t)
	c.signIn(crmHost, alice)
	c.get(crmHost, "/").wantStatus(t, http.StatusOK)
	c.get(publicHost, "/").wantStatus(t, http.StatusOK)
	c.get("nowhere.example.org", "/").wantStatus(t, http.StatusNotFound)
	c.get(deadHost, "/").wantStatus(t, http.StatusBadGateway)

	code, body := adminGet(t, admin.URL, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`gatehouse_requests_total{decision="allow",route="crm"} 1`,
		`gatehouse_requests_total{decision="bypass",route="public"} 1`,
		`gatehouse_requests_total{decision="no_route",route=""} 1`,
		`gatehouse_upstream_errors_total{code="upstream_unavailable",route="dead"} 1`,
		`gatehouse_otp_total{event="sent"} 1`,
		`gatehouse_otp_total{event="verified"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The admin endpoints are not on the main listener.
	for _, p := range []string{"/metrics", "/healthz", "/readyz"} {
		r := c.get("nowhere.example.org", p)
		r.wantError(t, http.StatusNotFound, "no_route")
	}
}

// TestRedisFlow runs a whole login, a proxied request and a logout with
// sessions and codes in a real Redis.
func TestRedisFlow(t *testing.T) {
	t.Parallel()
	addr := testredis.Start(t)
	var rs *redisstore.Store
	h := newHarness(t, setup{store: func(t *testing.T) auth.Store {
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: 2 * time.Second, OpTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		rs = redisstore.New(client, "gatehouse-test:", time.Second)
		return rs
	}})
	if err := rs.Ping(context.Background()); err != nil {
		t.Fatalf("redis: %v", err)
	}

	c := h.newClient(t)
	c.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	r := c.login(crmHost, alice)
	r.wantStatus(t, http.StatusOK)
	if r.jsonMap(t)["status"] != "otp_required" {
		t.Fatalf("login: %s", r.body)
	}
	afterPassword := c.cookie()
	c.api(crmHost, "otp", map[string]string{"code": "1"}).wantError(t, http.StatusUnauthorized, "invalid_code")
	c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
	id := c.cookie()
	if id == afterPassword {
		t.Error("the code step kept the session id")
	}
	h.clientWithCookie(t, afterPassword).get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")

	c.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
	seen := h.up.last(t)
	if seen.Header.Get("X-Auth-User") != "alice" || seen.Header.Get("X-Auth-Methods") != "pwd,sms" {
		t.Errorf("upstream identity %v", identityValues(seen.Header))
	}
	h.verify(t, seen.Header.Get("X-Auth-Assertion"), "crm")

	c.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)
	h.clientWithCookie(t, id).get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}
