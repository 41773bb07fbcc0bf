package main

// These tests run `gatehouse serve` from a configuration file against the
// fake providers of internal/fakesms, the way an operator would run it
// against Twilio or Sinch: the real SDK and HTTP clients, pointed at the
// fakes through sms.twilio.base_url and sms.sinch.base_url.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// TestSMSLoginThroughEachProvider signs in with password and code through
// every provider, each against its fake: the code is the one the provider
// delivered, a wrong one is refused, and the metrics count the send.
func TestSMSLoginThroughEachProvider(t *testing.T) {
	twilio := fakesms.NewTwilio(t, fakesms.TwilioOptions{From: []string{"+12015550199"}})
	sinch := fakesms.NewSinch(t, fakesms.SinchOptions{})
	hook := fakesms.NewWebhook(t, nil)
	lastMessage := func(t *testing.T) string {
		ms := twilio.Messages()
		if len(ms) == 0 {
			t.Fatal("Twilio got no message")
		}
		m := messageCode.FindStringSubmatch(ms[len(ms)-1].Body)
		if m == nil || ms[len(ms)-1].To != smsAlicePhone {
			t.Fatalf("message %+v", ms[len(ms)-1])
		}
		return m[1]
	}
	// twilio_verify authenticates with an API key whose secret is in a
	// file; twilio_messaging with the auth token.
	keyFile := filepath.Join(t.TempDir(), "twilio_key_secret")
	if err := os.WriteFile(keyFile, []byte(twilio.APIKeySecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		provider string
		sms      string
		code     func(t *testing.T) string
	}{
		{"twilio_messaging", fmt.Sprintf("provider: twilio_messaging\ntwilio:\n  account_sid: %s\n  auth_token: %s\n  from: \"+12015550199\"\n  base_url: %s",
			twilio.AccountSID, twilio.AuthToken, twilio.URL), lastMessage},
		{"twilio_verify", fmt.Sprintf("provider: twilio_verify\ntwilio:\n  account_sid: %s\n  api_key_sid: %s\n  api_key_secret_file: %s\n  verify_service_sid: %s\n  base_url: %s",
			twilio.AccountSID, twilio.APIKeySID, keyFile, twilio.VerifyServiceSID, twilio.URL), func(*testing.T) string { return twilio.Code(smsAlicePhone) }},
		{"sinch", fmt.Sprintf("provider: sinch\nsinch:\n  key_id: %s\n  key_secret: %q\n  base_url: %s", sinch.KeyID, sinch.KeySecret, sinch.URL),
			func(*testing.T) string { return sinch.Code(smsAlicePhone) }},
		{"webhook", fmt.Sprintf("provider: webhook\nwebhook:\n  url: %s\n  secret: %s", hook.URL, hook.Secret), func(t *testing.T) string {
			ds := hook.Deliveries()
			if len(ds) == 0 {
				t.Fatal("the webhook got nothing")
			}
			return ds[len(ds)-1].Payload.Code
		}},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			w := startSMSGateway(t, tt.sms, "")
			c := w.client(t)
			status, body := c.login("alice")
			if status != http.StatusOK || body["status"] != "otp_required" {
				t.Fatalf("login: %d %v", status, body)
			}
			code := tt.code(t)
			if code == "" {
				t.Fatal("no code reached the provider")
			}
			wrong := strings.Repeat("9", len(code))
			if wrong == code {
				wrong = strings.Repeat("8", len(code))
			}
			status, body = c.api("otp", map[string]string{"code": wrong})
			smsWantError(t, status, body, http.StatusUnauthorized, "invalid_code")
			if status, body = c.api("otp", map[string]string{"code": code}); status != http.StatusOK || body["status"] != "authenticated" {
				t.Fatalf("right code: %d %v", status, body)
			}
			if status, page := c.app(); status != http.StatusOK || page != "hello alice" {
				t.Fatalf("app: %d %q", status, page)
			}
			if m := w.metrics(t); !strings.Contains(m, `gatehouse_sms_sent_total{provider="`+tt.provider+`"} 1`) {
				t.Fatalf("metrics do not count the send:\n%s", smsGrep(m, "gatehouse_sms"))
			}
			// The code as a number of its own: six digits can turn up
			// inside a timestamp or a duration by chance.
			if regexp.MustCompile(`(^|\D)` + code + `(\D|$)`).MatchString(w.stderr.String()) {
				t.Fatal("the code is in the logs")
			}
		})
	}
}

