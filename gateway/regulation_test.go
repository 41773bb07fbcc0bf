package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// Defaults of regulation.max_account_failures and account_lock_time
// (config/defaults_test.go pins them).
const (
	defaultMaxAccountFailures = 100
	defaultAccountLockTime    = 24 * time.Hour
)

// apiFrom is c.api from client address ip (X-Forwarded-For, which the
// harness trusts from its loopback peer).
func (c *client) apiFrom(ip, host, endpoint string, v any) reply {
	c.t.Helper()
	var body io.Reader = http.NoBody // as api: nil is no body, not null
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	return c.do(request{method: http.MethodPost, host: host, path: prefix + "/api/" + endpoint, body: body,
		contentType: "application/json", accept: "application/json", header: http.Header{"X-Forwarded-For": {ip}}})
}

// loginFrom is one password attempt of a fresh client from ip.
func (h *harness) loginFrom(t *testing.T, ip, login, password string) reply {
	t.Helper()
	return h.newClient(t).apiFrom(ip, appHost, "login", map[string]string{"username": login, "password": password})
}

// TestBanCountsTheAccountNotTheSpelling checks that every spelling the
// login accepts for one account (spaces, case, email, any phone format)
// feeds one counter, and so does every spelling of one unknown name
// (docs/contract.md, "Regulation").
func TestBanCountsTheAccountNotTheSpelling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		guesses  []string // wrong passwords, one per spelling, from different addresses
		then     string   // the login then tried with the right password
		password string
	}{
		{"known account", []string{"alice", " alice", "alice   ", "ALICE@Example.com", "+1 (201) 555-0100", "001 201 555 0100"}, "alice   ", alice.password},
		{"email and phone of an account", []string{"bob@example.com", " BOB@EXAMPLE.COM", "+12015550101", "+1 201-555-0101", "bob\t"}, "Bob@Example.com ", bob.password},
		{"unknown name", []string{"mallory", " mallory", "MALLORY ", "Mallory", "\tmallory"}, "mallory  ", "whatever-it-is"},
		{"unknown number", []string{"+12015550177", "+1 201 555 0177", "001-201-555-0177", "+1 (201) 555-0177", " +12015550177 "}, "+1.201.555.0177", "whatever-it-is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			for i, login := range tt.guesses[:h.cfg.Regulation.MaxFailures] {
				r := h.loginFrom(t, fmt.Sprintf("198.51.100.%d", i+1), login, "wrong-guess-"+strconv.Itoa(i))
				if i < h.cfg.Regulation.MaxFailures-1 {
					r.wantError(t, http.StatusUnauthorized, "invalid_credentials")
				}
			}
			r := h.loginFrom(t, "203.0.113.99", tt.then, tt.password)
			r.wantError(t, http.StatusTooManyRequests, "banned")
			if r.header.Get("Retry-After") == "" {
				t.Error("ban without Retry-After")
			}
			// Nobody else is banned by it.
			h.loginFrom(t, "203.0.113.99", "carol", carol.password).wantStatus(t, http.StatusOK)
		})
	}
}

// TestPasswordsAndCodesCountTogether checks that wrong codes of a pending
// login and wrong passwords typed in another spelling count against the
// same account.
func TestPasswordsAndCodesCountTogether(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.apiFrom("198.51.100.1", crmHost, "login", map[string]string{"username": "alice", "password": alice.password}).wantStatus(t, http.StatusOK)
	for i := 1; i < h.cfg.Regulation.MaxFailures; i++ {
		c.apiFrom("198.51.100.1", crmHost, "otp", map[string]string{"code": "00000" + strconv.Itoa(i)}).wantError(t, http.StatusUnauthorized, "invalid_code")
	}
	h.loginFrom(t, "198.51.100.2", " ALICE@example.com ", "wrong").wantStatus(t, http.StatusUnauthorized)
	h.loginFrom(t, "198.51.100.3", "+1 201 555 0100", alice.password).wantError(t, http.StatusTooManyRequests, "banned")
}

