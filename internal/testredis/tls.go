package testredis

import (
	"strconv"
	"testing"
)

// NewTLSServer is NewServer also serving TLS with the PEM certificate and
// key files given, on a port of its own, which it returns. With a
// clientCA file it asks every TLS client for a certificate signed by it
// (Redis's tls-auth-clients, on by default in Redis); with "" it asks
// none. Addr stays plain text, for the test's own commands.
func NewTLSServer(tb testing.TB, certFile, keyFile, clientCA string) (*Server, string) {
	tb.Helper()
	port, err := freePort()
	if err != nil {
		tb.Fatalf("testredis: pick a port: %v", err)
	}
	s := newServer(tb, func(s *Server, _ int) ([]string, error) {
		args := append(s.standaloneArgs(), "--tls-port", strconv.Itoa(port),
			"--tls-cert-file", certFile, "--tls-key-file", keyFile)
		if clientCA == "" {
			return append(args, "--tls-auth-clients", "no"), nil
		}
		return append(args, "--tls-auth-clients", "yes", "--tls-ca-cert-file", clientCA), nil
	})
	return s, "127.0.0.1:" + strconv.Itoa(port)
}
