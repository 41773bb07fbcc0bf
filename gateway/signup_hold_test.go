package gateway_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestSignupNameHoldTellsNoNumber: a sign-up holds its username while
// its code may come back (a pending account), and a taken username is
// said at once (409). A sign-up with a taken phone (a decoy and a
// notice) held nothing, and it was answered before the name was tried:
// so a second sign-up with the same name told whether the first one's
// number has an account (409 for a free number, 201 for a taken one),
// and, cheaper, once a name was held by one sign-up, each further
// sign-up with it and another number answered 409 for a free number and
// 201 for a taken one, no text sent for the free ones. A sign-up with a
// taken phone or email now holds its username as a fresh one does, and
// is told of a held one as a fresh one is; so does one whose code the
// provider failed to send (answered as a decoy, docs/contract.md,
// "Sign-up").
func TestSignupNameHoldTellsNoNumber(t *testing.T) {
	t.Parallel()
	const free, free2, failing = "+12015550177", "+12015550178", "+12015550179"
	p := &refusingProvider{fail: map[string]bool{failing: true}, err: fmt.Errorf("twilio send: 21610: %w", auth.ErrOptedOut)}
	s := withAccounts
	s.sender = p
	h := newHarness(t, s)
	p.next = auth.NewConsoleSender("", h.sms, h.clock)
	signup := func(user, phone string) reply {
		return h.newClient(t).api(appHost, "signup", map[string]string{"username": user, "email": user + "@example.net",
			"password": "a long unusual passphrase", "phone": phone})
	}
	// The name of a sign-up, then another sign-up with it.
	for _, tc := range []struct{ name, user, phone string }{
		{"a free number", "probe-free", free},
		{"a taken number", "probe-taken", bob.phone},
		{"a free number the provider cannot text", "probe-failing", failing},
	} {
		signup(tc.user, tc.phone).wantStatus(t, http.StatusCreated)
		if r := signup(tc.user, "+12015550180"); r.status != http.StatusConflict {
			t.Errorf("%s: the name of a sign-up with it, asked again: %d %s, want 409 as for every number", tc.name, r.status, r.body)
		}
	}
	// A name held, then sign-ups with it and numbers to tell apart.
	signup("holder", free2).wantStatus(t, http.StatusCreated)
	sent := len(h.sms.messages(t))
	for _, phone := range []string{bob.phone, "+12015550181"} {
		if r := signup("holder", phone); r.status != http.StatusConflict {
			t.Errorf("a held name with %s: %d %s, want 409 whoever has the number", phone, r.status, r.body)
		}
	}
	if got := len(h.sms.messages(t)); got != sent {
		t.Errorf("%d texts sent for sign-ups refused for their name, want none", got-sent)
	}
}
