package gateway_test

// An HTTP/2 client that sends what a browser would not: pseudo-header
// fields as an attacker writes them (a CONNECT, an :authority HTTP/1
// refuses), framed by hand with the x/net framer, against the gateway
// served over TLS with HTTP/2 as server.tls serves it.

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// serveH2 serves h's gateway over TLS with HTTP/2 and returns its
// address.
func serveH2(t *testing.T, h *harness) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h.gw.Handler())
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// h2Request sends one request on a new HTTP/2 connection to addr: the
// header fields as given (pseudo-header fields first), then body, if
// any, as one DATA frame ending the stream. It returns the answer's
// status, or 0 when the stream was reset or the connection ended without
// one.
func h2Request(t *testing.T, addr string, fields []hpack.HeaderField, body string) int {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}) //nolint:gosec // the test server's own certificate
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q, want h2", p)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(c, c)
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range fields {
		if err := enc.WriteField(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true, EndStream: body == ""}); err != nil {
		t.Fatal(err)
	}
	if body != "" {
		if err := fr.WriteData(1, true, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	dec := hpack.NewDecoder(4096, nil)
	status := 0
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return status
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = fr.WriteSettingsAck()
			}
		case *http2.HeadersFrame:
			hf, err := dec.DecodeFull(f.HeaderBlockFragment())
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range hf {
				if x.Name == ":status" && status == 0 {
					status, _ = strconv.Atoi(x.Value)
				}
			}
			if f.StreamEnded() {
				return status
			}
		case *http2.DataFrame:
			if f.StreamEnded() {
				return status
			}
		case *http2.RSTStreamFrame, *http2.GoAwayFrame:
			return status
		}
	}
}

// h2Get is the header block of a GET of path on authority.
func h2Get(authority, path string) []hpack.HeaderField {
	return []hpack.HeaderField{
		{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "https"},
		{Name: ":authority", Value: authority}, {Name: ":path", Value: path},
	}
}
