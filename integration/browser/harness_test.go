package browser

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/demoapp"
	"github.com/gatehouse-auth/gatehouse/internal/testbin"
)

// binary is the gatehouse binary TestMain builds.
var binary string

func TestMain(m *testing.M) {
	if findChromium() == "" {
		// Every test skips (or fails in CI) at once: no need to build.
		os.Exit(m.Run())
	}
	testbin.Main(m, &binary)
}

// gateway is a running gatehouse serve with its upstream and SMS file.
type gateway struct {
	base    string // http://127.0.0.1:PORT
	port    int
	smsFile string
	dir     string
	cfgFile string
	proc    *testbin.Proc
}

// options change the test configuration.
type options struct {
	// portal is the YAML of the portal section ("" = defaults).
	portal string
	// routes is the YAML of the routes list, with UPSTREAM for the demo
	// app's address ("" = the usual four routes).
	routes string
	// usersFile, when set, is a users.yaml: the file backend instead of
	// accounts in the store (and no sign-up).
	usersFile string
	// totp turns authenticator apps on and adds the routes /vault
	// (two_factor, second_factors: [otp]) and /texts (two_factor,
	// second_factors: [sms]).
	totp bool
	// passkeys turns passkeys on, with the gateway reached as
	// http://localhost:PORT (browsers refuse an IP address as a relying
	// party id), and adds the routes /keys (two_factor,
	// phishing_resistant) and /strong (policy passkey). The route of host
	// "localhost" is left out: it would cover every page.
	passkeys bool
	// redis, when set, is the address of a Redis to keep state and
	// accounts in instead of memory (so that `gatehouse user add` can
	// make an administrator).
	redis string
	// admin is the YAML inside the admin section ("" = defaults).
	admin string
}

