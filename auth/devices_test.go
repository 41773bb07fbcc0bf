package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestKnownDeviceCookiesNameOneAccountAsItIs: a cookie is recognised for
// the account it was made for, under the credential generation it had,
// until it expires; nothing else passes: another account, a changed
// password (a new generation), any byte changed, a cut or padded value.
func TestKnownDeviceCookiesNameOneAccountAsItIs(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	d := auth.NewKnownDevices([]byte("known-device-key-0123456789abcd!"), 24*time.Hour, clock)
	alice := &auth.User{Username: "alice", Generation: "g1"}
	value, err := d.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	id, _, ok := d.Recognised(value, alice)
	if !ok || id == "" {
		t.Fatal("a cookie made for alice is not recognised for her")
	}
	other, err := d.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	if id2, _, _ := d.Recognised(other, alice); id2 == id {
		t.Error("two cookies made for alice name the same device")
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		t.Fatal(err)
	}
	refused := map[string]struct {
		value string
		u     *auth.User
	}{
		"another account":         {value, &auth.User{Username: "bob", Generation: "g1"}},
		"a name alike":            {value, &auth.User{Username: "alice\x00g1", Generation: ""}},
		"after a password change": {value, &auth.User{Username: "alice", Generation: "g2"}},
		"cut":                     {value[:len(value)-1], alice},
		"padded":                  {value + "A", alice},
		"not base64":              {value[:len(value)-1] + "!", alice},
		"empty":                   {"", alice},
		"no account":              {value, nil},
	}
	for i := range raw {
		flipped := append([]byte(nil), raw...)
		flipped[i] ^= 1
		refused["byte "+string(rune('a'+i%26))+string(rune('0'+i/26))] = struct {
			value string
			u     *auth.User
		}{base64.RawURLEncoding.EncodeToString(flipped), alice}
	}
	for name, tc := range refused {
		if _, _, ok := d.Recognised(tc.value, tc.u); ok {
			t.Errorf("%s: recognised", name)
		}
	}
	clock.Advance(24*time.Hour - time.Second)
	if _, _, ok := d.Recognised(value, alice); !ok {
		t.Error("a cookie is refused before its lifetime ended")
	}
	clock.Advance(time.Second)
	if _, _, ok := d.Recognised(value, alice); ok {
		t.Error("a cookie is recognised after its lifetime")
	}
}

// lockOut sends wrong passwords for alice from c, waiting out each ban,
// until the right password from c is refused as locked.
func (w *loginWorld) lockOut(t *testing.T, c auth.Client) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		_, err := w.login.Password(ctx, c, nil, auth.PasswordIn{Login: "alice", Password: "wrong password", NeedsCode: alwaysCode})
		var rl *auth.RateLimitError
		if errors.As(err, &rl) && rl.Reason == auth.ReasonLocked {
			return
		}
		if errors.As(err, &rl) {
			w.clock.Advance(rl.RetryAfter)
		}
	}
	t.Fatal("no lock after 200 wrong passwords")
}

// TestOutsidersLockHoldsNoKnownDevice: an outsider who waits out every
// ban locks alice's account for a day (max_account_failures); a stranger
// with her password is refused as locked, her known browser signs in.
// Its own wrong passwords lock that browser alone: the account stays
// open to her other browsers.
func TestOutsidersLockHoldsNoKnownDevice(t *testing.T) {
	ctx := context.Background()
	w := newLoginWorld(t)
	known := client
	known.Devices = []string{w.signIn(t).Device}
	if known.Devices[0] == "" {
		t.Fatal("a completed sign-in made no known-device cookie")
	}
	outsider := auth.Client{IP: "198.51.100.9", UserAgent: "outsider"}
	w.lockOut(t, outsider)

	_, err := w.login.Password(ctx, auth.Client{IP: "192.0.2.4"}, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: alwaysCode})
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) || rl.Reason != auth.ReasonLocked {
		t.Fatalf("a stranger with the right password: %v, want locked", err)
	}
	st, err := w.login.Password(ctx, known, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: alwaysCode, Accepts: smsOnly})
	if err != nil {
		t.Fatalf("alice's known browser after the outsider's lock: %v", err)
	}
	if st, err = w.login.VerifyCode(ctx, known, st.Session, w.sms.lastCode(t, lwPhone)); err != nil || st.Session.Device == "" {
		t.Fatalf("alice's code on her known browser: %v (new cookie %q)", err, st.Session.Device)
	}
	known.Devices = []string{st.Session.Device}

	// Her known browser's own failures: its lock, not the account's.
	w2 := newLoginWorld(t)
	mine := client
	mine.Devices = []string{w2.signIn(t).Device}
	w2.lockOut(t, mine)
	if _, err := w2.login.Password(ctx, auth.Client{IP: "192.0.2.4"}, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: neverCode}); err != nil {
		t.Fatalf("her other browser after the known one locked itself: %v", err)
	}
}

// TestKnownDeviceFreesNoBannedAddress: a sprayer's wrong passwords at
// many names ban its address; a known device of alice's on that address
// is refused as banned too, even with her password (the address's ban
// is not the account's, which anyone can cause: only someone sharing the
// address can cause it), and her known device elsewhere is not.
func TestKnownDeviceFreesNoBannedAddress(t *testing.T) {
	ctx := context.Background()
	w := newLoginWorld(t)
	device := w.signIn(t).Device
	sprayer := auth.Client{IP: "198.51.100.9", UserAgent: "sprayer"}
	for i := 0; i < 5*auth.IPFactor; i++ {
		_, _ = w.login.Password(ctx, sprayer, nil, auth.PasswordIn{Login: fmt.Sprintf("name%d", i), Password: "wrong password", NeedsCode: alwaysCode})
	}
	there := auth.Client{IP: sprayer.IP, UserAgent: "alice", Devices: []string{device}}
	_, err := w.login.Password(ctx, there, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: neverCode})
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) || rl.Reason != auth.ReasonBanned {
		t.Fatalf("alice's known device on the sprayer's banned address: %v, want banned", err)
	}
	elsewhere := there
	elsewhere.IP = "192.0.2.4"
	if _, err := w.login.Password(ctx, elsewhere, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: neverCode}); err != nil {
		t.Fatalf("alice's known device on another address: %v", err)
	}
}

