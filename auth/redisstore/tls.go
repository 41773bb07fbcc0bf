package redisstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/gatehouse-auth/gatehouse/config"
)

// tlsConfig is the TLS of the connections to Redis that cfg describes,
// nil without store.redis.tls (docs/contract.md, "TLS to Redis"): the
// server's certificate is always verified, against tls_ca_file's
// certificates when set (else the system's), for tls_server_name when
// set (else the host dialled); tls_cert_file and tls_key_file are the
// client certificate. Nothing in the configuration turns verification
// off.
func tlsConfig(cfg config.Redis) (*tls.Config, error) {
	if !cfg.TLS {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TLSServerName}
	if cfg.TLSCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("redisstore: store.redis.tls_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("redisstore: store.redis.tls_ca_file: %w", errNoCertificate)
		}
		tc.RootCAs = pool
	}
	if cfg.TLSCertFile != "" || cfg.TLSKeyFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("redisstore: store.redis.tls_cert_file and tls_key_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// errNoCertificate is a tls_ca_file holding no PEM certificate.
var errNoCertificate = errors.New("no PEM certificate in the file")
