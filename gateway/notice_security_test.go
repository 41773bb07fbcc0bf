package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// The security notices (docs/contract.md, "Security notices"): the
// account's own number is told when its signed-in person adds a way to
// sign in or changes the password, so that a thief within the fresh
// proofs' ten minutes does not go unseen.

// textsSince returns the bodies texted to phone from the n-th message on.
func textsSince(t *testing.T, h *harness, phone string, from int) []string {
	t.Helper()
	var out []string
	for _, m := range h.sms.messages(t)[from:] {
		if m.To == phone {
			out = append(out, m.Body)
		}
	}
	return out
}

// digitRun is what a code or a secret's digits look like in a text.
var digitRun = regexp.MustCompile(`\d{4,}`)

// noticeHoldsNothing fails t when body, a notice, is more than one
// GSM 7-bit text or holds a code, a link or one of secrets.
func noticeHoldsNothing(t *testing.T, body string, secrets ...string) {
	t.Helper()
	if !oneSegment(body) {
		t.Errorf("the notice is billed as more than one text: %q", body)
	}
	if digitRun.MatchString(body) || strings.Contains(body, "://") || strings.Contains(body, "www.") {
		t.Errorf("the notice holds a code or a link: %q", body)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(body, s) {
			t.Errorf("the notice holds a secret: %q", body)
		}
	}
}

// TestOwnersNumberIsToldOfNewSignInMethods: after bob (signed in with his
// password and a text code) adds a passkey, sets up an authenticator
// app, makes recovery codes or changes his password, his number gets
// one text naming the change and the gateway, without a code, a link or
// a secret; a password reset (proved by a code to that number) and an
// administrator's set-password link text nothing more. Before, none of
// these changes was told: a thief holding a stolen session within the
// fresh proofs' window added a passkey of their own unseen.
func TestOwnersNumberIsToldOfNewSignInMethods(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, h *harness, c *client) []string // the change, and the secrets it showed
		want   string                                             // in the notice; "" for none
		extra  setup
	}{
		{"passkey added", func(t *testing.T, _ *harness, c *client) []string {
			registerPasskey(t, c, "Thief's key")
			return nil
		}, "passkey was added", setup{}},
		{"authenticator app set up", func(t *testing.T, h *harness, c *client) []string {
			return []string{enrolApp(t, h, c)}
		}, "authenticator app was set up", setup{}},
		{"recovery codes made", func(t *testing.T, _ *harness, c *client) []string {
			return makeRecoverySet(t, c)
		}, "recovery codes were made", setup{}},
		{"password changed", func(t *testing.T, _ *harness, c *client) []string {
			c.form(authHost, "/account/password", url.Values{"current": {bob.password}, "password": {"a fresh long passphrase"}}).wantStatus(t, http.StatusSeeOther)
			return []string{"a fresh long passphrase", bob.password}
		}, "password was changed", setup{}},
		{"password reset by a code to the number", func(t *testing.T, h *harness, c *client) []string {
			c.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
			code := h.sms.code(t, bob.phone)
			c.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": "a brand new passphrase"}).wantStatus(t, http.StatusOK)
			return nil
		}, "", resetBySMS},
		{"set-password link of an administrator", func(t *testing.T, h *harness, _ *client) []string {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			token := linkToken(t, admin.api(authHost, "admin/users/bob/force-reset", map[string]any{}))
			h.newClient(t).api(appHost, "reset", map[string]string{"token": token, "password": "bob-chose-this-one"}).wantStatus(t, http.StatusOK)
			return nil
		}, "", setup{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, withPasskeys, withTOTP, tc.extra)
			c := h.newClient(t)
			c.signIn(crmHost, bob)
			before := h.sms.count(t)
			secrets := tc.change(t, h, c)
			var notices []string
			for _, body := range textsSince(t, h, bob.phone, before) {
				if !codeRE.MatchString(body) {
					notices = append(notices, body)
				}
			}
			if tc.want == "" {
				if len(notices) != 0 {
					t.Fatalf("bob's number got %q", notices)
				}
				return
			}
			if len(notices) != 1 {
				t.Fatalf("bob's number got %d notices, want 1: %q", len(notices), notices)
			}
			if !strings.Contains(notices[0], tc.want) || !strings.Contains(notices[0], config.DefaultAppName) {
				t.Errorf("the notice %q does not say %q and name the gateway", notices[0], tc.want)
			}
			noticeHoldsNothing(t, notices[0], secrets...)
		})
	}
}

// TestSecurityNoticesSpendNoCodeBudget: notices take a send quota of
// their own per number (otp.max_sends): bob adding and removing passkeys
// in a loop gets that many notices and no more, every change is still
// made, and his next sign-in's code still comes. Before, nothing bounded
// what a change could text.
func TestSecurityNoticesSpendNoCodeBudget(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, withPasskeys, setup{edit: func(cfg *config.Config, _ string) {
		cfg.OTP.MaxSends.Count = 2
	}})
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	before := h.sms.count(t)
	for range 4 {
		registerPasskey(t, c, "Loop")
		page := c.get(authHost, "/_gatehouse/account")
		ids := regexpAll(`name="id" value="([^"]+)"`, string(page.body))
		if len(ids) != 1 {
			t.Fatalf("account page lists %d keys, want 1", len(ids))
		}
		c.form(authHost, "/account/passkeys/remove", url.Values{"id": {ids[0]}}).wantStatus(t, http.StatusSeeOther)
	}
	if got := textsSince(t, h, bob.phone, before); len(got) != 2 {
		t.Errorf("bob's number got %d notices for 4 keys with otp.max_sends 2, want 2: %q", len(got), got)
	}
	// His codes' budget is untouched: the next sign-in's code comes.
	h.newClient(t).signIn(crmHost, bob)
}

