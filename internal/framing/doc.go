// Package framing tells a handler whether the HTTP/1.x request it serves
// declared its length twice, which net/http hides from it.
//
// A request with both Content-Length and Transfer-Encoding is the classic
// request-smuggling vector: a proxy in front that frames it by
// Content-Length and a server that frames it by Transfer-Encoding (as
// net/http does) disagree on where it ends, and the rest of its body is
// read as another request. RFC 9112 §6.1 lets a server reject it and
// requires that the connection be closed after the response either way;
// ASVS V4.2.1 asks that every component frame requests alike.
// net/http serves such a request by Transfer-Encoding, deletes
// Content-Length from its header, and keeps the connection open.
//
// Listen wraps a plain-text listener: every byte net/http reads from an
// accepted connection passes, unchanged, through a small scanner that
// follows the request heads. It reads each head's request line and its
// Content-Length and Transfer-Encoding fields, and skips bodies framed by
// Content-Length, exactly as net/http frames them. A head with both
// fields is flagged, and nothing the client sends after it is delivered,
// so nothing sent behind it can be read as a request. A head whose body it
// cannot follow without decoding (chunked), or that it does not fully
// understand, ends its watch of the connection: the handler is told to
// make that request the connection's last, so a request it did not see
// never follows one it could not frame.
//
// Configure sets up the http.Server that serves such a listener, and the
// handler calls Next once for every request it serves. Connections that
// do not come from Listen (TLS, HTTP/2, tests) are not watched: there
// Next only asks to close after a request whose framing a front proxy
// could read differently (chunked, or HTTP/1.0 with a body).
package framing
