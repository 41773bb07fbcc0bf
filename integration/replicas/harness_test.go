package replicas

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/testbin"
)

// binary is the gatehouse binary TestMain builds.
var binary string

func TestMain(m *testing.M) { testbin.Main(m, &binary) }

// user is an account of the test users file.
type user struct {
	name, password, phone string
}

var (
	alice = user{"alice", "alice-correct-horse", "+12015550100"}
	bob   = user{"bob", "bob-battery-staple", "+12015550101"}
	carol = user{"carol", "carol-two-factor", "+12015550102"}
	dave  = user{"dave", "dave-the-diver", "+12015550103"}
	erin  = user{"erin", "erin-the-eraser", "+12015550104"}
)

var (
	usersOnce sync.Once
	usersYAML string
)

// usersFile is the users.yaml text, with cheap argon2id hashes (the
// binary verifies whatever parameters a hash carries).
func usersFile(t *testing.T) string {
	t.Helper()
	usersOnce.Do(func() {
		h := usersHasher()
		var b strings.Builder
		b.WriteString("users:\n")
		for _, u := range []user{alice, bob, carol, dave, erin} {
			hash, err := h.Hash(context.Background(), u.password)
			if err != nil {
				panic(err)
			}
			fmt.Fprintf(&b, "  %s:\n    display_name: %q\n    email: %q\n    phone: %q\n    password: %q\n",
				u.name, strings.ToUpper(u.name[:1])+u.name[1:], u.name+"@example.com", u.phone, hash)
		}
		usersYAML = b.String()
	})
	return usersYAML
}

// usersHasher makes cheap argon2id hashes.
func usersHasher() *auth.Hasher {
	return auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Minute)
}

// seen is what the test application received.
type seen struct {
	User, Methods, RequestID, Path string
}

