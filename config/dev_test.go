package config_test

// Tests of Dev, the configuration of `gatehouse serve --dev`.

import (
	"reflect"
	"strings"
	"testing"
)

// TestDev checks what --dev changes (listen, public_url, secure and
// nothing else) and that it refuses every address other machines could
// reach, and built-in TLS, each at its line.
func TestDev(t *testing.T) {
	const base = `server:
  listen: %LISTEN%
  public_url: "https://auth.example.com"
  admin_listen: %ADMIN%
%TLS%session:
  secure: true
  idle_timeout: 10m
`
	tests := []struct {
		name, listen, admin, flag string
		tls                       bool
		want                      []located // problems; nil: accepted
		wantListen                string
	}{
		{name: "loopback in the file", listen: `"127.0.0.1:8080"`, admin: `"127.0.0.1:9090"`, wantListen: "127.0.0.1:8080"},
		{name: "flag overrides the file", listen: `":8080"`, admin: `""`, flag: "127.0.0.2:8081", wantListen: "127.0.0.2:8081"},
		{name: "ipv6 loopback", listen: `"[::1]:8080"`, admin: `""`, wantListen: "[::1]:8080"},
		{name: "every interface", listen: `":8080"`, admin: `""`, want: []located{{2, "server.listen"}}},
		{name: "unspecified address", listen: `"0.0.0.0:8080"`, admin: `""`, want: []located{{2, "server.listen"}}},
		{name: "host name", listen: `"localhost:8080"`, admin: `""`, want: []located{{2, "server.listen"}}},
		{name: "public address", listen: `"192.0.2.1:8080"`, admin: `""`, want: []located{{2, "server.listen"}}},
		{name: "port 0", listen: `"127.0.0.1:0"`, admin: `""`, want: []located{{2, "server.listen"}}},
		{name: "bad flag", listen: `"127.0.0.1:8080"`, admin: `""`, flag: "0.0.0.0:8080", want: []located{{0, "-listen"}}},
		{name: "admin on every interface", listen: `"127.0.0.1:8080"`, admin: `":9090"`, want: []located{{4, "server.admin_listen"}}},
		{name: "tls", listen: `"127.0.0.1:8080"`, admin: `""`, tls: true, want: []located{{5, "server.tls"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tls := ""
			if tt.tls {
				tls = "  tls: { cert_file: c.pem, key_file: k.pem }\n"
			}
			src := strings.NewReplacer("%LISTEN%", tt.listen, "%ADMIN%", tt.admin, "%TLS%", tls).Replace(base)
			cfg := mustParse(t, src)
			before := *cfg
			dev, err := cfg.Dev(tt.flag)
			if !reflect.DeepEqual(*cfg, before) {
				t.Fatal("Dev changed the configuration it was given")
			}
			if got := locations(err); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("problems %v, want %v (%v)", got, tt.want, err)
			}
			if tt.want != nil {
				return
			}
			if dev.Server.Listen != tt.wantListen || dev.Server.PublicURL != "http://"+tt.wantListen || dev.Session.Secure {
				t.Fatalf("listen %q public_url %q secure %v", dev.Server.Listen, dev.Server.PublicURL, dev.Session.Secure)
			}
			// Nothing else changes.
			same := *dev
			same.Server.Listen, same.Server.PublicURL, same.Session.Secure = cfg.Server.Listen, cfg.Server.PublicURL, cfg.Session.Secure
			if !reflect.DeepEqual(same, *cfg) {
				t.Errorf("Dev changed more than listen, public_url and secure:\n%+v\n%+v", same, *cfg)
			}
			if err := dev.Validate(); err != nil {
				t.Errorf("the dev configuration does not validate: %v", err)
			}
		})
	}
}