// TestSMSProviderFailures runs twilio_messaging against a failing fake:
// the person gets the contract's errors, nothing is left half done, and
// asking again works once the provider is back.
func TestSMSProviderFailures(t *testing.T) {
	twilio := fakesms.NewTwilio(t, fakesms.TwilioOptions{Landlines: []string{smsBobPhone}})
	w := startSMSGateway(t, fmt.Sprintf("provider: twilio_messaging\ntimeout: 1s\ntwilio:\n  account_sid: %s\n  auth_token: %s\n  from: \"+12015550199\"\n  base_url: %s",
		twilio.AccountSID, twilio.AuthToken, twilio.URL), "max_sends: { count: 2, window: 1h }\nallowed_countries: [\"US\"]")

	t.Run("5xx is 502 and a retry sends once", func(t *testing.T) {
		c := w.client(t)
		twilio.FailNext(fakesms.Failure{Status: 500, Code: 20500, Message: "Internal Server Error"},
			fakesms.Failure{Status: 503, Body: "<html>down</html>"})
		status, body := c.login("alice")
		smsWantError(t, status, body, http.StatusBadGateway, "sms_failed")
		status, body = c.api("otp/resend", nil)
		smsWantError(t, status, body, http.StatusBadGateway, "sms_failed")
		if status, body = c.api("otp", map[string]string{"code": "123456"}); status != http.StatusBadRequest {
			t.Fatalf("a failed send left a code to enter: %d %v", status, body)
		}
		// Two failures did not use up the quota of two sends.
		before := len(twilio.Messages())
		if status, body = c.api("otp/resend", nil); status != http.StatusOK {
			t.Fatalf("resend once Twilio is back: %d %v", status, body)
		}
		if n := len(twilio.Messages()) - before; n != 1 {
			t.Fatalf("%d messages for one resend", n)
		}
		code := messageCode.FindStringSubmatch(twilio.Messages()[before].Body)[1]
		if status, body = c.api("otp", map[string]string{"code": code}); status != http.StatusOK {
			t.Fatalf("code: %d %v", status, body)
		}
	})
	t.Run("timeout is 502 within sms.timeout", func(t *testing.T) {
		c := w.client(t)
		twilio.FailNext(fakesms.Failure{Delay: 30 * time.Second})
		start := time.Now()
		status, body := c.login("alice")
		smsWantError(t, status, body, http.StatusBadGateway, "sms_failed")
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("login took %s with sms.timeout 1s", d)
		}
	})
	t.Run("a number Twilio refuses is 400", func(t *testing.T) {
		status, body := w.client(t).login("bob")
		smsWantError(t, status, body, http.StatusBadRequest, "invalid_phone")
	})
	t.Run("a country outside allowed_countries is 400 before anything is sent", func(t *testing.T) {
		before := len(twilio.Requests())
		status, body := w.client(t).api("sms/start", map[string]string{"phone": "+33 6 12 34 56 78"})
		smsWantError(t, status, body, http.StatusBadRequest, "country_not_allowed")
		if len(twilio.Requests()) != before {
			t.Fatal("Twilio was called for a country that is not allowed")
		}
	})
	t.Run("wrong credentials are 502 and logged without secrets", func(t *testing.T) {
		c := w.client(t)
		twilio.FailNext(fakesms.Failure{Status: 401, Code: 20003, Message: "Authenticate"})
		status, body := c.login("bob")
		smsWantError(t, status, body, http.StatusBadGateway, "sms_failed")
		logs := w.stderr.waitFor("20003", 5*time.Second)
		if !strings.Contains(logs, "20003") || strings.Contains(logs, twilio.AuthToken) || strings.Contains(logs, smsAlicePhone) || strings.Contains(logs, smsBobPhone) {
			t.Fatalf("logs must name the error, never the token or the number:\n%s", smsGrep(logs, "20003"))
		}
	})
}

