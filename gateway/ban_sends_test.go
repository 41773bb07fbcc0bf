package gateway_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sprayFrom bans the client address ip the way regulation bans a
// password sprayer: IPFactor × max_failures wrong passwords for names
// nobody has (docs/contract.md, "Regulation").
func (h *harness) sprayFrom(t *testing.T, ip string) {
	t.Helper()
	limit := 10 * h.cfg.Regulation.MaxFailures
	for i := range limit {
		h.loginFrom(t, ip, "sprayed-"+strconv.Itoa(i), "Winter2024!").wantError(t, http.StatusUnauthorized, "invalid_credentials")
	}
	h.loginFrom(t, ip, "carol", carol.password).wantError(t, http.StatusTooManyRequests, "banned")
}

// banByGuesses bans login (however an account's or unknown name's login
// is spelled) with max_failures wrong passwords from as many addresses,
// as an outsider can for any name.
func (h *harness) banByGuesses(t *testing.T, login string) {
	t.Helper()
	for i := range h.cfg.Regulation.MaxFailures {
		h.loginFrom(t, fmt.Sprintf("192.0.2.%d", i+1), login, "wrong-guess-"+strconv.Itoa(i))
	}
}

// anonymousSends are the requests anyone can make that text a code (or,
// for a name or number no account has, a decoy that stands for one), as
// sent from client address ip.
func anonymousSends() []struct {
	name string
	send func(c *client, ip string) reply
} {
	signup := func(username, phone string) func(c *client, ip string) reply {
		return func(c *client, ip string) reply {
			return c.apiFrom(ip, crmHost, "signup", map[string]string{"username": username, "email": username + "@example.net",
				"password": "a long unusual passphrase", "phone": phone, "name": "Someone"})
		}
	}
	reset := func(login string) func(c *client, ip string) reply {
		return func(c *client, ip string) reply {
			return c.apiFrom(ip, appHost, "reset", map[string]string{"username": login})
		}
	}
	start := func(phone string) func(c *client, ip string) reply {
		return func(c *client, ip string) reply {
			return c.apiFrom(ip, smsHost, "sms/start", map[string]string{"phone": phone})
		}
	}
	return []struct {
		name string
		send func(c *client, ip string) reply
	}{
		{"reset of an account by name", reset("bob")},
		{"reset of a name no account has", reset("mallory")},
		{"reset of an account by number", reset(bob.phone)},
		{"reset of a number no account has", reset("+12015550177")},
		{"passwordless start, an account's number", start(bob.phone)},
		{"passwordless start, a number no account has", start("+12015550177")},
		{"sign-up with a fresh number", signup("erin", "+12015550142")},
		{"sign-up with an account's number", signup("frank", bob.phone)},
	}
}

// TestBannedClientSendsNoText: a client address banned for password
// spraying asks for codes anyway, through every anonymous path and
// through "Send a new code" of a code-only sign-in it began before the
// ban. Each answer is 429 banned, for names and numbers with an account
// and without alike, and no text goes out: before, every one of them
// texted (within the quotas), at the deployment's cost, codes the ban
// then refused.
func TestBannedClientSendsNoText(t *testing.T) {
	t.Parallel()
	const sprayer = "198.51.100.7"
	for _, tc := range anonymousSends() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			h.sprayFrom(t, sprayer)
			before := h.sms.count(t)
			r := tc.send(h.newClient(t), sprayer)
			if n := h.sms.count(t) - before; n != 0 {
				t.Errorf("the banned client's request sent %d texts: %v", n, h.sms.messages(t)[before:])
			}
			r.wantError(t, http.StatusTooManyRequests, "banned")
			if r.header.Get("Retry-After") == "" {
				t.Error("a ban without Retry-After")
			}
			// Another client is not refused: the ban is the sprayer's.
			tc.send(h.newClient(t), "203.0.113.9").wantStatus(t, okStatus(tc.name))
		})
	}
	for name, phone := range map[string]string{"an account's number": bob.phone, "a number no account has": "+12015550177"} {
		t.Run("resend, "+name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			c := h.newClient(t)
			c.apiFrom(sprayer, smsHost, "sms/start", map[string]string{"phone": phone}).wantStatus(t, http.StatusOK)
			h.sprayFrom(t, sprayer)
			before := h.sms.count(t)
			var got []reply
			for _, wait := range []time.Duration{h.cfg.OTP.ResendCooldown, h.cfg.OTP.TTL} { // a live code, then a dead one
				h.clock.Advance(wait + time.Second)
				got = append(got, c.apiFrom(sprayer, smsHost, "otp/resend", nil))
			}
			if n := h.sms.count(t) - before; n != 0 {
				t.Errorf("the banned client's resends sent %d texts", n)
			}
			for _, r := range got {
				r.wantError(t, http.StatusTooManyRequests, "banned")
			}
		})
	}
}