// verifyOnly stands in for Twilio Verify or Sinch, which send only their
// own codes: it counts what it was asked to send.
type verifyOnly struct {
	mu            sync.Mutex
	texts, starts int
}

func (p *verifyOnly) Send(context.Context, auth.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.texts++
	return nil
}

func (p *verifyOnly) StartVerification(_ context.Context, m auth.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts++
	return "VE" + m.To, nil
}

func (p *verifyOnly) CheckCode(_ context.Context, _, _, code string) (bool, error) {
	return code == "12345678", nil
}

// noticesFail is the console sender, but every text without a code
// fails at the provider.
type noticesFail struct{ auth.Sender }

func (f noticesFail) Send(ctx context.Context, m auth.Message) error {
	if m.Code == "" {
		return fmt.Errorf("provider down: %w", auth.ErrSMSFailed)
	}
	return f.Sender.Send(ctx, m)
}

// TestNoticeFailureKeepsTheChange: a notice the provider fails is
// logged, not shown: the key is added and the password changed as ever.
func TestNoticeFailureKeepsTheChange(t *testing.T) {
	t.Parallel()
	box := &smsBox{}
	h := newHarness(t, withAccounts, withPasskeys, setup{sender: noticesFail{auth.NewConsoleSender("", box, nil)}})
	h.sms = box
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	registerPasskey(t, c, "Phone")
	if ids := regexpAll(`name="id" value="([^"]+)"`, string(c.get(authHost, "/_gatehouse/account").body)); len(ids) != 1 {
		t.Fatalf("account page lists %d keys, want 1", len(ids))
	}
	c.form(authHost, "/account/password", url.Values{"current": {bob.password}, "password": {"a fresh long passphrase"}}).wantStatus(t, http.StatusSeeOther)
	h.newClient(t).login(crmHost, testUser{name: "bob", password: "a fresh long passphrase"}).wantStatus(t, http.StatusOK)
}

// TestNoSecurityNoticeWhenOffOrUnsendable: with sms.security_notices off,
// or with a provider that sends only its own codes (a notice through it
// would arrive as a bare verification code), adding a passkey texts
// nothing, and the key is added.
func TestNoSecurityNoticeWhenOffOrUnsendable(t *testing.T) {
	t.Parallel()
	t.Run("setting off", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, withPasskeys, setup{edit: func(cfg *config.Config, _ string) { cfg.SMS.SecurityNotices = false }})
		c := h.newClient(t)
		c.signIn(crmHost, bob)
		before := h.sms.count(t)
		registerPasskey(t, c, "Phone")
		if got := textsSince(t, h, bob.phone, before); len(got) != 0 {
			t.Errorf("bob's number got %q with sms.security_notices off", got)
		}
	})
	t.Run("verification provider", func(t *testing.T) {
		t.Parallel()
		p := &verifyOnly{}
		h := newHarness(t, withPasskeys, setup{sender: p})
		c := h.newClient(t)
		c.login(crmHost, bob).wantStatus(t, http.StatusOK)
		c.api(crmHost, "otp", map[string]string{"code": "12345678"}).wantStatus(t, http.StatusOK)
		registerPasskey(t, c, "Phone")
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.texts != 0 || p.starts != 1 {
			t.Errorf("the provider was asked for %d texts and %d verifications, want 0 and the sign-in's 1", p.texts, p.starts)
		}
	})
}

// TestSecurityNoticeNamesTheGateway: a notice names the gateway as every
// text does, by portal.app_name when that is at most 30 GSM 7-bit
// characters, else by public_url's host, and stays one text either way.
func TestSecurityNoticeNamesTheGateway(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Acme Customer Relations ", 3)
	for _, tc := range []struct{ app, want string }{
		{long[:30], long[:30]},
		{long[:31], "auth.example.com"},
		{"Acme “CRM” ✓", "auth.example.com"},
		{"Acme [CRM]", "auth.example.com"}, // "[" is two characters in GSM 7-bit
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withTOTP, setup{edit: func(cfg *config.Config, _ string) { cfg.Portal.AppName = tc.app }})
			c := h.newClient(t)
			c.signIn(crmHost, bob)
			before := h.sms.count(t)
			secret := enrolApp(t, h, c)
			got := textsSince(t, h, bob.phone, before)
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.want+": ") {
				t.Fatalf("with portal.app_name %q bob's number got %q, want one notice naming %q", tc.app, got, tc.want)
			}
			noticeHoldsNothing(t, got[0], secret)
		})
	}
}