// TestCodeOnlyDeviceSaysSo: a cookie made after a code-only sign-in is
// recognised as the account's, and says its sign-in did not prove the
// password; one made after the password says it did. The mark is under
// the MAC: a code-only cookie with it cleared is no cookie at all
// (docs/contract.md, "Known devices").
func TestCodeOnlyDeviceSaysSo(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	d := auth.NewKnownDevices([]byte("known-device-key-0123456789abcd!"), 24*time.Hour, clock)
	alice := &auth.User{Username: "alice", Generation: "g1"}
	codeOnly, err := d.IssueCodeOnly(alice)
	if err != nil {
		t.Fatal(err)
	}
	withPassword, err := d.Issue(alice)
	if err != nil {
		t.Fatal(err)
	}
	if id, pwd, ok := d.Recognised(codeOnly, alice); !ok || id == "" || pwd {
		t.Errorf("code-only cookie: id %q, password %v, ok %v; want recognised, without the password", id, pwd, ok)
	}
	if _, pwd, ok := d.Recognised(withPassword, alice); !ok || !pwd {
		t.Errorf("password cookie: password %v, ok %v; want recognised, with the password", pwd, ok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(codeOnly)
	if err != nil {
		t.Fatal(err)
	}
	raw[16] &^= 0x80 // the mark, in the expiry word after the nonce
	if _, _, ok := d.Recognised(base64.RawURLEncoding.EncodeToString(raw), alice); ok {
		t.Error("a code-only cookie with its mark cleared was recognised")
	}
	clock.Advance(25 * time.Hour)
	if _, _, ok := d.Recognised(codeOnly, alice); ok {
		t.Error("an expired code-only cookie was recognised")
	}
}

// TestKnownDeviceCookieKeepsTheNewestAccounts: a browser signed in as
// five accounts in turn keeps a value for the newest four
// (auth.MaxDeviceAccounts), each recognised for its account; signing in
// again as one of them replaces its value rather than adding one; values
// past their expiry and strings of no value's shape are not kept, nor
// an account's value from before a credential change its browser made; a
// cookie of separators alone is split into no more than four.
func TestKnownDeviceCookieKeepsTheNewestAccounts(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	d := auth.NewKnownDevices([]byte("known-device-key-0123456789abcd!"), 24*time.Hour, clock)
	var users []*auth.User
	for _, name := range []string{"ann", "ben", "cat", "dan", "eve"} {
		users = append(users, &auth.User{Username: name, Generation: "g"})
	}
	signIn := func(cookie string, u *auth.User) string {
		t.Helper()
		v, err := d.Issue(u)
		if err != nil {
			t.Fatal(err)
		}
		var sent []string
		if cookie != "" {
			sent = auth.SplitDevices(cookie)
		}
		return d.Keep(v, sent, u)
	}
	known := func(cookie string, u *auth.User) int {
		n := 0
		for _, v := range auth.SplitDevices(cookie) {
			if _, _, ok := d.Recognised(v, u); ok {
				n++
			}
		}
		return n
	}
	cookie := ""
	for _, u := range users {
		cookie = signIn(cookie, u)
	}
	for i, u := range users {
		want := 1
		if i == 0 {
			want = 0 // the oldest, past auth.MaxDeviceAccounts
		}
		if got := known(cookie, u); got != want {
			t.Errorf("after five sign-ins, %s has %d values in the cookie, want %d", u.Username, got, want)
		}
	}
	cookie = signIn(cookie, users[2])
	if n := len(auth.SplitDevices(cookie)); n != auth.MaxDeviceAccounts || known(cookie, users[2]) != 1 || known(cookie, users[1]) != 1 {
		t.Errorf("cat signing in again: %d values, cat's %d, ben's %d; want %d, 1, 1", n, known(cookie, users[2]), known(cookie, users[1]), auth.MaxDeviceAccounts)
	}
	clock.Advance(25 * time.Hour)
	if got := signIn(cookie+".junk.."+strings.Repeat("A", 54), users[0]); len(auth.SplitDevices(got)) != 1 || known(got, users[0]) != 1 {
		t.Errorf("a day later: the cookie kept expired or malformed values: %q", got)
	}
	// A credential change made from the browser: the account's value
	// under its earlier generation is dropped, not kept as another's.
	ben := &auth.User{Username: "ben", Generation: "g"}
	cookie = signIn(signIn("", users[3]), ben)
	changed := &auth.User{Username: "ben", Generation: "g2"}
	v, err := d.Issue(changed)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Keep(v, auth.SplitDevices(cookie), changed, ben); len(auth.SplitDevices(got)) != 2 || known(got, changed) != 1 || known(got, users[3]) != 1 {
		t.Errorf("ben's credential change: %d values, want his new one and dan's", len(auth.SplitDevices(got)))
	}
	if n := len(auth.SplitDevices(strings.Repeat(".", 4000))); n > auth.MaxDeviceAccounts {
		t.Errorf("a cookie of 4000 separators split into %d values", n)
	}
}