// TestBannedClientStartsNoVerification: with a provider that makes and
// checks the codes itself (Twilio Verify, Sinch), a client banned for
// password spraying starts no verification: before, each reset and
// code-only sign-in it asked for started one at the provider (and was
// billed), for a code the ban then refused.
func TestBannedClientStartsNoVerification(t *testing.T) {
	t.Parallel()
	const sprayer = "198.51.100.7"
	for name, start := range verifyProviders(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := start(t)
			h := newHarness(t, withAccounts, setup{sender: p.sender})
			h.sprayFrom(t, sprayer)
			c := h.newClient(t)
			reset := c.apiFrom(sprayer, appHost, "reset", map[string]string{"username": "bob"})
			codeOnly := c.apiFrom(sprayer, smsHost, "sms/start", map[string]string{"phone": alice.phone})
			for to, code := range map[string]string{bob.phone: p.code(bob.phone), alice.phone: p.code(alice.phone)} {
				if code != "" {
					t.Errorf("the banned client started a verification of %s at the provider", to)
				}
			}
			reset.wantError(t, http.StatusTooManyRequests, "banned")
			codeOnly.wantError(t, http.StatusTooManyRequests, "banned")
		})
	}
}

// okStatus is what an anonymous send of anonymousSends answers when
// nothing refuses it.
func okStatus(name string) int {
	if strings.HasPrefix(name, "sign-up") {
		return http.StatusCreated
	}
	return http.StatusOK
}

// TestBannedNameSendsNoText: an outsider bans a name, an account's or
// one nobody has, with max_failures wrong passwords, then asks for its
// password reset or code-only sign-in from a fresh address. While the
// ban lasts, the codes would be refused (the ban is checked before any
// code), so step one is refused instead, 429 banned for the account and
// the unknown name alike, and the account's owner is not texted codes
// that cannot work. Once the ban ends the reset texts again: the owner
// is locked out no longer than the ban already did.
func TestBannedNameSendsNoText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, banned string // what the outsider types wrong passwords for
		path, asked  string // the request then made
	}{
		{"reset by name", "bob", "reset", "bob"},
		{"reset by a name no account has", "mallory", "reset", "mallory"},
		{"reset by the account's email", "bob", "reset", " BOB@example.com"},
		{"reset by a number no account has", "+12015550177", "reset", "+1 201 555 0177"},
		{"passwordless, the account's number", "bob", "sms/start", "+1 (201) 555-0101"},
		{"passwordless, a number no account has", "+12015550177", "sms/start", "+12015550177"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			h.banByGuesses(t, tt.banned)
			ask := func() reply {
				if tt.path == "reset" {
					return h.newClient(t).apiFrom("203.0.113.9", appHost, "reset", map[string]string{"username": tt.asked})
				}
				return h.newClient(t).apiFrom("203.0.113.9", smsHost, "sms/start", map[string]string{"phone": tt.asked})
			}
			before := h.sms.count(t)
			r := ask()
			if n := h.sms.count(t) - before; n != 0 {
				t.Errorf("a banned name's %s sent %d texts: %v", tt.path, n, h.sms.messages(t)[before:])
			}
			r.wantError(t, http.StatusTooManyRequests, "banned")
			if r.header.Get("Retry-After") == "" {
				t.Error("a ban without Retry-After")
			}
			h.clock.Advance(h.cfg.Regulation.BanTime + time.Second)
			ask().wantStatus(t, http.StatusOK)
			if tt.banned == "bob" {
				h.sms.code(t, bob.phone)
			}
		})
	}
}

// TestBannedClientTextsNoNewNumber: a client banned for password
// spraying that also holds a fresh two-factor session of an account of
// its own (a sign-up's) moves the account's phone to number after
// number from the account page. Each new number's code is an anonymous
// send (docs/contract.md, "Send quotas") that the ban would refuse when
// typed: it is refused before it is sent, 429 on the page. Before, each
// was texted, at the deployment's cost, within the client's quota.
func TestBannedClientTextsNoNewNumber(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	c.signIn(crmHost, bob) // from 127.0.0.1, as every harness client
	h.sprayFrom(t, "127.0.0.1")
	before := h.sms.count(t)
	r := c.form(authHost, "/account/phone", url.Values{"phone": {"+1 201 555 0166"}})
	if n := h.sms.count(t) - before; n != 0 {
		t.Errorf("the banned client had %d texts sent from the account page: %v", n, h.sms.messages(t)[before:])
	}
	r.wantStatus(t, http.StatusTooManyRequests)
}
