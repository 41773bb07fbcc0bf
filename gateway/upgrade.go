package gateway

import (
	"bufio"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// Protocol upgrades in proxy mode (docs/contract.md, "WebSocket
// proxying"): httputil.ReverseProxy forwards any Upgrade a client asks
// for. An upstream that accepts "Upgrade: h2c" (or reads HTTP2-Settings)
// would speak HTTP/2 on the connection from then on, and every later
// request on it would reach the upstream without passing the gateway's
// checks. Only WebSocket is let through.

// sanitizeUpgrade removes from out, the request forwarded for in, any
// protocol upgrade unless in is a WebSocket handshake as isWebSocket
// reads it (a GET with one Upgrade line, exactly "websocket" in any
// case), and always HTTP2-Settings. It runs in Rewrite, after
// ReverseProxy has reduced Connection to "Upgrade" and Upgrade to the
// first line the client sent: a handshake with another line too ("websocket",
// then "h2c" or "websocket" again) is not switched, so that every
// WebSocket relayed is one the session watcher judges as a WebSocket
// (docs/contract.md, "WebSocket proxying").
func sanitizeUpgrade(in *http.Request, out http.Header) {
	delete(out, "Http2-Settings")
	if _, ok := out["Upgrade"]; !ok || isWebSocket(in) {
		return
	}
	delete(out, "Upgrade")
	delete(out, "Connection")
}

// isWebSocket reports a WebSocket handshake: a GET with one Upgrade
// line, exactly "websocket" in any case. It is the one reading of it:
// sanitizeUpgrade lets only these be switched, and the session watcher
// judges these as WebSockets.
func isWebSocket(r *http.Request) bool {
	up, ok := r.Header["Upgrade"]
	return ok && r.Method == http.MethodGet && len(up) == 1 && strings.EqualFold(strings.TrimSpace(up[0]), "websocket")
}

// isHandshake reports a WebSocket handshake as a browser sends it, with
// header h and method (upper-cased): over HTTP/1.1 with
// Sec-WebSocket-Key, which every such handshake carries and no script
// can set, and which the front doors pass on to forward-auth (Upgrade
// and Connection are hop-by-hop: they drop those); over HTTP/2 and
// HTTP/3 (RFC 8441, RFC 9220) a CONNECT, which carries no key. Proxy
// mode never forwards a CONNECT; behind a front door that speaks them, a
// CONNECT is asked about as any request.
func isHandshake(h http.Header, method string) bool {
	_, ok := h["Sec-Websocket-Key"]
	return ok || method == http.MethodConnect
}

// pageElsewhere reports a WebSocket handshake (its header h) sent by a
// page of another origin than the request's (foreignTo, for a request
// asked at authority over https or not, at port when known) or by an
// opaque one ("null"). A WebSocket is not bound by the same-origin
// policy, and its handshake carries the session cookie from any page of
// the same site (a sibling host's: SameSite=Lax and Strict send it
// alike) or, with session.same_site none, of any site: one sent with an
// identity would give that page the app, read and written as the
// signed-in person. check refuses it (docs/contract.md, "WebSocket
// proxying").
func pageElsewhere(h http.Header, https bool, authority, port string, known bool) bool {
	return opaqueOrigin(h) || foreignTo(headerValue(h, "Origin"), https, authority, port, known)
}

// upgradeWriter records that the connection was taken over for a
// switched protocol. ReverseProxy writes the upstream's 101 on the
// hijacked connection itself, so gin never sees the status and would
// report its default: the access log reads Status from here instead.
type upgradeWriter struct {
	gin.ResponseWriter
	switched bool
}

// Hijack hands the connection over and records the switch.
func (w *upgradeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := w.ResponseWriter.Hijack()
	if err == nil {
		w.switched = true
	}
	return conn, brw, err
}

// Status is 101 once the connection was hijacked for a switched protocol.
func (w *upgradeWriter) Status() int {
	if w.switched {
		return http.StatusSwitchingProtocols
	}
	return w.ResponseWriter.Status()
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *upgradeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// watchUpgrade makes c's writer an upgradeWriter when the request asks for
// a protocol switch; other requests keep gin's writer (no allocation).
func watchUpgrade(c *gin.Context) {
	if _, ok := c.Request.Header["Upgrade"]; ok {
		c.Writer = &upgradeWriter{ResponseWriter: c.Writer}
	}
}