// TestSMSResendCooldownAndQuota checks Retry-After on the cooldown and on
// the per-phone quota with a real provider.
func TestSMSResendCooldownAndQuota(t *testing.T) {
	twilio := fakesms.NewTwilio(t, fakesms.TwilioOptions{})
	w := startSMSGateway(t, fmt.Sprintf("provider: twilio_verify\ntwilio:\n  account_sid: %s\n  auth_token: %s\n  verify_service_sid: %s\n  base_url: %s",
		twilio.AccountSID, twilio.AuthToken, twilio.VerifyServiceSID, twilio.URL), "resend_cooldown: 30s\nmax_sends: { count: 2, window: 1h }")
	c := w.client(t)
	if status, body := c.login("alice"); status != http.StatusOK {
		t.Fatalf("login: %d %v", status, body)
	}
	b, _ := json.Marshal(nil)
	resp, err := c.hc.Post(w.base+"/_gatehouse/api/otp/resend", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("resend within the cooldown: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// A second login is the second send; the third is over the quota.
	if status, body := w.client(t).login("alice"); status != http.StatusOK {
		t.Fatalf("second login: %d %v", status, body)
	}
	status, body := w.client(t).login("alice")
	smsWantError(t, status, body, http.StatusTooManyRequests, "rate_limited")
	if n := len(twilio.Verifications()); n != 1 {
		t.Fatalf("%d verifications, want 1 (Twilio reuses the pending one)", n)
	}
}

// TestSMSWebOTPLine checks the origin-bound line of otp.webotp: it names
// the host the person signs in on when that is one of the gateway's, and
// public_url's host for any other Host header. A host a wildcard route
// takes is named only when the part the wildcard matched is at most 63
// characters of DNS labels: a Host header is the client's to write, and
// before, one of 60,000 characters under "*.apps.example.com" was texted
// whole, a code's one segment billed as hundreds, and words of the
// client's own ("call-this-number-…") put in the text to any number.
func TestSMSWebOTPLine(t *testing.T) {
	twilio := fakesms.NewTwilio(t, fakesms.TwilioOptions{})
	w := startSMSGateway(t, fmt.Sprintf("provider: twilio_messaging\ntwilio:\n  account_sid: %s\n  auth_token: %s\n  from: \"+12015550199\"\n  base_url: %s",
		twilio.AccountSID, twilio.AuthToken, twilio.URL), "webotp: true\nmax_sends: { count: 20, window: 1h }")
	long := strings.Repeat("a", 63)
	tests := []struct{ host, want string }{
		{"crm.example.com", "@crm.example.com #"},
		{"evil.example.net", "@127.0.0.1 #"},
		{"", "@127.0.0.1 #"},
		{"shop.apps.example.com", "@shop.apps.example.com #"},
		{"eu.shop.apps.example.com", "@eu.shop.apps.example.com #"},
		{long + ".apps.example.com", "@" + long + ".apps.example.com #"},
		{long + "a.apps.example.com", "@127.0.0.1 #"},
		{strings.Repeat("call-0900-123-456-to-claim-your-prize.", 1500) + "apps.example.com", "@127.0.0.1 #"},
		{"x." + long + ".apps.example.com", "@127.0.0.1 #"},
		{"-shop.apps.example.com", "@127.0.0.1 #"},
		{"a..b.apps.example.com", "@127.0.0.1 #"},
		{"my_shop.apps.example.com", "@127.0.0.1 #"},
	}
	for _, tt := range tests {
		name := tt.host
		if len(name) > 80 {
			name = fmt.Sprintf("%s…(%d)", name[:40], len(name))
		}
		t.Run(name, func(t *testing.T) {
			c := w.client(t)
			req, _ := http.NewRequest(http.MethodPost, w.base+"/_gatehouse/api/login", strings.NewReader(`{"username":"alice","password":"`+smsPassword+`","rd":"http://crm.example.com/"}`))
			req.Header.Set("Content-Type", "application/json")
			if tt.host != "" {
				req.Host = tt.host
			}
			before := len(twilio.Messages())
			resp, err := c.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("login: %d", resp.StatusCode)
			}
			ms := twilio.Messages()
			if len(ms) != before+1 {
				t.Fatalf("%d messages sent, want 1", len(ms)-before)
			}
			body := ms[len(ms)-1].Body
			code := messageCode.FindStringSubmatch(body)
			lines := strings.Split(body, "\n")
			if code == nil || lines[len(lines)-1] != tt.want+code[1] {
				t.Fatalf("message %q, want it to end with %q", body, tt.want+"<code>")
			}
		})
	}
}
