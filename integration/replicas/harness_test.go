package replicas

// The world the replica tests share: the gatehouse binary TestMain
// builds, the users, the application behind the gateways, and the
// configuration every gateway process of a world is started with.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// prefix is its store.key_prefix (see worlds).
	prefix string
	dir    string
	key    string
	users  string
	sms    string
	app    *app
	redis  redisConfig

	// Settings written into every configuration (see config).
	opTimeout   time.Duration
	shutdown    time.Duration
	maxFailures int
	maxSends    int
	extraRoutes string
	// replayWindow is store.redis.replay_window ("": the default).
	replayWindow string
}

// worlds numbers the worlds of a test binary: each is a deployment of
// its own, with its own signing key, so it keeps its keys under a
// key_prefix of its own as two deployments sharing a Redis must (its
// store refuses a gateway of another key: docs/contract.md, "Identity
// headers").
var worlds atomic.Int64

func newWorld(t *testing.T, r redisConfig) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{
		prefix: fmt.Sprintf("it%d:", worlds.Add(1)),
		dir:    dir, key: filepath.Join(dir, "gatehouse.key"), users: filepath.Join(dir, "users.yaml"),
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
// Its session.max_per_account is past the few hundred sign-ins of bob a
// failover test makes, so that every login it acknowledges stays (at the
// default 100 the earliest would end as the limit says, docs/contract.md,
// "Sessions per account", and read as lost).
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
  key_prefix: %q
  redis:
    addrs: [%s]
    master_name: %q
    dial_timeout: 1s
    op_timeout: %s
%ssession:
  secure: false
  max_per_account: 2000
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
%s`, listen, admin, w.shutdown, w.prefix, strings.Join(addrs, ", "), w.redis.masterName, w.opTimeout, w.replayLine(),
		w.users, w.maxSends, w.sms, w.maxFailures, w.key, w.app.srv.URL, w.app.srv.URL, w.extraRoutes)
}
