package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// refusingProvider is an SMS provider that fails every send to the
// numbers in fail with err (as the real clients report Twilio's and
// Sinch's answers), and sends the rest through next. Wrapped
// (verifyingProvider) makes and checks the codes itself, as Twilio
// Verify and Sinch do.
type refusingProvider struct {
	next auth.Sender
	fail map[string]bool
	err  error

	mu    sync.Mutex
	tried []string // the numbers a send was tried to
}

func (p *refusingProvider) try(to string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tried = append(p.tried, to)
	if p.fail[to] {
		return p.err
	}
	return nil
}

func (p *refusingProvider) Send(ctx context.Context, m auth.Message) error {
	if err := p.try(m.To); err != nil {
		return err
	}
	return p.next.Send(ctx, m)
}

func (p *refusingProvider) triedTo(phone string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.tried, phone)
}

// verifyingProvider is refusingProvider making and checking its codes.
type verifyingProvider struct{ *refusingProvider }

func (p verifyingProvider) StartVerification(ctx context.Context, m auth.Message) (string, error) {
	if err := p.try(m.To); err != nil {
		return "", err
	}
	return "VE" + strings.TrimPrefix(m.To, "+"), nil
}

func (p verifyingProvider) CheckCode(context.Context, string, string, string) (bool, error) {
	return false, nil
}

// answerShape is what a client can compare of two answers: the status,
// the JSON body's keys and error code, where a redirect goes, and the
// names of the cookies set.
func answerShape(t *testing.T, r reply) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%d", r.status)
	var body map[string]any
	if json.Unmarshal(r.body, &body) == nil {
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, " keys=%v status=%v", keys, body["status"])
		if e, ok := body["error"].(map[string]any); ok {
			fmt.Fprintf(&b, " error=%v", e["code"])
		}
	} else if i := strings.Index(string(r.body), `<h1 id="title">`); i >= 0 {
		title, _, _ := strings.Cut(string(r.body)[i:], "</h1>")
		fmt.Fprintf(&b, " page=%q", title)
	}
	if loc := r.header.Get("Location"); loc != "" {
		u, _ := url.Parse(loc)
		q := u.Query()
		q.Del("rd")
		if q.Has("mark") {
			// A notice's mark is of the browser's own random cookie
			// (docs/contract.md, "Notices after a change"): no two
			// browsers' are the same, whatever the number.
			q.Set("mark", "-")
		}
		fmt.Fprintf(&b, " to=%s?%s", u.Path, q.Encode())
	}
	var names []string
	for _, ck := range r.header.Values("Set-Cookie") {
		name, _, _ := strings.Cut(ck, "=")
		names = append(names, name)
	}
	sort.Strings(names)
	fmt.Fprintf(&b, " cookies=%v", names)
	return b.String()
}

