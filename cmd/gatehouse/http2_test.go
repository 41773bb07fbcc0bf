package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// writeTestCert writes a self-signed certificate for 127.0.0.1 and its
// key into dir and returns their paths.
func writeTestCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"app.example.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// startServeTLS runs `serve` with server.tls (so HTTP/2 is offered),
// the given timeouts and a bypassed route of app.example.com to
// upstream, and returns the listen address.
func startServeTLS(t *testing.T, timeouts, upstream string) string {
	t.Helper()
	cert, key := writeTestCert(t, t.TempDir())
	addr, _ := startServe(t, func(addr, users, signingKey string) string {
		return fmt.Sprintf(`server:
  listen: %q
  public_url: "https://127.0.0.1"
  admin_listen: ""
  tls: { cert_file: %q, key_file: %q }
  timeouts: %s
users:
  file: %q
identity:
  signing_key_file: %q
routes:
  - name: app
    host: app.example.com
    upstream: %q
    policy: bypass
    timeouts: { response: 1s }
sms:
  timeout: 1s
  console: { file: %q }
`, addr, cert, key, timeouts, users, signingKey, upstream, filepath.Join(t.TempDir(), "sms.log"))
	})
	return addr
}

// h2Conn is a hand-driven HTTP/2 client connection: it reads only when
// the test says so.
type h2Conn struct {
	net.Conn
	fr *http2.Framer
}

// dialH2 opens an HTTP/2 connection to addr over TLS with a small
// receive buffer, and sends the preface and its settings.
func dialH2(t *testing.T, addr string) *h2Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	raw, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = raw.(*net.TCPConn).SetReadBuffer(4 << 10)
	c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}) //nolint:gosec // the test's own certificate
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q, want h2", p)
	}
	_ = c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	h := &h2Conn{Conn: c, fr: http2.NewFramer(c, c)}
	if err := h.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1<<31 - 1}); err != nil {
		t.Fatal(err)
	}
	if err := h.fr.WriteWindowUpdate(0, 1<<31-1-65535); err != nil {
		t.Fatal(err)
	}
	return h
}

// get sends a GET of path on app.example.com as stream id.
func (h *h2Conn) get(t *testing.T, id uint32, path string) {
	t.Helper()
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range []hpack.HeaderField{
		{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "https"},
		{Name: ":authority", Value: "app.example.com"}, {Name: ":path", Value: path},
	} {
		_ = enc.WriteField(f)
	}
	if err := h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block.Bytes(), EndHeaders: true, EndStream: true}); err != nil {
		t.Fatal(err)
	}
}

// pingAnswered sends a PING and reads, within wait, until its
// acknowledgement comes (true) or the connection ends (false).
func (h *h2Conn) pingAnswered(wait time.Duration) bool {
	data := [8]byte{'g', 'a', 't', 'e', 'h', 'o', 's', 'e'}
	_ = h.SetDeadline(time.Now().Add(wait))
	if err := h.fr.WritePing(false, data); err != nil {
		return false
	}
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			var ne net.Error
			return errors.As(err, &ne) && ne.Timeout() // still open, but silent
		}
		if p, ok := f.(*http2.PingFrame); ok && p.IsAck() && p.Data == data {
			return true
		}
	}
}

// TestHTTP2ClientThatStopsReadingIsCut checks docs/contract.md, "Slow
// clients": an HTTP/2 client that asks for a long answer and stops
// reading (its receive window open, its TCP window shut) loses its
// connection once nothing could be written to it for
// server.timeouts.write, as an HTTP/1.1 one does. A connection that
// reads keeps going.
func TestHTTP2ClientThatStopsReadingIsCut(t *testing.T) {
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 1024; i++ { // 64 MiB, more than any socket buffer
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(up.Close)
	addr := startServeTLS(t, "{ read_header: 1s, read: 2s, write: 2s, idle: 30s, shutdown: 2s }", up.URL)

	// A client that reads answers its PINGs.
	live := dialH2(t, addr)
	if !live.pingAnswered(5 * time.Second) {
		t.Fatal("a fresh HTTP/2 connection did not answer a PING")
	}

	slow := dialH2(t, addr)
	slow.get(t, 1, "/big")
	time.Sleep(6 * time.Second) // write 2s, and slack
	if slow.pingAnswered(10 * time.Second) {
		t.Fatal("an HTTP/2 client that stopped reading kept its connection past server.timeouts.write: a PING sent 6 s later was answered")
	}
}
