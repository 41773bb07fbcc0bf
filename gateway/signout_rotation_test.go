package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// movedStore is a memory store that, once armed, holds the request that
// deletes one session key right after the delete: a step-up whose
// rotation has moved the session to its new id, and whose answer (the new
// cookie) has not reached the browser yet.
type movedStore struct {
	*memstore.Store
	mu      sync.Mutex
	watched string // store key of the session; "" when disarmed
	entered chan struct{}
	release chan struct{}
}

// arm holds the next request that deletes the session with cookie value
// id, once the delete is made.
func (s *movedStore) arm(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watched, s.entered, s.release = auth.SessionHandle(id), make(chan struct{}), make(chan struct{})
}

func (s *movedStore) Delete(ctx context.Context, key string) (bool, error) {
	ok, err := s.Store.Delete(ctx, key)
	s.mu.Lock()
	held := key == s.watched
	if held {
		s.watched = ""
	}
	entered, release := s.entered, s.release
	s.mu.Unlock()
	if held {
		close(entered)
		<-release
	}
	return ok, err
}

// TestSignOutDuringAStepUpStaysSignedOut: alice proves something again
// in one tab (her password, a code), which gives her session a new id,
// and signs out in another while that answer is on its way (the sign-out
// endpoints, or ending "this browser" from the account page's list,
// shown before). The sign-out carries the old id, which the rotation has
// just deleted. Before, the sign-out found nothing, answered 200 "signed
// out" (the account page sent her to the login page, ending nothing),
// and the step-up's answer then set the new id: on a shared computer,
// signed in again after signing out. A sign-out now ends the session the
// old id became (docs/contract.md, "Sessions end when they are ended"):
// whatever cookie the browser ends up with is signed out.
func TestSignOutDuringAStepUpStaysSignedOut(t *testing.T) {
	t.Parallel()
	steps := []struct {
		name string
		// ready prepares the step-up (a code sent) and returns it.
		ready func(t *testing.T, h *harness, c *client) func() reply
	}{
		{"password again", func(_ *testing.T, _ *harness, c *client) func() reply {
			return func() reply { return c.login(crmHost, alice) }
		}},
		{"text-message code", func(t *testing.T, h *harness, c *client) func() reply {
			h.clock.Advance(time.Minute) // past the resend cooldown of the sign-in's code
			c.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
			code := h.sms.code(t, alice.phone)
			return func() reply { return c.api(crmHost, "otp", map[string]string{"code": code}) }
		}},
	}
	signOuts := []struct {
		name string
		// ready is run with the other tab before the step-up; it returns
		// the sign-out and the status that says "signed out".
		ready func(t *testing.T, tab *client) (func() reply, int)
	}{
		{"POST /api/logout", func(_ *testing.T, tab *client) (func() reply, int) {
			return func() reply { return tab.api(authHost, "logout", nil) }, http.StatusOK
		}},
		{"POST /logout", func(_ *testing.T, tab *client) (func() reply, int) {
			return func() reply { return tab.form(authHost, "/logout", url.Values{}) }, http.StatusOK
		}},
		{"this browser's session ended from the account page", func(t *testing.T, tab *client) (func() reply, int) {
			page := tab.browse(authHost, prefix+"/account")
			page.wantStatus(t, http.StatusOK)
			handle := currentHandle(t, page.body)
			return func() reply { return tab.form(authHost, "/account/sessions/revoke", url.Values{"session": {handle}}) }, http.StatusSeeOther
		}},
	}
	for _, step := range steps {
		for _, so := range signOuts {
			t.Run(step.name+"/"+so.name, func(t *testing.T) {
				t.Parallel()
				st := &movedStore{Store: memstore.New(auth.SystemClock{})}
				h := newHarness(t, setup{store: func(*testing.T) auth.Store { return st }})
				c := h.newClient(t)
				c.signIn(crmHost, alice)
				send := step.ready(t, h, c)
				old := c.cookie()
				// The other tab: the same browser, its cookie as it is now.
				tab := h.clientWithCookie(t, old)
				out, signedOut := so.ready(t, tab)

				st.arm(old)
				answered := make(chan reply, 1)
				go func() { answered <- send() }()
				select {
				case <-st.entered:
				case r := <-answered:
					t.Fatalf("%s answered %d without deleting the old id: no rotation", step.name, r.status)
				}
				r := out()
				close(st.release)
				stepUp := <-answered
				if r.status != signedOut || !clearsCookie(h, r) {
					t.Errorf("%s during the step-up: %d, Set-Cookie %q, want %d dropping the cookie", so.name, r.status, r.header.Values("Set-Cookie"), signedOut)
				}
				// The browser keeps whichever cookie it was given last.
				for _, id := range []string{old, c.cookie()} {
					if got := h.clientWithCookie(t, id).get(crmHost, "/"); got.status != http.StatusUnauthorized {
						t.Errorf("after %s said signed out (the step-up %d), a cookie the browser holds reaches the app: %d", so.name, stepUp.status, got.status)
					}
				}
			})
		}
	}
}

// clearsCookie reports whether r tells the browser to drop the session
// cookie.
func clearsCookie(h *harness, r reply) bool {
	for _, sc := range r.header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, h.cfg.Session.CookieName+"=;") && strings.Contains(sc, "Max-Age=0") {
			return true
		}
	}
	return false
}