// startGateway writes a demo-like configuration and runs the binary on it:
// memory store, accounts in the store with sign-up on, console SMS to a
// file, a short resend cooldown, US as the default phone region, WebOTP
// lines in the SMS, and the demo app as upstream for every route.
func startGateway(t *testing.T, o options) *gateway {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	host := "127.0.0.1"
	if o.passkeys {
		host = "localhost"
	}
	g := &gateway{
		base:    fmt.Sprintf("http://%s:%d", host, port),
		port:    port,
		smsFile: filepath.Join(dir, "sms.jsonl"),
		dir:     dir,
	}
	app := demoapp.New(g.base+"/_gatehouse/jwks.json", g.base, []string{"app", "admin", "status", "other-host", "vault", "texts", "keys", "strong"},
		"X-Auth-User", "X-Auth-Assertion", []string{"X-Auth-User", "X-Auth-Email", "X-Auth-Name", "X-Auth-Groups", "X-Auth-Methods", "X-Auth-Assertion"})
	upstream := httptest.NewServer(app)
	t.Cleanup(upstream.Close)

	key := filepath.Join(dir, "gatehouse.key")
	if out, err := exec.Command(binary, "keygen", "-o", key).CombinedOutput(); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	routes := o.routes
	if routes == "" {
		routes = `  - { name: app, host: "*", path_prefix: "/", upstream: UPSTREAM, policy: two_factor }
  - { name: admin, host: "*", path_prefix: "/admin", upstream: UPSTREAM, policy: two_factor, groups: [admins] }
  - { name: status, host: "*", path_prefix: "/status", upstream: UPSTREAM, policy: sms }
  - { name: other-host, host: "localhost", path_prefix: "/", upstream: UPSTREAM, policy: password }
`
	}
	portal := o.portal
	if portal == "" {
		portal = "  app_name: \"Gatehouse\"\n"
	}
	if o.passkeys && o.routes == "" {
		routes = strings.ReplaceAll(routes, "  - { name: other-host, host: \"localhost\", path_prefix: \"/\", upstream: UPSTREAM, policy: password }\n", "")
	}
	var totpSection, totpRoutes string
	if o.totp {
		keyFile := filepath.Join(dir, "totp.key")
		if err := os.WriteFile(keyFile, []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		totpSection = fmt.Sprintf("totp:\n  enabled: true\n  secret_key_file: %q\n", keyFile)
		totpRoutes = fmt.Sprintf("  - { name: vault, host: \"*\", path_prefix: \"/vault\", upstream: %[1]q, policy: two_factor, second_factors: [otp] }\n"+
			"  - { name: texts, host: \"*\", path_prefix: \"/texts\", upstream: %[1]q, policy: two_factor, second_factors: [sms] }\n", upstream.URL)
	}
	if o.passkeys {
		totpSection += "passkeys:\n  enabled: true\n"
		totpRoutes += fmt.Sprintf("  - { name: keys, host: \"*\", path_prefix: \"/keys\", upstream: %[1]q, policy: two_factor, phishing_resistant: true }\n"+
			"  - { name: strong, host: \"*\", path_prefix: \"/strong\", upstream: %[1]q, policy: passkey }\n", upstream.URL)
	}
	cfg := fmt.Sprintf(`server:
  listen: "127.0.0.1:%[1]d"
  public_url: "%[2]s"
  admin_listen: ""
store:
%[10]ssession:
  secure: false
%[7]shashing:
  argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 }
otp:
  resend_cooldown: 5s
  max_sends: { count: 50, window: 1h }
  default_region: "US"
  webotp: true
sms:
  provider: console
  console: { file: %[3]q }
identity:
  signing_key_file: %[4]q
%[9]s%[11]sportal:
%[6]sroutes:
%[8]s`, port, g.base, g.smsFile, key, upstream.URL, portal, usersSection(o), strings.ReplaceAll(routes, "UPSTREAM", strconv.Quote(upstream.URL))+totpRoutes, totpSection, storeSection(o), adminSection(o))
	cfgFile := filepath.Join(dir, "gateway.yaml")
	g.cfgFile = cfgFile
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(binary, "check-config", "-c", cfgFile).CombinedOutput(); err != nil {
		t.Fatalf("check-config: %v\n%s\n%s", err, out, cfg)
	}
	cmd := exec.Command(binary, "serve", "-c", cfgFile)
	cmd.Dir = dir
	var err error
	if g.proc, err = testbin.Start(cmd, filepath.Join(dir, "gatehouse.log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.proc.Stop(os.Kill, 0)
		if t.Failed() {
			t.Logf("gateway log:\n%s", g.proc.Tail(200))
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(g.base + "/_gatehouse/login")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway did not start: %v\n%s", err, g.proc.Tail(200))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return g
}

// adminSection is the admin section for o, or "".
func adminSection(o options) string {
	if o.admin == "" {
		return ""
	}
	return "admin:\n" + o.admin
}

// storeSection is the inside of the store section for o.
func storeSection(o options) string {
	if o.redis != "" {
		return fmt.Sprintf("  driver: redis\n  key_prefix: \"bt:\"\n  redis: { addrs: [%q] }\n", o.redis)
	}
	return "  driver: memory\n"
}

// addUser makes an account in the gateway's Redis with `gatehouse user
// add` (options.redis), password on stdin.
func (g *gateway) addUser(t *testing.T, a account, groups string) {
	t.Helper()
	cmd := exec.Command(binary, "user", "add", "-c", g.cfgFile, "--phone", a.phone, "--email", a.username+"@example.com",
		"--name", strings.ToUpper(a.username[:1])+a.username[1:], "--groups", groups, a.username)
	cmd.Stdin = strings.NewReader(a.password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("user add %s: %v\n%s", a.username, err, out)
	}
}

// usersSection is the users section of the configuration for o.
func usersSection(o options) string {
	if o.usersFile != "" {
		return fmt.Sprintf("users:\n  backend: file\n  file: %q\n", o.usersFile)
	}
	return "users:\n  backend: redis\n  signup: { enabled: true }\n"
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// sms is one line of the console sender's file.
type sms struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

// messages returns every SMS sent so far.
func (g *gateway) messages(t *testing.T) []sms {
	t.Helper()
	data, err := os.ReadFile(g.smsFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []sms
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var m sms
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("SMS file line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

var codeRE = regexp.MustCompile(`code is (\d+)`)

// code waits for the SMS number n (counting from 1) or a later one sent
// to phone and returns its code and the count of messages so far. Pass
// the count returned by the previous call to get a new code.
func (g *gateway) code(t *testing.T, phone string, after int) (string, int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs := g.messages(t)
		for i := len(msgs) - 1; i >= after; i-- {
			if msgs[i].To == phone {
				m := codeRE.FindStringSubmatch(msgs[i].Body)
				if m == nil {
					t.Fatalf("SMS without a code: %q", msgs[i].Body)
				}
				return m[1], len(msgs)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SMS to %s after message %d; sent: %+v", phone, after, msgs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sent is the number of SMS sent so far.
func (g *gateway) sent(t *testing.T) int { return len(g.messages(t)) }

// account is a person with an account on the gateway.
type account struct {
	username, email, password, phone, name string
}

// signUp creates an account through the JSON API, as a script would.
func (g *gateway) signUp(t *testing.T, a account) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	post := func(path string, body any, want int) {
		t.Helper()
		b, _ := json.Marshal(body)
		resp, err := client.Post(g.base+"/_gatehouse/api/"+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != want {
			var m map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&m)
			t.Fatalf("POST /api/%s: %d %v, want %d", path, resp.StatusCode, m, want)
		}
	}
	before := g.sent(t)
	post("signup", map[string]string{"username": a.username, "email": a.email, "password": a.password, "phone": a.phone, "name": a.name}, http.StatusCreated)
	code, _ := g.code(t, a.phone, before)
	post("otp", map[string]string{"code": code}, http.StatusOK)
}

// findChromium returns the browser to drive: $CHROMIUM, else the first of
// the usual names on PATH.
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needChromium skips the test without a browser, or fails it in CI.
func needChromium(t *testing.T) string {
	t.Helper()
	p := findChromium()
	if p == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is not installed (CI is set, so this is a failure): apt-get install chromium, or run `make test`")
		}
		t.Skip("Chromium is not installed: apt-get install chromium (or run `make test`) to run the browser tests")
	}
	return p
}

// artifactDir is where screenshots go: $GATEHOUSE_ARTIFACTS/browser, or
// gatehouse-screenshots in the temporary folder (replaced by each run; the
// test logs where).
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "gatehouse-screenshots")
	if a := os.Getenv("GATEHOUSE_ARTIFACTS"); a != "" {
		dir = filepath.Join(a, "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}
