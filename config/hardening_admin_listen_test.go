package config_test

// Tests of the warning of an admin listener open to every network.

import (
	"testing"
)

// TestAdminListenerOpenToEveryNetworkIsWarnedOf: server.admin_listen on
// every interface is a warning when server.listen is kept to one address
// or serves TLS itself; in a container's layout, both on every interface
// without TLS, and on a single address, it says nothing.
func TestAdminListenerOpenToEveryNetworkIsWarnedOf(t *testing.T) {
	tests := []struct {
		name, listen, admin string
		tls                 bool
		warnings            []string
	}{
		{"gateway on loopback, admin on every interface", "127.0.0.1:8080", ":9090", false, []string{"server.admin_listen"}},
		{"admin on 0.0.0.0", "127.0.0.1:8080", "0.0.0.0:9090", false, []string{"server.admin_listen"}},
		{"admin on [::]", "[::1]:8080", "[::]:9090", false, []string{"server.admin_listen"}},
		{"admin on mapped 0.0.0.0", "10.0.0.5:8080", "[::ffff:0.0.0.0]:9090", false, []string{"server.admin_listen"}},
		{"gateway serving TLS, admin on every interface", ":8443", ":9090", true, []string{"server.admin_listen"}},
		{"a container's layout", ":8080", ":9090", false, nil},
		{"admin on loopback", "127.0.0.1:8080", "127.0.0.1:9090", false, nil},
		{"admin on a private address", "127.0.0.1:8080", "10.0.0.5:9090", false, nil},
		{"no admin listener", "127.0.0.1:8080", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Server.Listen, cfg.Server.AdminListen = tt.listen, tt.admin
			if tt.tls {
				cfg.Server.TLS.CertFile, cfg.Server.TLS.KeyFile = "cert.pem", "key.pem"
			}
			wantChecked(t, cfg, nil, tt.warnings)
		})
	}
}
