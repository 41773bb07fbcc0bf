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
