package frontdoor_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testbin"
)

// The people of the test world. Their phone numbers are in the fictional
// +1 201 555 01xx range; the console SMS sender writes their codes to a
// file the tests read.
type person struct {
	name, password, phone, email, display string
	groups                                []string
}

var (
	alice = person{name: "alice", password: "alice-front-door-pw", phone: "+12015550100", email: "alice@example.com", display: "Alice Example", groups: []string{"admins", "staff"}}
	bob   = person{name: "bob", password: "bob-front-door-pw", phone: "+12015550101", email: "bob@example.com", display: "Bob Builder", groups: []string{"staff"}}
)

// buildBin is the gatehouse binary TestMain builds, as a user would.
var buildBin string

func TestMain(m *testing.M) { testbin.Main(m, &buildBin) }

// repoRoot is the repository's top directory (deploy/ and cmd/ live there).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from the package directory: %v", err)
	}
	return root
}

// readRepoFile returns a file of the repository as text.
func readRepoFile(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gatehouseBinary returns the path of the binary TestMain built.
func gatehouseBinary(t *testing.T) string {
	t.Helper()
	return buildBin
}

// requireTool returns the path of a front door's binary. When it is not
// installed the test is skipped on a developer machine and fails in CI
// (the CI environment variable is set), so that a missing package never
// turns into a silent skip there.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	// Debian installs nginx in /usr/sbin, which is not on every user's PATH.
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin"} {
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p
		}
	}
	msg := fmt.Sprintf("%s is not installed (./scripts/ensure-deps.sh nginx caddy installs it)", name)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// render applies old→new replacements to a deploy/ file's text. Every old
// string must occur: if a config changes so that the test's substitution
// no longer applies, the test fails instead of quietly running something
// else than what is shipped.
func render(t *testing.T, name, text string, pairs ...string) string {
	t.Helper()
	if len(pairs)%2 != 0 {
		t.Fatal("render: odd number of replacement strings")
	}
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(text, pairs[i]) {
			t.Fatalf("%s no longer contains %q: update the test's substitutions", name, pairs[i])
		}
		text = strings.ReplaceAll(text, pairs[i], pairs[i+1])
	}
	return text
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// proc is a child process whose output goes to a log file, stopped (and
// its log shown, if the test failed) when the test ends.
type proc struct {
	name string
	*testbin.Proc
}

func startProc(t *testing.T, name, logPath string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	tp, err := testbin.Start(cmd, logPath)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, Proc: tp}
	t.Cleanup(func() {
		p.Stop(os.Interrupt, 5*time.Second)
		if t.Failed() {
			t.Logf("--- %s log (%s), last lines:\n%s", name, logPath, p.Tail(40))
		}
	})
	return p
}

// waitFor polls ready until it returns nil, the process dies, or the
// deadline passes.
func waitFor(t *testing.T, p *proc, what string, timeout time.Duration, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = ready(); err == nil {
			return
		}
		if p != nil && p.Exited() {
			t.Fatalf("%s exited before %s: %v\n%s", p.name, what, p.Err(), p.Tail(40))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testCert writes a self-signed certificate for example.com and
// *.example.com (the front doors' TLS) to dir/example.com.{crt,key} and
// returns a pool that trusts it.
func testCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "example.com"},
		DNSNames:              []string{"example.com", "*.example.com"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "example.com.crt"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, filepath.Join(dir, "example.com.key"), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// readPEMPool reads a PEM certificate file into a pool.
func readPEMPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(bytes.TrimSpace(b)) {
		return nil, fmt.Errorf("%s: no certificate", path)
	}
	return pool, nil
}
