package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
	"github.com/gatehouse-auth/gatehouse/internal/demoapp"
)

// demoPassword is the password of the demo users. The demo listens on
// loopback only unless told otherwise.
const demoPassword = "gatehouse-demo"

// cmdDemo runs a self-contained demo: memory store, console SMS on the
// terminal, a throwaway signing key, two users and a built-in upstream that
// shows (and verifies) the identity it receives.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address of the gateway")
	smsFile := fs.String("sms-file", "", "also append console SMS as JSON lines to this file")
	verbose := fs.Bool("v", false, "log requests and audit events (JSON) to standard error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewJSONHandler(gateway.NewLogWriter(stderr), &slog.HandlerOptions{Level: level}))

	// On a failed listen, those already open were never served: closing
	// them cannot fail in a way worth reporting over the listen error.
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return fmt.Errorf("demo: listen on %s: %w (try -listen 127.0.0.1:8081)", *listen, err)
	}
	appLn, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		_ = ln.Close()
		return err
	}
	adminLn, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		_ = ln.Close()
		_ = appLn.Close()
		return err
	}
	dir, err := os.MkdirTemp("", "gatehouse-demo-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a throwaway directory under os.TempDir

	base := "http://" + ln.Addr().String()
	cfg, err := demoConfig(ctx, dir, base, "http://"+appLn.Addr().String())
	if err != nil {
		return err
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	sender := auth.NewConsoleSender(*smsFile, stdout, nil)
	var s auth.Sender = &teeSender{out: stdout, next: sender}
	if *smsFile == "" {
		s = &teeSender{out: stdout}
	}
	a, err := build(ctx, cfg, log, overrides{signingKey: key, sender: s})
	if err != nil {
		return err
	}
	defer a.close()
	if err := seedDemoUsers(ctx, a, cfg); err != nil {
		return err
	}

	h := cfg.Identity.Headers
	app := demoapp.New(base+cfg.Server.PortalPrefix+"/jwks.json", cfg.Server.PublicURL,
		[]string{"demo", "demo-admin"}, h.User, h.Assertion,
		[]string{h.User, h.Email, h.Name, h.Groups, h.Methods, h.Assertion})
	appSrv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = appSrv.Serve(appLn) }()
	defer func() { _ = appSrv.Close() }() // the demo is over; nothing is left to serve

	if _, err := fmt.Fprintf(stdout, `
Gatehouse demo is running (memory store, console SMS, demo app behind the gateway).

  Open     %s/            the demo app: password + SMS code
           %s/admin/      admins only, code no older than 10 minutes
           %s/public/     no login
           %s/_gatehouse/signup    create your own account (its code is printed here)
           %s/_gatehouse/account   your sessions, password and phone
  Users    alice / %s    admin, phone +1 201 555 0100
           bob   / %s    not an admin, phone +1 201 555 0101
  Codes    are printed below when sent (console SMS sender)
  API      curl -c jar -H 'Content-Type: application/json' -d '{"username":"alice","password":"%s"}' %s/_gatehouse/api/login
  Admin    http://%s/metrics

Press Ctrl-C to stop.

`, base, base, base, base, base, demoPassword, demoPassword, demoPassword, base, adminLn.Addr()); err != nil {
		return err
	}
	return a.serve(ctx, ln, adminLn)
}

// teeSender prints each SMS readably on the terminal, then hands it on.
type teeSender struct {
	out  io.Writer
	next auth.Sender
}

// Send implements auth.Sender. A message it cannot print is
// auth.ErrSMSFailed, as for auth.ConsoleSender.
func (t *teeSender) Send(ctx context.Context, m auth.Message) error {
	if _, err := fmt.Fprintf(t.out, "SMS to %s: %s\n", m.To, m.Body); err != nil {
		return fmt.Errorf("demo sender: %w: %w", auth.ErrSMSFailed, err)
	}
	if t.next != nil {
		return t.next.Send(ctx, m)
	}
	return nil
}

// demoConfig writes the demo users file and returns the demo configuration.
func demoConfig(ctx context.Context, dir, base, upstream string) (*config.Config, error) {
	cfg := config.Default()
	cfg.File = "demo"
	cfg.Server.PublicURL = base
	cfg.Server.AdminListen = "127.0.0.1:0"
	cfg.Session.Secure = false
	cfg.Identity.SigningKeyFile = filepath.Join(dir, "unused.key")
	// Accounts live in the memory store, so the demo can show sign-up and
	// password reset; alice and bob are created at start.
	cfg.Users.Backend = "redis"
	cfg.Users.Signup.Enabled = true
	// The demo's numbers are American: (201) 555-0199 works as typed.
	cfg.OTP.DefaultRegion = "US"
	cfg.Routes = []config.Route{
		{Name: "demo", Host: "*", PathPrefix: "/", Upstream: upstream, Policy: "two_factor"},
		{Name: "demo-admin", Host: "*", PathPrefix: "/admin", Upstream: upstream, Policy: "two_factor", Groups: []string{"admins"}, MaxAuthAge: 10 * time.Minute},
		{Name: "demo-public", Host: "*", PathPrefix: "/public", Upstream: upstream, Policy: "bypass"},
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	return cfg, nil
}

// seedDemoUsers creates alice (admin) and bob in the demo's account store.
func seedDemoUsers(ctx context.Context, a *app, cfg *config.Config) error {
	p := cfg.Hashing.Argon2id
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism}, 1, time.Minute)
	hash, err := h.Hash(ctx, demoPassword)
	if err != nil {
		return err
	}
	for _, u := range []*auth.User{
		{Username: "alice", DisplayName: "Alice Example", Email: "alice@example.com", Phone: "+12015550100", Groups: []string{"admins"}, PasswordHash: hash},
		{Username: "bob", DisplayName: "Bob Example", Email: "bob@example.com", Phone: "+12015550101", Groups: []string{"staff"}, PasswordHash: hash},
	} {
		if err := a.current.Load().accounts.Add(ctx, u); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	return nil
}
