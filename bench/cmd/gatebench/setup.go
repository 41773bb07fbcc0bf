package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
)

// The benchmark's names: the route's host, the portal's public URL, the
// signed-in person.
const (
	appHost     = "app.bench.test"
	publicURL   = "https://auth.bench.test"
	benchUser   = "alice"
	benchPass   = "correct horse battery staple"
	benchPhone  = "+12015550100"
	cookieName  = "__Host-gatehouse_session" // secure, host-only: the __Host- form
	keyPrefix   = "gatehouse:"
	idleTimeout = 30 * time.Minute
	absTimeout  = 12 * time.Hour
)

// gatehouseConfig is the generated gateway.yaml: contract defaults except
// for addresses, files and the one route.
func gatehouseConfig(dir, listen, driver, redisAddr, upstream, smsFile string) string {
	return fmt.Sprintf(`server:
  listen: %q
  public_url: %q
  admin_listen: ""
  trusted_proxies: ["127.0.0.1/32"]
store:
  driver: %s
  key_prefix: %q
  redis:
    addrs: [%q]
session:
  secure: true
  idle_timeout: %s
  absolute_timeout: %s
users:
  backend: file
  file: %q
sms:
  provider: console
  console: { file: %q }
identity:
  signing_key_file: %q
routes:
  - name: app
    host: %q
    path_prefix: /
    upstream: %q
    policy: two_factor
`, listen, publicURL, driver, keyPrefix, redisAddr, idleTimeout, absTimeout,
		filepath.Join(dir, "users.yaml"), smsFile, filepath.Join(dir, "gatehouse.key"), appHost, upstream)
}

// writeIdentity creates the signing key and users.yaml with the
// gatehouse binary itself (keygen, hash-password: contract defaults for
// Argon2id).
func writeIdentity(ctx context.Context, gatehouse, dir string) error {
	if out, err := exec.CommandContext(ctx, gatehouse, "keygen", "-o", filepath.Join(dir, "gatehouse.key")).CombinedOutput(); err != nil { //nolint:gosec // G204: the gatehouse binary under measurement (-gatehouse)
		return fmt.Errorf("gatehouse keygen: %w: %s", err, out)
	}
	cmd := exec.CommandContext(ctx, gatehouse, "hash-password")
	cmd.Stdin = strings.NewReader(benchPass + "\n")
	hash, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("gatehouse hash-password: %w", err)
	}
	users := fmt.Sprintf(`users:
  %s:
    display_name: "Alice Example"
    email: "alice@example.com"
    phone: %q
    groups: ["staff", "admins"]
    password: %q
`, benchUser, benchPhone, strings.TrimSpace(string(hash)))
	return os.WriteFile(filepath.Join(dir, "users.yaml"), []byte(users), 0o600)
}

// signIn logs in through the JSON API (password, then the code the
// console sender wrote to smsFile) and returns the session cookie value.
func signIn(ctx context.Context, addr, smsFile string) (string, error) {
	c := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// post sends body to the API at path and returns the session cookie
	// the answer sets ("" for none).
	post := func(path, cookie string, body any) (string, error) {
		b, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/_gatehouse/api/"+path, bytes.NewReader(b))
		if err != nil {
			return "", err
		}
		req.Host = appHost
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-Proto", "https")
		if cookie != "" {
			req.Header.Set("Cookie", cookieName+"="+cookie)
		}
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		defer func() { _ = resp.Body.Close() }() // read below; a close error loses nothing
		msg, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("POST %s: %s: %s", path, resp.Status, msg)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == cookieName && ck.Value != "" {
				return ck.Value, nil
			}
		}
		return "", nil
	}
	sess, err := post("login", "", map[string]any{"username": benchUser, "password": benchPass})
	if err != nil {
		return "", err
	}
	if sess == "" {
		return "", fmt.Errorf("login set no %s cookie", cookieName)
	}
	code, err := lastCode(smsFile)
	if err != nil {
		return "", err
	}
	if sess, err = post("otp", sess, map[string]any{"code": code}); err != nil {
		return "", err
	}
	if sess == "" {
		return "", fmt.Errorf("code accepted but no new %s cookie", cookieName)
	}
	return sess, nil
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// lastCode returns the code in the last message the console sender wrote.
func lastCode(smsFile string) (string, error) {
	f, err := os.Open(smsFile) //nolint:gosec // G304: the console SMS file of a gatehouse we configured, in our temporary directory
	if err != nil {
		return "", fmt.Errorf("sms file: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose on close
	var body string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct {
			To   string `json:"to"`
			Body string `json:"body"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.To == benchPhone {
			body = m.Body
		}
	}
	code := codeRE.FindString(body)
	if code == "" {
		return "", fmt.Errorf("no code for %s in %s", benchPhone, smsFile)
	}
	return code, nil
}

// redisSessions creates n signed-in two-factor sessions for benchUser
// directly through the session manager on the Redis store, so they are
// encoded exactly as the gateway stores them, and returns their cookie
// values.
func redisSessions(ctx context.Context, redisAddr string, n int, like string) ([]string, error) {
	client := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer func() { _ = client.Close() }() // only drops idle connections
	sessions := auth.NewSessions(redisstore.New(client, keyPrefix, 0), auth.SessionConfig{
		IdleTimeout: idleTimeout, AbsoluteTimeout: absTimeout,
	}, nil, nil)
	// The sessions carry the account's credential generation, as one
	// signed in through the portal does (the session like).
	model, err := sessions.Load(ctx, like)
	if err != nil {
		return nil, fmt.Errorf("the signed-in session: %w", err)
	}
	now := time.Now().Unix()
	ids := make([]string, 0, n)
	for range n {
		s, err := sessions.New()
		if err != nil {
			return nil, err
		}
		s.User = benchUser
		s.Proofs = []auth.Proof{{Method: auth.MethodPassword, At: now}, {Method: auth.MethodSMS, At: now}}
		s.IP, s.Agent, s.Gen = "127.0.0.1", "gatebench", model.Gen
		if err := sessions.Save(ctx, s); err != nil {
			return nil, err
		}
		ids = append(ids, s.ID)
	}
	return ids, nil
}

// sessionValue returns the stored bytes of one session, for the floor
// server to GET a value of the same size.
func sessionValue(ctx context.Context, redisAddr string) ([]byte, error) {
	client := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer func() { _ = client.Close() }() // only drops idle connections
	keys, _, err := client.Scan(ctx, 0, keyPrefix+"s:*", 100).Result()
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no session in redis")
	}
	return client.Get(ctx, keys[0]).Bytes()
}

// setFloorKey stores value under the key the floor server reads.
func setFloorKey(ctx context.Context, redisAddr, key string, value []byte) error {
	client := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer func() { _ = client.Close() }() // only drops idle connections
	return client.Set(ctx, key, value, 0).Err()
}
