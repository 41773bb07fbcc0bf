// Package h1fast answers the simplest HTTP/1.1 requests for a few paths
// itself and hands every other connection to net/http.
//
// Gatehouse's forward-auth endpoints are asked the same tiny question on
// every request of every protected app, over long-lived connections from
// nginx, Traefik or Caddy: a GET with a dozen headers and no body, answered
// by a status and a few headers. For that exchange net/http's per-request
// machinery (a request context, deadline timers, a response object, a
// header clone and sort, the background reader) costs more than the
// authorization itself. This front reads such requests straight from the
// connection's buffer and runs the very same http.Handler on them, with a
// minimal http.Request and ResponseWriter.
//
// It is deliberately narrow. A request is answered here only when it is
// unambiguous: exactly "GET <path>[?query] HTTP/1.1" with a path the
// caller chose, CRLF line endings, well-formed header names and values,
// exactly one valid Host, and no Content-Length, Transfer-Encoding,
// Expect, Upgrade or unusual Connection token, all within one 4 KiB
// buffer. Anything else (another path or method, HTTP/1.0, a body, a
// folded or oversized header, bare LF line endings, TLS) makes the front
// hand the connection to net/http, together with the bytes it has
// buffered and not consumed, so net/http sees exactly the byte stream the
// client sent from that request on and answers it as it always would.
// Since the front never accepts a request with a body, it can never
// disagree with net/http about where a request ends.
//
// A connection reuses one http.Request, its URL and its Header map for
// each request it answers (only the head's text is allocated anew), so
// the handler must not keep the request, its URL or its Header after
// ServeHTTP returns, nor hand them to a goroutine that outlives it. The
// gateway's handlers keep nothing (the race detector would see a
// handler that did, in the front's and the gateway's tests).
package h1fast