// app is the application behind the gateways: it echoes the identity it
// received, and /slow/... waits ?ms= milliseconds first.
type app struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newApp(t *testing.T) *app {
	t.Helper()
	a := &app{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ms, err := strconv.Atoi(r.URL.Query().Get("ms")); err == nil {
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		s := seen{User: r.Header.Get("X-Auth-User"), Methods: r.Header.Get("X-Auth-Methods"), RequestID: r.Header.Get("X-Request-Id"), Path: r.URL.Path}
		a.mu.Lock()
		a.reqs = append(a.reqs, s)
		a.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// redisConfig is where the gateways keep their state.
type redisConfig struct {
	addrs      []string
	masterName string
}

// world is what a set of gateway processes share: users, signing key,
// SMS file, application and Redis.
type world struct {
	dir   string
	key   string
	users string
	sms   string
	app   *app
	redis redisConfig

	// Settings written into every configuration (see config).
	opTimeout   time.Duration
	shutdown    time.Duration
	maxFailures int
	maxSends    int
	extraRoutes string
	// replayWindow is store.redis.replay_window ("": the default).
	replayWindow string
}

func newWorld(t *testing.T, r redisConfig) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{
		dir: dir, key: filepath.Join(dir, "gatehouse.key"), users: filepath.Join(dir, "users.yaml"),
		sms: filepath.Join(dir, "sms.jsonl"), app: newApp(t), redis: r,
		opTimeout: 300 * time.Millisecond, shutdown: 5 * time.Second, maxFailures: 5, maxSends: 5,
	}
	if err := auth.WriteKeyFile(w.key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.users, []byte(usersFile(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

// replayLine is the replay_window line of the redis section, if set.
func (w *world) replayLine() string {
	if w.replayWindow == "" {
		return ""
	}
	return "    replay_window: " + w.replayWindow + "\n"
}

// config returns a gateway configuration listening on listen and admin.
func (w *world) config(listen, admin string) string {
	addrs := make([]string, len(w.redis.addrs))
	for i, a := range w.redis.addrs {
		addrs[i] = strconv.Quote(a)
	}
	return fmt.Sprintf(`server:
  listen: %q
  admin_listen: %q
  public_url: "http://gatehouse.test"
  trusted_proxies: ["127.0.0.1/32"]
  timeouts: { shutdown: %s }
store:
  driver: redis
  key_prefix: "it:"
  redis:
    addrs: [%s]
    master_name: %q
    dial_timeout: 1s
    op_timeout: %s
%ssession:
  secure: false
users:
  file: %q
otp:
  max_attempts: 3
  max_sends: { count: %d, window: 1h }
sms:
  provider: console
  console: { file: %q }
regulation:
  max_failures: %d
identity:
  signing_key_file: %q
routes:
  - name: app
    host: "*"
    upstream: %q
    policy: two_factor
  - name: public
    host: "*"
    path_prefix: /public
    upstream: %q
    policy: bypass
%s`, listen, admin, w.shutdown, strings.Join(addrs, ", "), w.redis.masterName, w.opTimeout, w.replayLine(),
		w.users, w.maxSends, w.sms, w.maxFailures, w.key, w.app.srv.URL, w.app.srv.URL, w.extraRoutes)
}

// proc is one running `gatehouse serve`.
type proc struct {
	t       *testing.T
	name    string
	base    string // http://127.0.0.1:port
	admin   string // http://127.0.0.1:port
	listen  string // the configured addresses
	adminAt string
	cfgPath string
	*testbin.Proc
}

// start runs a gateway process of w and waits until it answers /healthz.
// It is stopped (SIGTERM, then SIGKILL) when t ends.
func (w *world) start(t *testing.T, name string) *proc {
	t.Helper()
	var lastErr error
	for range 3 {
		p, err := w.tryStart(t, name)
		if err == nil {
			return p
		}
		lastErr = err
	}
	t.Fatalf("start %s: %v", name, lastErr)
	return nil
}

func (w *world) tryStart(t *testing.T, name string) (*proc, error) {
	listen, admin := freeAddr(t), freeAddr(t)
	p := &proc{
		t: t, name: name, base: "http://" + listen, admin: "http://" + admin, listen: listen, adminAt: admin,
		cfgPath: filepath.Join(w.dir, name+".yaml"),
	}
	if err := os.WriteFile(p.cfgPath, []byte(w.config(listen, admin)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "-c", p.cfgPath)
	cmd.Dir = w.dir
	var err error
	if p.Proc, err = testbin.Start(cmd, filepath.Join(w.dir, name+".log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.Done():
			return nil, fmt.Errorf("exited at start: %s\n%s", p.Cmd.ProcessState, p.logText())
		default:
		}
		if resp, err := http.Get(p.admin + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("no /healthz within 10s\n%s", p.logText())
}

// writeConfig replaces the process's configuration file with w's current
// settings plus extra text.
func (p *proc) writeConfig(t *testing.T, w *world, extra string) {
	t.Helper()
	if err := os.WriteFile(p.cfgPath, []byte(w.config(p.listen, p.adminAt)+extra), 0o600); err != nil {
		t.Fatal(err)
	}
}

// countLogs returns how many lines with msg the process logged.
func (p *proc) countLogs(t *testing.T, msg string) int {
	t.Helper()
	n := 0
	for _, l := range p.logLines(t) {
		if l["msg"] == msg {
			n++
		}
	}
	return n
}

// stop ends the process if it still runs.
func (p *proc) stop() { p.Stop(syscall.SIGTERM, 10*time.Second) }

// signal sends sig to the process.
func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %s to %s: %v", sig, p.name, err)
	}
}

// waitExit waits for the process to exit and returns its exit code.
func (p *proc) waitExit(timeout time.Duration) (int, bool) {
	select {
	case <-p.Done():
		return p.Cmd.ProcessState.ExitCode(), true
	case <-time.After(timeout):
		return 0, false
	}
}

// logText is everything the process logged.
func (p *proc) logText() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// logLines returns the JSON log lines the process wrote; any line that is
// not JSON fails the test.
func (p *proc) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.logText()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("%s logged a line that is not JSON: %q", p.name, sc.Text())
			continue
		}
		out = append(out, m)
	}
	return out
}

// waitLog waits until the process logged a line with msg.
func (p *proc) waitLog(t *testing.T, msg string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, l := range p.logLines(t) {
			if l["msg"] == msg {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q within %v:\n%s", p.name, msg, timeout, p.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// adminGet returns the status and body of an admin endpoint.
func (p *proc) adminGet(t *testing.T, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(p.admin + path)
	if err != nil {
		t.Fatalf("GET %s%s: %v", p.name, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric returns one sample of /metrics by its exact name and labels as in
// the text format (0 if absent).
func (p *proc) metric(t *testing.T, series string) float64 {
	t.Helper()
	_, body := p.adminGet(t, "/metrics")
	for l := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return f
		}
	}
	return 0
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// client is one person's browser-less client: it keeps the session cookie
// itself, so one client can talk to every replica (they differ by port).
type client struct {
	t      *testing.T
	hc     *http.Client
	cookie string
	ip     string // presented in X-Forwarded-For (the test is a trusted proxy)
}

const cookieName = "gatehouse_session"

func newClient(t *testing.T, ip string) *client {
	return &client{t: t, ip: ip, hc: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// reply is a response.
type reply struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

// code returns the contract's error code of the reply ("" if none).
func (r reply) code() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Code
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body)) }

// try sends one request and returns the reply or the transport error.
func (c *client) try(p *proc, method, path string, body any) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: cookieName, Value: c.cookie})
	}
	if c.ip != "" {
		req.Header.Set("X-Forwarded-For", c.ip)
	}
	begin := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName {
			if ck.MaxAge < 0 || ck.Value == "" {
				c.cookie = ""
			} else {
				c.cookie = ck.Value
			}
		}
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b, took: time.Since(begin)}, nil
}

// do is try that fails the test on a transport error.
func (c *client) do(p *proc, method, path string, body any) reply {
	c.t.Helper()
	r, err := c.try(p, method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s on %s: %v", method, path, p.name, err)
	}
	return r
}

func (c *client) get(p *proc, path string) reply {
	c.t.Helper()
	return c.do(p, http.MethodGet, path, nil)
}

func (c *client) api(p *proc, endpoint string, body any) reply {
	c.t.Helper()
	if body == nil {
		body = map[string]string{}
	}
	return c.do(p, http.MethodPost, "/_gatehouse/api/"+endpoint, body)
}

// want fails the test unless r has status (and, if code is set, that
// error code).
func want(t *testing.T, what string, r reply, status int, code string) {
	t.Helper()
	if r.status != status || (code != "" && r.code() != code) {
		t.Fatalf("%s: got %s, want %d %s", what, r, status, code)
	}
}

// login posts u's password on p and expects a code to be sent.
func (c *client) login(p *proc, u user) reply {
	c.t.Helper()
	return c.api(p, "login", map[string]string{"username": u.name, "password": u.password})
}

// signIn logs u in with password on p1 and the code on p2.
func (c *client) signIn(w *world, p1, p2 *proc, u user) {
	c.t.Helper()
	sent := w.smsCount(c.t)
	want(c.t, "login", c.login(p1, u), http.StatusOK, "")
	code := w.code(c.t, u.phone, sent)
	want(c.t, "code", c.api(p2, "otp", map[string]string{"code": code}), http.StatusOK, "")
}

// smsLine is one message of the console SMS file.
type smsLine struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// smsLines reads the shared console SMS file.
func (w *world) smsLines(t *testing.T) []smsLine {
	t.Helper()
	b, err := os.ReadFile(w.sms)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []smsLine
	for l := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var m smsLine
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("sms file line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// smsCount is how many messages were sent so far.
func (w *world) smsCount(t *testing.T) int {
	t.Helper()
	return len(w.smsLines(t))
}

// code returns the code of the first message to phone after the first
// `after` messages, waiting briefly for it.
func (w *world) code(t *testing.T, phone string, after int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := w.smsLines(t)
		for _, l := range lines[min(after, len(lines)):] {
			if l.To == phone {
				if m := codeRE.FindStringSubmatch(l.Body); m != nil {
					return m[1]
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no code to %s after message %d", phone, after)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