// TestProviderFailureTellsNoAccount: a number or name without an account
// gets a decoy, which calls no provider, so it can never fail there; a
// send to an account's number can (the number opted out with STOP,
// Twilio 21610; a carrier that cannot be reached, 21612; a provider
// down; Verify's per-number limit). The code-only sign-in, the password
// reset (by number and by name) and, with a provider that makes the
// codes, the sign-up (a taken number gets a decoy there) answered the
// account's 400 opted_out, 400 invalid_phone, 502 sms_failed or 429
// where the unknown one got 200 and a code form: which numbers and names
// have accounts, for one request each. Those steps, asked by someone who
// proved nothing of the account, now answer a failed send as the decoy
// would, nothing sent, while the failure is on the trail
// (otp_send_failed) for the operator (docs/contract.md, "SMS delivery").
func TestProviderFailureTellsNoAccount(t *testing.T) {
	t.Parallel()
	const stranger = "+12015550177" // no account has it
	failures := map[string]error{
		"opted out (21610)":        fmt.Errorf("twilio send: 21610: %w", auth.ErrOptedOut),
		"unreachable (21612)":      fmt.Errorf("twilio send: 21612: %w", auth.ErrInvalidPhone),
		"provider down (5xx)":      fmt.Errorf("twilio send: status 503: %w", auth.ErrSMSFailed),
		"per-number limit (60203)": fmt.Errorf("twilio send: 60203: %w", &auth.RateLimitError{RetryAfter: 10 * time.Minute, Reason: "provider_send_limit"}),
	}
	signup := func(phone string) url.Values {
		n := strings.TrimPrefix(phone, "+")
		return url.Values{"username": {"u" + n}, "email": {"u" + n + "@example.net"}, "password": {"a long unusual passphrase"}, "phone": {phone}}
	}
	asJSON := func(v url.Values) map[string]string {
		out := map[string]string{}
		for k := range v {
			out[k] = v.Get(k)
		}
		return out
	}
	// Each step asked for bob's number (or name) and for a number or name
	// no account has: with a sign-up, a taken number and a free one.
	steps := []struct {
		step                   string
		ask                    func(c *client, who string) reply
		account, unknown, sent string
	}{
		{"code-only sign-in (API)", func(c *client, who string) reply {
			return c.api(smsHost, "sms/start", map[string]string{"phone": who})
		}, bob.phone, stranger, bob.phone},
		{"code-only sign-in (form)", func(c *client, who string) reply {
			return c.form(smsHost, "/login", url.Values{"mode": {"phone"}, "phone": {who}})
		}, bob.phone, stranger, bob.phone},
		{"code-only sign-in past the number's quota (API)", func(c *client, who string) reply {
			// A decoy spends the number's quota: so does a failed send.
			for range c.h.cfg.OTP.MaxSends.Count {
				c.api(smsHost, "sms/start", map[string]string{"phone": who})
			}
			return c.api(smsHost, "sms/start", map[string]string{"phone": who})
		}, bob.phone, stranger, bob.phone},
		{"reset by number (API)", func(c *client, who string) reply {
			return c.api(appHost, "reset", map[string]string{"username": who})
		}, bob.phone, stranger, bob.phone},
		{"reset by name (API)", func(c *client, who string) reply {
			return c.api(appHost, "reset", map[string]string{"username": who})
		}, "bob", "bxb", bob.phone},
		{"reset by name (form)", func(c *client, who string) reply {
			return c.form(appHost, "/reset", url.Values{"username": {who}})
		}, "bob", "bxb", bob.phone},
		{"sign-up, the number taken or not (API)", func(c *client, who string) reply {
			return c.api(appHost, "signup", asJSON(signup(who)))
		}, bob.phone, stranger, stranger},
		{"sign-up, the number taken or not (form)", func(c *client, who string) reply {
			return c.form(appHost, "/signup", signup(who))
		}, bob.phone, stranger, stranger},
	}
	for name, failure := range failures {
		for _, verify := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, provider makes codes %v", name, verify), func(t *testing.T) {
				t.Parallel()
				world := func(t *testing.T) (*harness, *refusingProvider) {
					p := &refusingProvider{fail: map[string]bool{bob.phone: true, stranger: true}, err: failure}
					var sender auth.Sender = p
					if verify {
						sender = verifyingProvider{p}
					}
					s := withAccounts
					s.sender = sender
					h := newHarness(t, s)
					p.next = auth.NewConsoleSender("", h.sms, h.clock)
					return h, p
				}
				for _, tc := range steps {
					// A world each, so that one step's quotas do not
					// answer another's.
					h, p := world(t)
					ra, ru := tc.ask(h.newClient(t), tc.account), tc.ask(h.newClient(t), tc.unknown)
					if ru.status >= 400 && !strings.Contains(tc.step, "quota") {
						t.Errorf("%s: a number or name without an account answers %d %.300s, want its decoy's code form", tc.step, ru.status, ru.body)
					}
					if acc, unk := answerShape(t, ra), answerShape(t, ru); acc != unk {
						t.Errorf("%s: the account's number answers\n\t%s\nand a number or name without one\n\t%s", tc.step, acc, unk)
					}
					if !p.triedTo(tc.sent) {
						t.Fatalf("%s: no send was tried to %s: the failure was never met", tc.step, tc.sent)
					}
					if tc.sent == bob.phone && !strings.Contains(string(trail(t, h, "otp_send_failed").body), `"user":"bob"`) {
						t.Errorf("%s: the failed send to bob's number is not on the trail (otp_send_failed)", tc.step)
					}
				}
				// After bob's password the account is the asker's: the
				// failure is said, as before.
				h, _ := world(t)
				if r := h.newClient(t).login(crmHost, bob); r.status < 400 || r.errorCode(t) == "" {
					t.Errorf("bob's password, his code not sent: %d %s, want the provider's failure said", r.status, r.body)
				}
				if !verify {
					// So is a signed-in person's phone change to a number
					// whose send fails.
					c := h.newClient(t)
					c.signIn(crmHost, alice)
					if r := c.form(authHost, "/account/phone", url.Values{"phone": {stranger}}); r.status < 400 {
						t.Errorf("alice's phone change to a number the provider refuses: %d, want the failure said", r.status)
					}
				}
			})
		}
	}
}

// trail is the admin API's page of the audit records of event, read with
// a bearer token.
func trail(t *testing.T, h *harness, event string) reply {
	t.Helper()
	token := h.adminToken(t, "ops")
	r := h.newClient(t).do(request{host: authHost, path: prefix + "/api/admin/audit?event=" + event, accept: "application/json",
		header: http.Header{"Authorization": {"Bearer " + token}}})
	r.wantStatus(t, http.StatusOK)
	return r
}
