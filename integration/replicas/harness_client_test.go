package replicas

// The browser-less client that keeps its session cookie itself, so it
// can talk to every replica, and the checks on its replies.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

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
