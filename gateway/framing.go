package gateway

import "net/http"

// serveMain is the main handler (what Handler returns). Every HTTP/1.x
// request whose body is framed by Transfer-Encoding, and every HTTP/1.0
// request with a body, is the last on its connection (docs/contract.md,
// "Ambiguous request framing"): net/http frames the first by
// Transfer-Encoding and hides a Content-Length it also had, and the
// second by Content-Length, hiding the Transfer-Encoding it ignores on
// HTTP/1.0 (RFC 9112 §6.1 asks for the connection's close); a front
// proxy may have framed either the other way. Closing the connection
// after it means nothing sent behind it is ever read as a request.
func (s *Server) serveMain(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 1 && (len(r.TransferEncoding) > 0 || r.ProtoMinor == 0 && r.ContentLength != 0) {
		w.Header().Set("Connection", "close")
	}
	s.engine.ServeHTTP(w, r)
}
