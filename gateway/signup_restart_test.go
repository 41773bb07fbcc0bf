package gateway_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"
)

// TestSignupRestartTellsNoNumber: a sign-up with a number an account
// has is answered as a fresh one, its code a decoy (docs/contract.md,
// "Sign-up"), and so is "Send a new code" once that code has died: the
// code page still asks to confirm the number for the new account, and
// once the sign-up's hold on its name has ended, no new code is started
// for either (410 code_expired, the session no longer waiting for one).
// Before, the taken number's restarted decoy was a sign-in's ("Enter
// your code", with the lost-phone link) where a free number's page said
// "Confirm your phone number"; and past the hold a free number's resend
// failed with 500 while a taken number's started a new decoy: one
// sign-up and a wait told whether a number has an account.
func TestSignupRestartTellsNoNumber(t *testing.T) {
	t.Parallel()
	title := regexp.MustCompile(`<h1 id="title">([^<]*)</h1>`)
	lead := regexp.MustCompile(`<p class="lead">([^<]*)`)
	for _, tc := range []struct {
		name string
		wait time.Duration // after the sign-up, before "Send a new code"
		want int           // the JSON resend's status
	}{
		{"the code died", 6 * time.Minute, http.StatusOK},
		{"the name's hold ended", 16 * time.Minute, http.StatusGone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			seen := map[string]string{}
			for i, phone := range []string{"+12015550177", bob.phone} {
				user := []string{"probe-free", "probe-taken"}[i]
				page := h.newClient(t)
				page.form(appHost, "/signup", url.Values{"username": {user}, "email": {user + "@example.net"},
					"password": {"a long unusual passphrase"}, "phone": {phone}}).wantStatus(t, http.StatusSeeOther)
				api := h.newClient(t)
				api.api(appHost, "signup", map[string]string{"username": user + "-api", "email": user + "-api@example.net",
					"password": "a long unusual passphrase", "phone": phone}).wantStatus(t, http.StatusCreated)
				h.clock.Advance(tc.wait)

				resent := page.form(appHost, "/otp/resend", url.Values{})
				next := page.browse(appHost, prefix+"/otp")
				got := answerShape(t, resent) + " | " + answerShape(t, next)
				for _, re := range []*regexp.Regexp{title, lead} {
					if m := re.FindSubmatch(next.body); m != nil {
						got += " | " + string(m[1])
					}
				}
				r := api.api(appHost, "otp/resend", nil)
				if r.status != tc.want {
					t.Errorf("%s: the JSON resend answered %d %s, want %d", phone, r.status, r.body, tc.want)
				}
				got += " | " + answerShape(t, r)
				seen[phone] = got
			}
			if free, taken := seen["+12015550177"], seen[bob.phone]; free != taken {
				t.Fatalf("\"Send a new code\" tells a taken number from a free one:\n free:  %s\n taken: %s", free, taken)
			}
		})
	}
}
