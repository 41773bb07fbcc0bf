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
func TestNoticesAreOneTextEach(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Portal.AppName = "Acme Customer Relations Portal" // 30 characters
	}})
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
	texted := map[string]int{}
	for _, m := range h.sms.messages(t) {
		texted[m.To]++
		if !oneSegment(m.Body) {
			t.Errorf("the text to %s is billed as more than one (%d characters): %q", m.To, len([]rune(m.Body)), m.Body)
		}
	}
	for _, to := range []string{bob.phone, moved, alice.phone, "+12015550176", carol.phone} {
		if texted[to] == 0 {
			t.Errorf("nothing texted to %s", to)
		}
	}
	if texted[bob.phone] != 2 {
		t.Errorf("%d texts to bob's old number; want his sign-in code and the phone-changed notice", texted[bob.phone])
	}
}
