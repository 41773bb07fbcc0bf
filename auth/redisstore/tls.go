package redisstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/gatehouse-auth/gatehouse/config"
)

// The settings whose files CheckTLS reports on.
const (
	keyTLSCAFile   = "store.redis.tls_ca_file"
	keyTLSCertFile = "store.redis.tls_cert_file"
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
	var err error
	if tc.RootCAs, err = loadCAs(cfg.TLSCAFile); err != nil {
		return nil, fmt.Errorf("redisstore: %s: %w", keyTLSCAFile, err)
	}
	if tc.Certificates, err = loadClientCert(cfg); err != nil {
		return nil, fmt.Errorf("redisstore: %s and tls_key_file: %w", keyTLSCertFile, err)
	}
	return tc, nil
}

// CheckTLS returns, by setting (store.redis.tls_ca_file,
// store.redis.tls_cert_file for the certificate and its key), why each
// TLS file of cfg cannot be used, as NewClient would refuse it: for
// `gatehouse check-config`, which fails whenever serve would
// (docs/contract.md, "Command line"). Empty without store.redis.tls.
func CheckTLS(cfg config.Redis) map[string]error {
	out := map[string]error{}
	if !cfg.TLS {
		return out
	}
	if _, err := loadCAs(cfg.TLSCAFile); err != nil {
		out[keyTLSCAFile] = err
	}
	if _, err := loadClientCert(cfg); err != nil {
		out[keyTLSCertFile] = fmt.Errorf("with tls_key_file: %w", err)
	}
	return out
}

// loadCAs reads the PEM certificates of file into a pool; nil (the
// system's) when file is "".
func loadCAs(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file) //nolint:gosec // G304: the CA file the operator configured (store.redis.tls_ca_file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errNoCertificate
	}
	return pool, nil
}

// loadClientCert reads cfg's client certificate and key; none when
// neither is set.
func loadClientCert(cfg config.Redis) ([]tls.Certificate, error) {
	if cfg.TLSCertFile == "" && cfg.TLSKeyFile == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return nil, err
	}
	return []tls.Certificate{cert}, nil
}

// errNoCertificate is a tls_ca_file holding no PEM certificate.
var errNoCertificate = errors.New("no PEM certificate in the file")
