package gateway

import "net/http"

// serveMain is the main handler (what Handler returns). Every HTTP/1.x
// request whose body is framed by Transfer-Encoding is the last on its
// connection (docs/contract.md, "Ambiguous request framing"): net/http
// frames it by Transfer-Encoding and hides a Content-Length it also had,
// which a front proxy may have framed it by; closing the connection after
// it means nothing sent behind it is ever read as a request.
func (s *Server) serveMain(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 1 && len(r.TransferEncoding) > 0 {
		w.Header().Set("Connection", "close")
	}
	s.engine.ServeHTTP(w, r)
}
