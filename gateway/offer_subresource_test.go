package gateway_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestRecoveryOfferIsNotSpentByAnImage: the offer of recovery codes is
// made once an account, on the first GET of the sign-in page that finds
// its session signed in with fresh proofs (a sign-in through the API or
// on an app's host makes none). That GET marked the offer made: an img
// on a sibling host of the same site (a proxied app's page, a forum),
// to which the SameSite=Lax session cookie is sent, spent it where
// nobody saw it, and the person was never offered codes. The offer is
// made only on a page load the person sees (Sec-Fetch-Dest document, or
// a browser that does not say), docs/contract.md, "Recovery codes".
func TestRecoveryOfferIsNotSpentByAnImage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{offerRecovery: true})
	c := h.newClient(t)
	c.signIn(authHost, alice) // the API: no offer on the way
	rd := "https://" + crmHost + "/deals"
	page := prefix + "/login?rd=" + url.QueryEscape(rd)
	for _, dest := range []string{"image", "iframe", "script"} {
		c.do(request{host: authHost, path: page, accept: "*/*",
			header: http.Header{"Sec-Fetch-Site": {"same-site"}, "Sec-Fetch-Mode": {"no-cors"}, "Sec-Fetch-Dest": {dest}}})
	}
	r := c.do(request{host: authHost, path: page, accept: htmlAccept,
		header: http.Header{"Sec-Fetch-Site": {"same-site"}, "Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"}}})
	r.wantStatus(t, http.StatusSeeOther)
	if want := prefix + "/recovery-codes?rd=" + url.QueryEscape(rd); r.header.Get("Location") != want {
		t.Fatalf("the person's page load went to %q, want the offer %q: another page's requests spent it", r.header.Get("Location"), want)
	}
}

// TestRecoveryOfferIsNotSpentByAPrefetch: a page of a sibling host of
// the same site can have the browser fetch the sign-in page ahead of a
// navigation that may never come (speculation rules, <link
// rel=prefetch|prerender>): the browser says Sec-Fetch-Dest document,
// as for a page load, and sends the SameSite=Lax cookie, but marks it
// Sec-Purpose (Purpose in older browsers). Nobody sees that answer, so
// it leaves the offer for the person's page load (docs/contract.md,
// "Recovery codes").
func TestRecoveryOfferIsNotSpentByAPrefetch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		header http.Header
	}{
		{"speculation rules prefetch", http.Header{"Sec-Purpose": {"prefetch"}}},
		{"prerender", http.Header{"Sec-Purpose": {"prefetch;prerender"}}},
		{"older browser", http.Header{"Purpose": {"prefetch"}}},
		{"firefox", http.Header{"X-Moz": {"prefetch"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{offerRecovery: true})
			c := h.newClient(t)
			c.signIn(authHost, alice) // the API: no offer on the way
			rd := "https://" + crmHost + "/deals"
			page := prefix + "/login?rd=" + url.QueryEscape(rd)
			ahead := http.Header{"Sec-Fetch-Site": {"same-site"}, "Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"}}
			for k, v := range tc.header {
				ahead[k] = v
			}
			r := c.do(request{host: authHost, path: page, accept: htmlAccept, header: ahead})
			r.wantStatus(t, http.StatusSeeOther)
			if got := r.header.Get("Location"); got != rd {
				t.Errorf("the prefetch went to %q, want on to %q, the offer left for a page load", got, rd)
			}
			r = c.do(request{host: authHost, path: page, accept: htmlAccept,
				header: http.Header{"Sec-Fetch-Site": {"same-site"}, "Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"}}})
			r.wantStatus(t, http.StatusSeeOther)
			if want := prefix + "/recovery-codes?rd=" + url.QueryEscape(rd); r.header.Get("Location") != want {
				t.Fatalf("the person's page load went to %q, want the offer %q: a prefetch spent it", r.header.Get("Location"), want)
			}
		})
	}
}
