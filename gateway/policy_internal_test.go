package gateway

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestDecideSecondFactors: two_factor takes the password and any second
// factor the route accepts (a recovery code standing in for either);
// force_two_factor asks the same of a password route; the account page
// asks for a second factor once the account has one, and with confirm
// for each, the app's first.
func TestDecideSecondFactors(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	sess := func(methods ...string) *auth.Session {
		s := &auth.Session{User: "alice"}
		for _, m := range methods {
			s.Proofs = append(s.Proofs, auth.Proof{Method: m, At: now.Unix()})
		}
		return s
	}
	alice := &auth.User{Username: "alice", Phone: "+12015550100"}
	noPhone := &auth.User{Username: "alice"}
	forced := &auth.User{Username: "alice", ForceTwoFactor: true}
	any2f := &route{policy: PolicyTwoFactor}
	appOnly := &route{policy: PolicyTwoFactor, second: []string{auth.MethodOTP}}
	textOnly := &route{policy: PolicyTwoFactor, second: []string{auth.MethodSMS}}
	phishing := &route{policy: PolicyTwoFactor, phishing: true}
	keyPolicy := &route{policy: PolicyPasskey}
	uvKey := &auth.Session{User: "alice", Proofs: []auth.Proof{{Method: auth.MethodHWK, At: now.Unix(), UV: true}}}
	keysAccount := accountRoute(true, false)
	keysAccount.keys = true
	for _, tc := range []struct {
		name    string
		r       *route
		u       *auth.User
		s       *auth.Session
		allowed bool
		missing []string
	}{
		{"two_factor, text", any2f, alice, sess("pwd", "sms"), true, nil},
		{"two_factor, app", any2f, alice, sess("pwd", "otp"), true, nil},
		{"two_factor, recovery code", any2f, alice, sess("pwd", "rc"), true, nil},
		{"two_factor, password only", any2f, alice, sess("pwd"), false, []string{methodSecond}},
		{"two_factor, second factor only", any2f, alice, sess("otp"), false, []string{"pwd"}},
		{"app-only route, text", appOnly, alice, sess("pwd", "sms"), false, []string{methodSecond}},
		{"app-only route, app", appOnly, alice, sess("pwd", "otp"), true, nil},
		{"app-only route, recovery code", appOnly, alice, sess("pwd", "rc"), true, nil},
		{"text-only route, app", textOnly, alice, sess("pwd", "otp"), false, []string{methodSecond}},
		{"force_two_factor on a password route, app", &route{policy: PolicyPassword}, forced, sess("pwd", "otp"), true, nil},
		{"force_two_factor on a password route, password", &route{policy: PolicyPassword}, forced, sess("pwd"), false, []string{methodSecond}},
		{"account page, app and no phone, password only", accountRoute(false, true), noPhone, sess("pwd"), false, []string{methodSecond}},
		{"account page, no second factor at all", accountRoute(false, false), noPhone, sess("pwd"), true, nil},
		{"account page, phone, app proof", accountRoute(false, true), alice, sess("pwd", "otp"), true, nil},
		{"account confirm, phone and app, text only", accountRoute(true, true), alice, sess("pwd", "sms"), false, []string{"otp"}},
		{"account confirm, phone and app, neither", accountRoute(true, true), alice, sess("pwd"), false, []string{"otp", "sms"}},
		{"account confirm, phone and app, both", accountRoute(true, true), alice, sess("pwd", "otp", "sms"), true, nil},
		{"two_factor, passkey after the password", any2f, alice, sess("pwd", "hwk"), true, nil},
		{"two_factor, user-verified passkey alone", any2f, alice, uvKey, true, nil},
		{"two_factor, passkey without user verification alone", any2f, alice, sess("hwk"), false, []string{"pwd"}},
		{"text-only route, user-verified passkey", textOnly, alice, uvKey, false, []string{methodSecond}},
		{"password route, user-verified passkey", &route{policy: PolicyPassword}, alice, uvKey, true, nil},
		{"force_two_factor, user-verified passkey", &route{policy: PolicyPassword}, forced, uvKey, true, nil},
		{"phishing-resistant, text", phishing, alice, sess("pwd", "sms"), false, []string{methodSecond}},
		{"phishing-resistant, recovery code", phishing, alice, sess("pwd", "rc"), false, []string{methodSecond}},
		{"phishing-resistant, passkey", phishing, alice, sess("pwd", "hwk"), true, nil},
		{"passkey policy, user-verified", keyPolicy, alice, uvKey, true, nil},
		{"passkey policy, password and passkey without verification", keyPolicy, alice, sess("pwd", "hwk"), false, []string{methodPasskey}},
		{"passkey policy, password and text", keyPolicy, alice, sess("pwd", "sms"), false, []string{methodPasskey}},
		{"account confirm, phone and keys, text only", keysAccount, alice, sess("pwd", "sms"), false, []string{"hwk"}},
		{"account confirm, phone and keys, verified key and text", keysAccount, alice, &auth.Session{User: "alice", Proofs: []auth.Proof{{Method: "hwk", At: now.Unix(), UV: true}, {Method: "sms", At: now.Unix()}}}, true, nil},
	} {
		d := decide(tc.r, tc.s, tc.u, now)
		if (d.verdict == allow) != tc.allowed || !slices.Equal(d.missing, tc.missing) {
			t.Errorf("%s: verdict %v missing %v, want allowed %v missing %v", tc.name, d.verdict, d.missing, tc.allowed, tc.missing)
		}
	}
}
