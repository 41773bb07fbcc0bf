package gateway_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPolicies checks each route policy as a user meets it.
func TestPolicies(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		run  func(t *testing.T, h *harness)
	}{
		{"bypass route needs no login and gets no identity", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			c.browse(publicHost, "/docs/intro").wantStatus(t, http.StatusOK)
			seen := h.up.last(t)
			if seen.Path != "/docs/intro" {
				t.Errorf("upstream path %q", seen.Path)
			}
			if ids := identityValues(seen.Header); len(ids) != 0 {
				t.Errorf("bypass request carried identity headers %v", ids)
			}
			// Signed in or not, a bypass route says nothing about who it is.
			c.signIn(crmHost, alice)
			c.get(publicHost, "/").wantStatus(t, http.StatusOK)
			if ids := identityValues(h.up.last(t).Header); len(ids) != 0 {
				t.Errorf("bypass request with a session carried identity headers %v", ids)
			}
		}},
		{"bypass_paths skip the login, on segment boundaries", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			for _, p := range []string{"/health", "/health/live", "/static/app.js"} {
				c.get(appHost, p).wantStatus(t, http.StatusOK)
				seen := h.up.last(t)
				if seen.Path != p || len(identityValues(seen.Header)) != 0 {
					t.Errorf("%s: upstream got %s with identity %v", p, seen.Path, identityValues(seen.Header))
				}
			}
			before := h.up.count()
			for _, p := range []string{"/healthz", "/static", "/staticfiles/x"} {
				c.get(appHost, p).wantError(t, http.StatusUnauthorized, "unauthenticated")
			}
			for _, p := range []string{"/static/../secure/x", "/health/../admin", "/static;/../secure/x", "/health;x/y"} {
				c.get(appHost, p).wantError(t, http.StatusBadRequest, "bad_path")
			}
			if h.up.count() != before {
				t.Error("a path outside bypass_paths reached the upstream without login")
			}
		}},
		{"password route is satisfied by the password alone", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			r := c.login(appHost, bob)
			r.wantStatus(t, http.StatusOK)
			if got := r.jsonMap(t)["status"]; got != "authenticated" {
				t.Fatalf("login status %v, want authenticated", got)
			}
			if n := h.sms.count(t); n != 0 {
				t.Errorf("%d SMS sent for a password route", n)
			}
			c.get(appHost, "/inbox").wantStatus(t, http.StatusOK)
			seen := h.up.last(t)
			if seen.Header.Get("X-Auth-User") != "bob" || seen.Header.Get("X-Auth-Methods") != "pwd" {
				t.Errorf("upstream identity %v", identityValues(seen.Header))
			}
			claims := h.verify(t, seen.Header.Get("X-Auth-Assertion"), "app")
			if !slices.Equal(claims.AMR, []string{"pwd"}) {
				t.Errorf("amr = %v, want [pwd]", claims.AMR)
			}
		}},
		{"sms route: passwordless login with the phone", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			r := c.browse(smsHost, "/")
			r.wantStatus(t, http.StatusFound)
			r = c.browse(smsHost, r.header.Get("Location"))
			if !strings.Contains(string(r.body), `name="phone"`) || strings.Contains(string(r.body), `name="password"`) {
				t.Errorf("the sms route's login page should ask for the phone only:\n%s", r.body)
			}

			r = c.api(smsHost, "sms/start", map[string]string{"phone": "(201) 555-0100"})
			r.wantError(t, http.StatusBadRequest, "invalid_phone") // no country code: not a number we can text
			r = c.api(smsHost, "sms/start", map[string]string{"phone": "+1 201-555-0100"})
			r.wantStatus(t, http.StatusOK)
			known := r.jsonMap(t)
			if known["status"] != "otp_required" {
				t.Fatalf("sms/start = %s", r.body)
			}
			c.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
			c.get(smsHost, "/").wantStatus(t, http.StatusOK)
			seen := h.up.last(t)
			if seen.Header.Get("X-Auth-User") != "alice" || seen.Header.Get("X-Auth-Methods") != "sms" {
				t.Errorf("upstream identity %v", identityValues(seen.Header))
			}
			// An SMS proof is not a password: the client is told to sign in
			// with the password, not to ask for another code.
			r = c.get(appHost, "/")
			r.wantError(t, http.StatusUnauthorized, "step_up_required")
			if msg := r.jsonMap(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "password") {
				t.Errorf("step-up message for a missing password = %q", msg)
			}

			// An unknown number: the same answer, but no SMS and no way in.
			sent := h.sms.count(t)
			other := h.newClient(t)
			r = other.api(smsHost, "sms/start", map[string]string{"phone": "+12015550177"})
			r.wantStatus(t, http.StatusOK)
			unknown := r.jsonMap(t)
			if unknown["status"] != known["status"] || !sameKeys(unknown["otp"], known["otp"]) {
				t.Errorf("unknown phone answer %v differs in shape from known %v", unknown, known)
			}
			if uo, _ := unknown["otp"].(map[string]any); !strings.HasSuffix(uo["to"].(string), "0177") {
				t.Errorf("unknown phone otp.to = %v", uo["to"])
			}
			if h.sms.count(t) != sent {
				t.Error("an SMS was sent to a number that belongs to no one")
			}
			for _, code := range []string{"000000", "123456"} {
				other.api(smsHost, "otp", map[string]string{"code": code}).wantError(t, http.StatusUnauthorized, "invalid_code")
			}
			other.get(smsHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")

			// A disabled account's number is treated as unknown.
			r = h.newClient(t).api(smsHost, "sms/start", map[string]string{"phone": dave.phone})
			r.wantStatus(t, http.StatusOK)
			if !sameKeys(r.jsonMap(t)["otp"], known["otp"]) || h.sms.count(t) != sent {
				t.Errorf("disabled user's phone: %s, %d SMS sent", r.body, h.sms.count(t)-sent)
			}
		}},
		{"two_factor steps up a password session without a new login", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			c.signIn(appHost, alice) // password route: pwd only
			if n := h.sms.count(t); n != 0 {
				t.Fatalf("%d SMS sent for a password login", n)
			}
			c.get(appHost, "/secure/report").wantError(t, http.StatusUnauthorized, "step_up_required")
			r := c.browse(appHost, "/secure/report")
			r.wantStatus(t, http.StatusFound)
			r = c.browse(appHost, r.header.Get("Location"))
			if !strings.Contains(string(r.body), "Send me a code") || strings.Contains(string(r.body), `name="password"`) {
				t.Errorf("the step-up page should offer a code, not a password:\n%s", r.body)
			}

			r = c.api(appHost, "otp/resend", nil)
			r.wantStatus(t, http.StatusOK)
			otp, _ := r.jsonMap(t)["otp"].(map[string]any)
			if otp["expires_in"] != float64(300) {
				t.Errorf("step-up otp = %v", otp)
			}
			c.api(appHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
			c.get(appHost, "/secure/report").wantStatus(t, http.StatusOK)
			if got := h.up.last(t).Header.Get("X-Auth-Methods"); got != "pwd,sms" {
				t.Errorf("methods after step-up %q", got)
			}
		}},
		{"two_factor step-up through the pages", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			r := c.form(appHost, "/login", url.Values{"username": {"alice"}, "password": {alice.password}, "rd": {"/"}})
			r.wantStatus(t, http.StatusSeeOther)
			r = c.browse(appHost, "/secure/report?id=3")
			r.wantStatus(t, http.StatusFound)
			r = c.browse(appHost, r.header.Get("Location"))
			r.wantStatus(t, http.StatusOK)
			if !strings.Contains(string(r.body), `action="`+prefix+`/otp/resend"`) {
				t.Fatalf("step-up page:\n%s", r.body)
			}
			r = c.form(appHost, "/otp/resend", url.Values{"rd": {"/secure/report?id=3"}})
			r.wantStatus(t, http.StatusSeeOther)
			if got, want := r.header.Get("Location"), prefix+"/otp?rd="+url.QueryEscape("/secure/report?id=3"); got != want {
				t.Fatalf("after resend Location = %q, want %q", got, want)
			}
			r = c.form(appHost, "/otp", url.Values{"code": {h.sms.code(t, alice.phone)}, "rd": {"/secure/report?id=3"}})
			r.wantStatus(t, http.StatusSeeOther)
			if got := r.header.Get("Location"); got != "/secure/report?id=3" {
				t.Fatalf("after code Location = %q", got)
			}
			c.browse(appHost, "/secure/report?id=3").wantStatus(t, http.StatusOK)
		}},
		{"login with the phone number or email as the name", func(t *testing.T, h *harness) {
			for _, login := range []string{"+1 (201) 555-0101", "+12015550101", "BOB@example.com"} {
				c := h.newClient(t)
				r := c.api(appHost, "login", map[string]string{"username": login, "password": bob.password})
				r.wantStatus(t, http.StatusOK)
				c.get(appHost, "/").wantStatus(t, http.StatusOK)
				if got := h.up.last(t).Header.Get("X-Auth-User"); got != "bob" {
					t.Errorf("%s signed in as %q", login, got)
				}
			}
		}},
		{"groups refuse a signed-in non-member", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			c.signIn(crmHost, bob)
			before := h.up.count()
			c.get(appHost, "/admin/users").wantError(t, http.StatusForbidden, "forbidden")
			r := c.browse(appHost, "/admin/users")
			r.wantStatus(t, http.StatusForbidden)
			if !strings.Contains(string(r.body), "You do not have access to this page.") {
				t.Errorf("forbidden page:\n%s", r.body)
			}
			if h.up.count() != before {
				t.Error("a non-member reached the upstream")
			}
			a := h.newClient(t)
			a.signIn(crmHost, alice)
			a.get(appHost, "/admin/users").wantStatus(t, http.StatusOK)
		}},
		{"deny refuses everyone", func(t *testing.T, h *harness) {
			h.newClient(t).get(appHost, "/blocked").wantError(t, http.StatusForbidden, "forbidden")
			h.newClient(t).browse(appHost, "/blocked/x").wantStatus(t, http.StatusForbidden)
			c := h.newClient(t)
			c.signIn(crmHost, alice)
			c.get(appHost, "/blocked").wantError(t, http.StatusForbidden, "forbidden")
			if h.up.count() != 0 {
				t.Error("a deny route reached the upstream")
			}
		}},
		{"no matching route is 404", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			c.get("unknown.example.org", "/").wantError(t, http.StatusNotFound, "no_route")
			c.get("example.com", "/").wantError(t, http.StatusNotFound, "no_route")
			c.signIn(crmHost, alice)
			c.get("unknown.example.org", "/").wantError(t, http.StatusNotFound, "no_route")
		}},
		{"route methods restrict what matches", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			c.get(roHost, "/page").wantStatus(t, http.StatusOK)
			c.do(request{method: http.MethodHead, host: roHost, path: "/page"}).wantStatus(t, http.StatusOK)
			before := h.up.count()
			for _, m := range []string{http.MethodPost, http.MethodDelete, http.MethodPut} {
				c.do(request{method: m, host: roHost, path: "/page", accept: "application/json"}).wantError(t, http.StatusNotFound, "no_route")
			}
			if h.up.count() != before {
				t.Error("a method outside the route's methods reached the upstream")
			}
		}},
		{"force_two_factor needs the code even on a password route", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			r := c.login(appHost, carol)
			r.wantStatus(t, http.StatusOK)
			if got := r.jsonMap(t)["status"]; got != "otp_required" {
				t.Fatalf("carol's login status %v, want otp_required", got)
			}
			c.get(appHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
			c.api(appHost, "otp", map[string]string{"code": h.sms.code(t, carol.phone)}).wantStatus(t, http.StatusOK)
			c.get(appHost, "/").wantStatus(t, http.StatusOK)
			if got := h.up.last(t).Header.Get("X-Auth-Methods"); got != "pwd,sms" {
				t.Errorf("methods %q", got)
			}
		}},
		{"disabled, unknown and wrong password look the same", func(t *testing.T, h *harness) {
			attempts := map[string]map[string]any{
				"disabled user":  {"username": "dave", "password": dave.password},
				"wrong password": {"username": "alice", "password": "not-her-password"},
				"unknown user":   {"username": "mallory", "password": "whatever-123"},
				"unknown email":  {"username": "mallory@example.com", "password": "whatever-123"},
				"empty password": {"username": "alice", "password": ""},
			}
			var first []byte
			for name, body := range attempts {
				c := h.newClient(t)
				r := c.api(appHost, "login", body)
				r.wantError(t, http.StatusUnauthorized, "invalid_credentials")
				if first == nil {
					first = r.body
				} else if string(r.body) != string(first) {
					t.Errorf("%s: body %s differs from %s", name, r.body, first)
				}
				if c.cookie() != "" {
					t.Errorf("%s: a failed login set a session cookie", name)
				}
			}
		}},
		{"max_auth_age asks for a fresh code without ending the session", func(t *testing.T, h *harness) {
			c := h.newClient(t)
			c.signIn(crmHost, alice)
			c.get(appHost, "/admin").wantStatus(t, http.StatusOK)

			h.clock.Advance(adminMaxAge - time.Minute)
			c.get(appHost, "/admin").wantStatus(t, http.StatusOK)
			h.clock.Advance(2 * time.Minute)
			c.get(appHost, "/admin").wantError(t, http.StatusUnauthorized, "step_up_required")

			// Still signed in everywhere else.
			c.get(crmHost, "/").wantStatus(t, http.StatusOK)
			c.get(appHost, prefix+"/api/session").wantStatus(t, http.StatusOK)

			// Both proofs are stale: the login page asks for the password,
			// then a fresh code, and the session carries on.
			r := c.browse(appHost, "/admin")
			r.wantStatus(t, http.StatusFound)
			r = c.browse(appHost, r.header.Get("Location"))
			if !strings.Contains(string(r.body), `name="password"`) {
				t.Errorf("stale proofs should bring back the password form:\n%s", r.body)
			}
			sent := h.sms.count(t)
			r = c.api(appHost, "login", map[string]any{"username": "alice", "password": alice.password, "rd": "/admin"})
			r.wantStatus(t, http.StatusOK)
			if got := r.jsonMap(t)["status"]; got != "otp_required" || h.sms.count(t) != sent+1 {
				t.Fatalf("re-login for /admin: status %v, want otp_required with a new SMS", got)
			}
			c.api(appHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
			c.get(appHost, "/admin").wantStatus(t, http.StatusOK)

			// Only the code is stale: only the code is asked for.
			h.clock.Advance(adminMaxAge + time.Minute)
			c.login(appHost, alice).wantStatus(t, http.StatusOK) // fresh pwd, password route: no code
			c.get(appHost, "/admin").wantError(t, http.StatusUnauthorized, "step_up_required")
			r = c.browse(appHost, prefix+"/login?rd=%2Fadmin")
			if !strings.Contains(string(r.body), "Send me a code") || strings.Contains(string(r.body), `name="password"`) {
				t.Errorf("with a fresh password only the code should be asked for:\n%s", r.body)
			}
			c.api(appHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
			c.api(appHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
			c.get(appHost, "/admin").wantStatus(t, http.StatusOK)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newHarness(t))
		})
	}
}

// sameKeys reports whether a and b are JSON objects with the same keys.
func sameKeys(a, b any) bool {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if !ok1 || !ok2 || len(am) != len(bm) {
		return false
	}
	for k := range am {
		if _, ok := bm[k]; !ok {
			return false
		}
	}
	return true
}
