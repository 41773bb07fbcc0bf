package frontdoor_test

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// answer is a front door's response to a raw request.
type answer struct {
	status int // 0: the front door closed the connection without answering
	header http.Header
	body   string
}

// errorCode is the contract's JSON error code of the answer, or "" when
// it is not one (a front door's own page).
func (a answer) errorCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(a.body), &e) != nil {
		return ""
	}
	return e.Error.Code
}

// rawTLS sends one request over a new TLS connection to the front door
// (SNI serverName), exactly as written: head is the request line and
// header lines without the final empty line, so that nothing between the
// test and the front door cleans, re-encodes or re-orders the target.
// The request closes the connection.
func (w *world) rawTLS(t *testing.T, serverName, head string) answer {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", w.tlsAddr,
		&tls.Config{ServerName: serverName, RootCAs: w.roots, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatalf("TLS to %s (%s): %v", w.tlsAddr, serverName, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(conn, head+"Connection: close\r\n\r\n"); err != nil {
		t.Fatalf("write %q: %v", head, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return answer{}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// rawGet sends GET target (verbatim, origin-form or absolute-form) with
// Host host and the given header lines ("Name: value").
func (w *world) rawGet(t *testing.T, serverName, target, host string, lines ...string) answer {
	t.Helper()
	var b strings.Builder
	b.WriteString("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: gatehouse-front-door-test\r\n")
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	return w.rawTLS(t, serverName, b.String())
}
