package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckConfigChecksRedisTLSFiles: check-config fails whenever serve
// would (docs/contract.md, "Command line"), and serve refuses to start
// when store.redis's TLS files cannot be used: a CA file that is missing
// or holds no certificate, a client certificate whose key is missing or
// not its own. check-config reports each at its key's line and exits
// 1; with usable files it says OK. Before, it said OK to all of them
// and serve then stopped at start.
func TestCheckConfigChecksRedisTLSFiles(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	users := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(users, []byte("users: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, certKey := writeTestCert(t, dir)
	otherCert, _ := writeTestCert(t, t.TempDir())
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name, ca, cert, key string
		want                []string // "LINE: key", the problems printed
	}{
		{"usable files", cert, cert, certKey, nil},
		{"a missing CA file", missing, cert, certKey, []string{"12: store.redis.tls_ca_file: "}},
		{"a CA file without a certificate", certKey, cert, certKey, []string{"12: store.redis.tls_ca_file: "}},
		{"a missing client key", cert, cert, missing, []string{"13: store.redis.tls_cert_file: "}},
		{"a key not the certificate's", cert, otherCert, certKey, []string{"13: store.redis.tls_cert_file: "}},
		{"all of it", missing, cert, missing, []string{"12: store.redis.tls_ca_file: ", "13: store.redis.tls_cert_file: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "gateway.yaml")
			body := fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
identity:
  signing_key_file: %q
users:
  file: %q
store:
  driver: redis
  redis:
    addrs: ["127.0.0.1:6379"]
    tls: true
    tls_ca_file: %q
    tls_cert_file: %q
    tls_key_file: %q
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: password
`, key, users, tt.ca, tt.cert, tt.key)
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCmd(t, "", "check-config", "-c", path)
			if len(tt.want) == 0 {
				if code != 0 {
					t.Errorf("exit %d with usable TLS files, want 0:\n%s%s", code, out, errOut)
				}
				return
			}
			if code != 1 {
				t.Errorf("exit %d, want 1:\n%s%s", code, out, errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, path+":"+want) {
					t.Errorf("output lacks %q:\n%s", path+":"+want, out)
				}
			}
		})
	}
}
