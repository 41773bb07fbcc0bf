package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestStaleSignupCodeActivatesNoOtherReservation: a sign-up's code, kept
// alive by resends, outlives its reservation (3×TTL). Once the
// reservation expired, another sign-up of the same username with a number
// nobody proved is pending; before, the stale code activated that record
// (Activate took whatever record held the name): an account with an
// attacker's password bound for good to a number whose owner never
// answered a code. Activate now needs the pending record with the code's
// number.
func TestStaleSignupCodeActivatesNoOtherReservation(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	const attackerPhone, victimPhone = "+12015550111", "+12015550122"
	c2 := auth.Client{IP: "198.51.100.9", UserAgent: "test"}

	st, err := w.login.SignUp(ctx, client, nil, auth.NewAccount{Username: "bob", Email: "bob@example.com", Password: "a long password 1", Phone: attackerPhone})
	if err != nil {
		t.Fatal(err)
	}
	sess := st.Session
	// Keep the code alive with resends (4 sends in all) past 3×TTL.
	for _, d := range []time.Duration{4 * time.Minute, 4*time.Minute + 30*time.Second, 4*time.Minute + 30*time.Second} {
		w.clock.Advance(d)
		if st, err = w.login.Resend(ctx, client, sess, nil); err != nil {
			t.Fatal(err)
		}
		sess = st.Session
	}
	w.clock.Advance(2*time.Minute + 30*time.Second) // t = 15.5 min: the reservation is gone, the code lives until 18 min
	if _, err := w.users.Pending(ctx, "bob"); !errors.Is(err, auth.ErrUserNotFound) {
		t.Fatalf("reservation still there: %v", err)
	}
	code := w.sms.lastCode(t, attackerPhone)

	// A second sign-up of "bob" (anyone's: the attacker's own, with a
	// number they do not hold) is now pending, unproved.
	if _, err := w.login.SignUp(ctx, c2, nil, auth.NewAccount{Username: "bob", Email: "bob2@example.com", Password: "another long password", Phone: victimPhone}); err != nil {
		t.Fatal(err)
	}

	pending := *sess.Pending
	stale := *sess // the session as it was, for a resend below
	stale.Pending = &pending
	_, err = w.login.VerifyCode(ctx, client, sess, code)
	t.Logf("stale code verify: %v", err)
	if u, lerr := w.users.Lookup(ctx, "bob"); lerr == nil {
		t.Fatalf("a code sent to %s activated the pending sign-up of %s (phone %s, never proved): %+v", attackerPhone, u.Username, u.Phone, u.Phone)
	}
	// A resend of the spent code does not restart it on the other
	// sign-up (before: it texted that sign-up's number a code).
	w.sms.mu.Lock()
	before := len(w.sms.msgs)
	w.sms.mu.Unlock()
	if _, err := w.login.Resend(ctx, client, &stale, nil); !errors.Is(err, auth.ErrOTPExpired) {
		t.Errorf("resend after the reservation passed to another sign-up: %v, want ErrOTPExpired", err)
	}
	w.sms.mu.Lock()
	defer w.sms.mu.Unlock()
	for _, m := range w.sms.msgs[before:] {
		if m.To == victimPhone {
			t.Fatalf("the stale sign-up's resend texted the other sign-up's number %s", victimPhone)
		}
	}
}

// TestSignupUsernameTellsNoPhone: sign-in reads a username made of phone
// digits as a phone number, so a sign-up whose username was someone's
// number got 409 on "username" when an account had that number and 201
// otherwise (no SMS sent): the contract says a phone an account has is
// not told. Such usernames are refused alike now (400, field.username.phone).
func TestSignupUsernameTellsNoPhone(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	_, errTaken := w.login.SignUp(ctx, client, nil, auth.NewAccount{Username: "201-555-0100", Email: "x1@example.com", Password: "a long password 1", Phone: "+12015550177"})
	_, errFree := w.login.SignUp(ctx, client, nil, auth.NewAccount{Username: "201-555-0199", Email: "x2@example.com", Password: "a long password 1", Phone: "+12015550178"})
	t.Logf("alice's number as username: %v; a free number: %v", errTaken, errFree)
	if errors.Is(errTaken, auth.ErrExists) != errors.Is(errFree, auth.ErrExists) {
		t.Fatalf("the answer tells that +12015550100 has an account: %v vs %v", errTaken, errFree)
	}
	var ie *auth.InputError
	if !errors.As(errFree, &ie) || ie.Problems["username"].ID != "field.username.phone" {
		t.Fatalf("a username made of phone digits: %v, want field.username.phone", errFree)
	}
}
