package gateway

import (
	"fmt"
	"net"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/internal/framing"
)

// errAmbiguousLength: an HTTP/1.x request declared its length twice, with
// Content-Length and Transfer-Encoding (docs/contract.md, "Ambiguous
// request framing").
var errAmbiguousLength = fmt.Errorf("request has both Content-Length and Transfer-Encoding: %w", errBadRequest)

// valClose is the Connection value that makes net/http close the
// connection after the response.
var valClose = []string{"close"}

// serveFramed is the main handler: it asks internal/framing about every
// request before the router sees it. A request with both Content-Length
// and Transfer-Encoding is refused with 400 and its connection closed; a
// request after which the connection is not watched (chunked, say) is
// served and its connection closed after the response, so that nothing a
// front proxy framed otherwise is read as a request.
func (s *Server) serveFramed(w http.ResponseWriter, r *http.Request) {
	switch framing.Next(r) {
	case framing.Ambiguous:
		s.refuseAmbiguous(w, r)
		return
	case framing.Last:
		w.Header()["Connection"] = valClose
	}
	if framing.IsGlobalOptions(r) {
		framing.ServeGlobalOptions(w, r)
		return
	}
	s.engine.ServeHTTP(w, r)
}

// refuseAmbiguous answers a request with both framing fields: 400
// bad_request, JSON, and the connection closes after it. Its body is not
// read.
func (s *Server) refuseAmbiguous(w http.ResponseWriter, r *http.Request) {
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	s.log.WarnContext(r.Context(), "request refused: both Content-Length and Transfer-Encoding",
		"method", r.Method, "host", r.Host, "path", r.URL.Path, "peer_ip", ip)
	e := classify(errAmbiguousLength)
	h := w.Header()
	h["Connection"] = valClose
	h["Cache-Control"] = valNoStore
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(jsonErrorBody(e))
}
