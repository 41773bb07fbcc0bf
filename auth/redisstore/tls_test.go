package redisstore_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// testCA is a certificate authority of one test, writing PEM files.
type testCA struct {
	t    *testing.T
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	File string // its certificate, PEM
}

// newTestCA makes a CA named name.
func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	ca := &testCA{t: t, dir: t.TempDir()}
	ca.cert, ca.key, ca.File = ca.issue(name, nil, nil, "ca")
	return ca
}

// issue makes a certificate for cn (a CA when parent is nil) with the
// DNS names given, and writes it and its key; it returns the
// certificate's file, the key's being the same with .key.
func (ca *testCA) issue(cn string, dns []string, usage []x509.ExtKeyUsage, file string) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	ca.t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		ca.t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     dns,
		ExtKeyUsage:  usage,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	parent, signer := tmpl, key
	if ca.cert == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else {
		parent, signer = ca.cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		ca.t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		ca.t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		ca.t.Fatal(err)
	}
	path := filepath.Join(ca.dir, file+".pem")
	write := func(p, typ string, b []byte) {
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			ca.t.Fatal(err)
		}
	}
	write(path, "CERTIFICATE", der)
	write(filepath.Join(ca.dir, file+".key"), "EC PRIVATE KEY", kder)
	return cert, key, path
}

// keyOf is the key file beside a certificate file of issue.
func keyOf(certFile string) string { return certFile[:len(certFile)-len(".pem")] + ".key" }

// TestTLSToRedis: with store.redis.tls the store talks to a real
// redis-server in TLS mode (Redis's default tls-auth-clients: a client
// certificate is asked for) only when the server's certificate is signed
// by tls_ca_file (or a system CA) for the name it was dialled by or
// tls_server_name, and with the client certificate of tls_cert_file and
// tls_key_file; every other combination refuses to connect, and the
// store answers ErrStoreUnavailable (503, /readyz 503), never a value.
// The client cache's own tracking connection goes over the same TLS.
// Before, tls: true could trust only the system's CAs and present no
// client certificate: a Redis with its own CA or asking for client
// certificates (the Redis default) could not be reached encrypted at all
// (the first case failed: the certificate could not be verified).
func TestTLSToRedis(t *testing.T) {
	t.Parallel()
	ca, other := newTestCA(t, "redis CA"), newTestCA(t, "another CA")
	_, _, serverCert := ca.issue("redis", []string{"redis.test"}, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, "server")
	_, _, clientCert := ca.issue("gatehouse", nil, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, "client")
	_, _, strangerCert := other.issue("gatehouse", nil, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, "client")
	srv, tlsAddr := testredis.NewTLSServer(t, serverCert, keyOf(serverCert), ca.File)
	if err := newClient(t, srv.Addr, time.Second).Set(t.Context(), "tls:s:x", "secret", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	good := config.Redis{Addrs: []string{tlsAddr}, TLS: true, TLSCAFile: ca.File, TLSServerName: "redis.test",
		TLSCertFile: clientCert, TLSKeyFile: keyOf(clientCert)}

	cases := []struct {
		name  string
		cfg   func(r *config.Redis)
		works bool
	}{
		{"the server's CA, its name, a client certificate", func(*config.Redis) {}, true},
		{"another CA", func(r *config.Redis) { r.TLSCAFile = other.File }, false},
		{"the system's CAs", func(r *config.Redis) { r.TLSCAFile = "" }, false},
		{"a name the certificate does not hold", func(r *config.Redis) { r.TLSServerName = "other.test" }, false},
		{"the address dialled, not in the certificate", func(r *config.Redis) { r.TLSServerName = "" }, false},
		{"no client certificate", func(r *config.Redis) { r.TLSCertFile, r.TLSKeyFile = "", "" }, false},
		{"a client certificate of another CA", func(r *config.Redis) { r.TLSCertFile, r.TLSKeyFile = strangerCert, keyOf(strangerCert) }, false},
		{"plain text to the TLS port", func(r *config.Redis) { *r = config.Redis{Addrs: r.Addrs} }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.cfg(&cfg)
			st := redisstore.New(topologyClient(t, cfg), "tls:", time.Second)
			pingErr := st.Ping(t.Context())
			v, err := st.Get(t.Context(), "s:x")
			if tc.works {
				if pingErr != nil || err != nil || string(v) != "secret" {
					t.Fatalf("Ping: %v; Get: %q, %v", pingErr, v, err)
				}
				return
			}
			if !errors.Is(pingErr, auth.ErrStoreUnavailable) || !errors.Is(err, auth.ErrStoreUnavailable) {
				t.Fatalf("Ping: %v; Get: %q, %v; want both ErrStoreUnavailable", pingErr, v, err)
			}
		})
	}

	t.Run("the client cache tracks over TLS", func(t *testing.T) {
		st, err := redisstore.NewCached(redisstore.New(topologyClient(t, good), "tls:", time.Second), redisstore.CacheOptions{Prefixes: []string{"s:"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		waitTracking(t, st, true)
	})

	t.Run("unreadable files", func(t *testing.T) {
		for _, cfg := range []config.Redis{
			{Addrs: []string{tlsAddr}, TLS: true, TLSCAFile: filepath.Join(t.TempDir(), "missing.pem")},
			{Addrs: []string{tlsAddr}, TLS: true, TLSCAFile: keyOf(ca.File)}, // a key, no certificate
			{Addrs: []string{tlsAddr}, TLS: true, TLSCertFile: clientCert, TLSKeyFile: keyOf(ca.File)},
		} {
			if _, err := redisstore.NewClient(cfg); err == nil {
				t.Errorf("NewClient(%+v) built a client", cfg)
			}
		}
	})
}
