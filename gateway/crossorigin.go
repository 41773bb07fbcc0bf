package gateway

import (
	"net/http"
	"strings"
)

// Posts from other origins' pages in proxy mode and forward-auth
// (docs/contract.md, "Proxy mode"): the session cookie is SameSite=Lax,
// which a browser sends with a post that a page of a sibling host (the
// same site: a user-content host, another app, a script injected into
// one) makes, and under session.same_site none with any site's. Legacy
// apps behind an authenticating proxy rarely check where a post came
// from: such a post, forwarded with the identity headers, acts as the
// person. A page of another origin can make a browser send, without
// asking the app, only a POST whose body is one a form can send (a form,
// a no-cors fetch, sendBeacon, a hyperlink's ping, a CORS request that
// needs no preflight); any other request from it is a CORS request the
// browser sent only once the app's answer to its preflight agreed.

// unaskedPost reports a POST (its header h; the caller checks the
// method) that the browser says a page of another origin sent without
// asking the app: Sec-Fetch-Site cross-site or same-site, and either not
// a CORS request (Sec-Fetch-Mode navigate, no-cors) or a CORS request that
// needs no preflight (formBody). A browser that sends no Sec-Fetch-Site
// (before Chrome 76, Firefox 90, Safari 16.4; any browser over plain
// http, which gets no Sec-Fetch-* headers) is judged by its Origin,
// read as the JSON API reads it (foreignTo, for a request asked at
// authority over https or not, at port when known): another origin's
// with a form's body. Origin null is not judged: the app's own pages
// send it from behind Referrer-Policy: no-referrer.
func unaskedPost(h http.Header, https bool, authority, port string, known bool) bool {
	switch headerValue(h, "Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return headerValue(h, "Sec-Fetch-Mode") != "cors" || formBody(h)
	case "":
		return foreignTo(headerValue(h, "Origin"), https, authority, port, known) && formBody(h)
	}
	return false // same-origin, none (the person's own doing)
}

// onlyAGet reports a request (its header h) that a browser makes only as
// a GET or HEAD, whatever its method: no body type, and either a
// navigation (a form's post always says its type) or a load whose
// destination no post has (an image, a script, a style: a post from a
// page is a form's navigation or a fetch, beacon or ping, Sec-Fetch-Dest
// empty). A forward-auth question whose method the front door did not
// say is read as a possible POST of another origin's page (unaskedPost)
// unless it is one (docs/contract.md, "Forward-auth protocol").
func onlyAGet(h http.Header) bool {
	if len(h["Content-Type"]) > 0 {
		return false
	}
	if headerValue(h, "Sec-Fetch-Mode") == "navigate" {
		return true
	}
	dest := headerValue(h, "Sec-Fetch-Dest")
	return dest != "" && dest != "empty"
}

// formBody reports a request whose body is one a page of any origin may
// send without a preflight (the Fetch standard's CORS-safelisted
// Content-Type): none, or a type whose essence is
// application/x-www-form-urlencoded, multipart/form-data or text/plain,
// on any of its Content-Type lines.
func formBody(h http.Header) bool {
	cts := h["Content-Type"]
	if len(cts) == 0 {
		return true
	}
	for _, ct := range cts {
		essence, _, _ := strings.Cut(ct, ";")
		switch strings.ToLower(strings.TrimSpace(essence)) {
		case "", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
			return true
		}
	}
	return false
}