// TestUnknownNumbersBanLikeKnownOnes checks that wrong codes of a
// passwordless login count against the number whether or not it has an
// account, so that a ban does not tell them apart.
func TestUnknownNumbersBanLikeKnownOnes(t *testing.T) {
	t.Parallel()
	for name, phone := range map[string]string{"known": bob.phone, "unknown": "+12015550188"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			c := h.newClient(t)
			c.apiFrom("198.51.100.1", smsHost, "sms/start", map[string]string{"phone": phone}).wantStatus(t, http.StatusOK)
			wrong := func() reply {
				return c.apiFrom("198.51.100.1", smsHost, "otp", map[string]string{"code": "000000"})
			}
			for i := 1; i < h.cfg.OTP.MaxAttempts; i++ {
				wrong().wantError(t, http.StatusUnauthorized, "invalid_code")
			}
			h.clock.Advance(h.cfg.OTP.ResendCooldown)
			c.apiFrom("198.51.100.1", smsHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
			for i := h.cfg.OTP.MaxAttempts - 1; i < h.cfg.Regulation.MaxFailures; i++ {
				wrong().wantError(t, http.StatusUnauthorized, "invalid_code")
			}
			wrong().wantError(t, http.StatusTooManyRequests, "banned")
		})
	}
}

// TestIPv6ClientsAreCountedByPrefix checks that a client spraying from
// many addresses of one /64 is banned as one client, at IPFactor ×
// max_failures, and that another /64 is not.
func TestIPv6ClientsAreCountedByPrefix(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	limit := 10 * h.cfg.Regulation.MaxFailures
	for i := range limit {
		r := h.loginFrom(t, fmt.Sprintf("2001:db8:5:6:%x::%x", i, i+1), "sprayed-"+strconv.Itoa(i), "Winter2024!")
		r.wantError(t, http.StatusUnauthorized, "invalid_credentials")
	}
	h.loginFrom(t, "2001:db8:5:6:ffff:ffff:ffff:fffe", "alice", alice.password).wantError(t, http.StatusTooManyRequests, "banned")
	h.loginFrom(t, "2001:db8:5:7::1", "alice", alice.password).wantStatus(t, http.StatusOK)
}

// TestSlowGuessingLocksTheAccount checks the lock: an attacker who stays
// under max_failures per find_time still gets at most
// max_account_failures guesses, then the account refuses even the right
// password until account_lock_time has passed.
func TestSlowGuessingLocksTheAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	perWindow := h.cfg.Regulation.MaxFailures - 1
	spellings := []string{"bob", " bob", "bob@example.com", "+12015550101"}
	for done := 0; done < defaultMaxAccountFailures; done++ {
		if done > 0 && done%perWindow == 0 {
			h.clock.Advance(h.cfg.Regulation.FindTime + time.Second)
		}
		r := h.loginFrom(t, fmt.Sprintf("198.51.100.%d", done%250+1), spellings[done%len(spellings)], "guess-"+strconv.Itoa(done))
		r.wantError(t, http.StatusUnauthorized, "invalid_credentials")
	}
	h.clock.Advance(h.cfg.Regulation.FindTime + time.Second) // past any find_time window and ban
	r := h.loginFrom(t, "203.0.113.50", "bob", bob.password)
	r.wantError(t, http.StatusTooManyRequests, "banned")
	retry, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || time.Duration(retry)*time.Second <= h.cfg.Regulation.BanTime || time.Duration(retry)*time.Second > defaultAccountLockTime {
		t.Errorf("Retry-After = %q, want up to account_lock_time (%s)", r.header.Get("Retry-After"), defaultAccountLockTime)
	}
	h.loginFrom(t, "203.0.113.50", "alice", alice.password).wantStatus(t, http.StatusOK)

	h.clock.Advance(defaultAccountLockTime / 2)
	h.loginFrom(t, "203.0.113.51", "bob@example.com", bob.password).wantError(t, http.StatusTooManyRequests, "banned")
	h.clock.Advance(defaultAccountLockTime / 2)
	h.newClient(t).signIn(appHost, bob)
}
