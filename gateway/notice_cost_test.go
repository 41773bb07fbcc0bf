package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// oneSegment reports whether body goes as one text message: at most 160
// characters of GSM 7-bit's basic set. One character outside it (a "•",
// a curly quote) sends the whole text as UCS-2, 70 characters a segment,
// and a longer text is billed as two or more.
func oneSegment(body string) bool {
	const basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	n := 0
	for _, r := range body {
		if !strings.ContainsRune(basic, r) {
			return false
		}
		n++
	}
	return n <= 160
}

// TestNoticesAreOneTextEach: the notices Gatehouse texts besides codes
// (the old number's "your phone was changed", a sign-up's "someone tried
// to sign up with your number" for a taken number or email, a phone
// change's "someone tried to move an account to this number" for a
// taken one) are billed as one text each, as a code is. Before, the
// phone-changed notice showed the new number masked with "•", which sent
// it as UCS-2 in two segments, both sign-up notices ran past 160
// characters, and so did the phone change's, 176 characters before the
// app's name: two texts billed for one, to numbers an attacker chooses.
//
// Every text names the gateway as the security notices do: by
// portal.app_name when it is at most 30 GSM 7-bit characters, else by
// public_url's host. Before, the sign-up and phone-change notices and
// the codes took portal.app_name as written: a 60-character name, or
// one with a curly apostrophe (UCS-2, 70 characters a segment), made
// each of them two or three texts (docs/contract.md, "SMS delivery").
func TestNoticesAreOneTextEach(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ app, want string }{
		{"Acme Customer Relations Portal", "Acme Customer Relations Portal"}, // 30 characters
		{"Acme Customer Relations Portal for Partners and Resellers", "auth.example.com"},
		{"Acme’s Customer Relations", "auth.example.com"}, // ’: UCS-2
	} {
		t.Run(tc.app, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
				cfg.Portal.AppName = tc.app
			}})
			textsAreOneEach(t, h, tc.want)
		})
	}
}

// textsAreOneEach has h text codes and every notice but the security
// notices, and checks that each is one text and that those naming the
// gateway name it want.
func textsAreOneEach(t *testing.T, h *harness, want string) {
	t.Helper()
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	moved := "+12015550188"
	c.form(authHost, "/account/phone", url.Values{"phone": {moved}}).wantStatus(t, http.StatusSeeOther)
	c.form(authHost, "/account/phone/verify", url.Values{"code": {h.sms.code(t, moved)}}).wantStatus(t, http.StatusSeeOther)
	// A move to a number another account has: a notice to that number
	// in place of its code.
	c.form(authHost, "/account/phone", url.Values{"phone": {carol.phone}}).wantStatus(t, http.StatusSeeOther)
	for _, in := range []map[string]string{
		{"username": "erin", "email": "erin@example.com", "phone": alice.phone}, // a taken number
		{"username": "fred", "email": alice.email, "phone": "+12015550176"},     // a taken email
	} {
		in["password"] = "a long unusual passphrase"
		h.newClient(t).api(crmHost, "signup", in).wantStatus(t, http.StatusCreated)
	}
	// Codes, and a notice to each of bob's old number, alice's number and
	// the number typed with alice's email.
	texted := map[string][]string{}
	for _, m := range h.sms.messages(t) {
		texted[m.To] = append(texted[m.To], m.Body)
		if !oneSegment(m.Body) {
			t.Errorf("the text to %s is billed as more than one (%d characters): %q", m.To, len([]rune(m.Body)), m.Body)
		}
	}
	for _, to := range []string{bob.phone, moved, alice.phone, "+12015550176", carol.phone} {
		if len(texted[to]) == 0 {
			t.Errorf("nothing texted to %s", to)
		}
		// Each names the gateway but the old number's notice, which
		// names the account.
		for _, body := range texted[to] {
			if !strings.Contains(body, " "+want+" ") && !strings.HasPrefix(body, "The phone of account ") {
				t.Errorf("the text to %s does not name %q: %q", to, want, body)
			}
		}
	}
	if len(texted[bob.phone]) != 2 {
		t.Errorf("%d texts to bob's old number; want his sign-in code and the phone-changed notice", len(texted[bob.phone]))
	}
}
