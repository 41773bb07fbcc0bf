package frontdoor_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
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

// gatehouse is a running gatehouse binary configured with deploy/gateway.yaml.
type gatehouse struct {
	addr      string // server.listen
	adminAddr string // server.admin_listen
	publicURL string
	smsFile   string
}

// metric returns the value of an unlabelled metric on the admin listener.
func (g *gatehouse) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + g.adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %q", name, line)
			}
			return f
		}
	}
	t.Fatalf("no metric %s on /metrics", name)
	return 0
}

// testHasher makes cheap argon2id hashes: the binary verifies them with
// the parameters they carry.
var testHasher = auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Minute)

// startGatehouse runs `gatehouse serve` with deploy/gateway.yaml, changed
// only in addresses and file paths: public_url gets the front door's port,
// routes point at appURL. The rendered file must pass check-config.
func startGatehouse(t *testing.T, bin, publicURL, appURL string) *gatehouse {
	t.Helper()
	dir := t.TempDir()
	g := &gatehouse{addr: freeAddr(t), publicURL: publicURL, smsFile: filepath.Join(dir, "sms.jsonl")}
	adminAddr := freeAddr(t)
	g.adminAddr = adminAddr
	keyFile := filepath.Join(dir, "gatehouse.key")
	if out, err := exec.Command(bin, "keygen", "-o", keyFile).CombinedOutput(); err != nil {
		t.Fatalf("gatehouse keygen: %v\n%s", err, out)
	}
	var users strings.Builder
	users.WriteString("users:\n")
	for _, p := range []person{alice, bob} {
		hash, err := testHasher.Hash(context.Background(), p.password)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&users, "  %s:\n    display_name: %q\n    email: %q\n    phone: %q\n    groups: [%s]\n    password: %q\n",
			p.name, p.display, p.email, p.phone, strings.Join(p.groups, ", "), hash)
	}
	usersFile := filepath.Join(dir, "users.yaml")
	writeFile(t, usersFile, users.String())

	cfg := render(t, "deploy/gateway.yaml", readRepoFile(t, "deploy/gateway.yaml"),
		`listen: "127.0.0.1:8080"`, fmt.Sprintf("listen: %q", g.addr),
		`admin_listen: "127.0.0.1:9090"`, fmt.Sprintf("admin_listen: %q", adminAddr),
		`public_url: "https://auth.example.com"`, fmt.Sprintf("public_url: %q", publicURL),
		`"/etc/gatehouse/users.yaml"`, fmt.Sprintf("%q", usersFile),
		`"/etc/gatehouse/gatehouse.key"`, fmt.Sprintf("%q", keyFile),
		`console: { file: "" }`, fmt.Sprintf("console: { file: %q }", g.smsFile),
		`"http://127.0.0.1:9001"`, fmt.Sprintf("%q", appURL),
	)
	cfgFile := filepath.Join(dir, "gateway.yaml")
	writeFile(t, cfgFile, cfg)
	if out, err := exec.Command(bin, "check-config", "-c", cfgFile).CombinedOutput(); err != nil {
		t.Fatalf("gatehouse check-config on the rendered deploy/gateway.yaml: %v\n%s", err, out)
	}
	p := startProc(t, "gatehouse", filepath.Join(dir, "gatehouse.log"), nil, bin, "serve", "-c", cfgFile)
	hc := &http.Client{Timeout: 2 * time.Second}
	waitFor(t, p, "gatehouse /readyz", 15*time.Second, func() error {
		resp, err := hc.Get("http://" + adminAddr + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz = %d", resp.StatusCode)
		}
		return nil
	})
	return g
}

var codeRE = regexp.MustCompile(`code is (\d+)`)

// code returns the code of the newest SMS sent to phone.
func (g *gatehouse) code(t *testing.T, phone string) string {
	t.Helper()
	f, err := os.Open(g.smsFile)
	if err != nil {
		t.Fatalf("no SMS was sent: %v", err)
	}
	defer f.Close()
	found := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ To, Body string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("console SMS line is not JSON: %q", sc.Text())
		}
		if sub := codeRE.FindStringSubmatch(m.Body); m.To == phone && sub != nil {
			found = sub[1]
		}
	}
	if found == "" {
		t.Fatalf("no code was sent to %s", phone)
	}
	return found
}

// seen is a request as the app received it.
type seen struct {
	Method, Host, Path, RawQuery string
	Header                       http.Header
}

// app is the protected application: it records what reaches it.
type app struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newApp(t *testing.T) *app {
	t.Helper()
	a := &app{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		a.mu.Lock()
		a.reqs = append(a.reqs, seen{Method: r.Method, Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone()})
		a.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "app: %s %s as %q", r.Method, r.URL.Path, r.Header.Get("X-Auth-User"))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// addr is the app's host:port.
func (a *app) addr() string { return a.srv.Listener.Addr().String() }

func (a *app) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.reqs)
}

func (a *app) last(t *testing.T) seen {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.reqs) == 0 {
		t.Fatal("no request reached the app")
	}
	return a.reqs[len(a.reqs)-1]
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
