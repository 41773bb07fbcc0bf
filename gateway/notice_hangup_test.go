package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// hangupProvider is an SMS provider that, once armed, takes a while
// (answer) to send to the number to, as Twilio does on a busy day, and
// fails the send if its request is cancelled meanwhile, as an HTTP
// provider's does; it says on started when such a send began. Other
// sends go to next at once.
type hangupProvider struct {
	next    auth.Sender
	to      string
	answer  time.Duration
	started chan struct{}
	once    sync.Once

	mu    sync.Mutex
	armed bool
}

// arm makes the sends to p.to from now on slow.
func (p *hangupProvider) arm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed = true
}

func (p *hangupProvider) Send(ctx context.Context, m auth.Message) error {
	p.mu.Lock()
	armed := p.armed
	p.mu.Unlock()
	if !armed || m.To != p.to {
		return p.next.Send(ctx, m)
	}
	p.once.Do(func() { close(p.started) })
	t := time.NewTimer(p.answer)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return fmt.Errorf("hang-up provider: %w: %w", auth.ErrSMSFailed, ctx.Err())
	}
	return p.next.Send(ctx, m)
}

// postAndHangUp posts vals (with c's CSRF token) to the portal path on
// host and closes the connection once started says the gateway is
// texting, before it answers: a client that hangs up once its change is
// written.
func postAndHangUp(t *testing.T, c *client, host, path string, vals url.Values, started <-chan struct{}) {
	t.Helper()
	vals = cloneValues(vals)
	vals.Set("csrf", c.csrfToken(host))
	ctx, hangUp := context.WithCancel(t.Context())
	defer hangUp()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.h.srv.URL+prefix+path, strings.NewReader(vals.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", htmlAccept)
	done := make(chan error, 1)
	go func() {
		resp, err := c.hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("POST %s answered before any text was sent (%v): this test would prove nothing", path, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("POST %s: no text sent within 10 s", path)
	}
	hangUp()
	if err := <-done; err == nil {
		t.Fatalf("POST %s answered although the client hung up: this test would prove nothing", path)
	}
}

// TestNoticeOutlivesTheClientHangingUp: bob's old number is told of the
// phone change, and his number of the new password, when the client
// that made the change hangs up while the notice is being sent. Before,
// the old number's notice of a phone change was sent in the request's
// context: a thief who moved the number to their own and closed the
// connection at once cut it short, so the owner never heard of it, and
// every later notice (a passkey of the thief's) went to the thief's
// number (docs/contract.md, "Security notices").
func TestNoticeOutlivesTheClientHangingUp(t *testing.T) {
	t.Parallel()
	const thiefs = "+12015550166"
	for _, tc := range []struct {
		name string
		path string
		vals func(t *testing.T, h *harness, c *client) url.Values
		want string // in the text bob's number gets
	}{
		{"phone moved", "/account/phone/verify", func(t *testing.T, h *harness, c *client) url.Values {
			c.form(authHost, "/account/phone", url.Values{"phone": {thiefs}}).wantStatus(t, http.StatusSeeOther)
			return url.Values{"code": {h.sms.code(t, thiefs)}}
		}, "was changed to"},
		{"password changed", "/account/password", func(*testing.T, *harness, *client) url.Values {
			return url.Values{"current": {bob.password}, "password": {"a fresh long passphrase"}}
		}, "your password was changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &hangupProvider{to: bob.phone, answer: time.Second, started: make(chan struct{})}
			h := newHarness(t, withAccounts, setup{sender: p})
			p.next = auth.NewConsoleSender("", h.sms, h.clock)
			c := h.newClient(t)
			c.signIn(crmHost, bob)
			vals := tc.vals(t, h, c)
			before := h.sms.count(t)
			p.arm()
			postAndHangUp(t, c, authHost, tc.path, vals, p.started)
			var got []string
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				if got = textsSince(t, h, bob.phone, before); len(got) > 0 {
					break
				}
			}
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Fatalf("bob's number got %q after the client hung up; want one text saying %q", got, tc.want)
			}
		})
	}
}
