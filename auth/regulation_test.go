package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// regWorld is one regulator on a fresh store, with the store's clock.
type regWorld struct {
	r    *auth.Regulator
	cfg  auth.RegulationConfig
	wait func(time.Duration)
}

// regKey is the deployment's key the regulators name their keys with.
var regKey = []byte("0123456789abcdef0123456789abcdef")

// regulationStores runs every scenario on the memory store (fake clock,
// the default settings) and on one real Redis, each scenario under its
// own key prefix (real time, so short windows and a short run to the
// lock).
func regulationStores(t *testing.T, scenarios map[string]func(t *testing.T, w regWorld)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		for name, scenario := range scenarios {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
				cfg := auth.RegulationConfig{MaxFailures: 5, FindTime: 10 * time.Minute, BanTime: 15 * time.Minute,
					MaxAccountFailures: 100, AccountLockTime: 24 * time.Hour}
				scenario(t, regWorld{auth.NewRegulator(memstore.New(clock), regKey, cfg), cfg, clock.Advance})
			})
		}
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		addr := testredis.Start(t)
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		i := 0
		for name, scenario := range scenarios {
			i++
			prefix := fmt.Sprintf("t%d:", i)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				cfg := auth.RegulationConfig{MaxFailures: 3, FindTime: time.Second, BanTime: time.Second,
					MaxAccountFailures: 7, AccountLockTime: 2500 * time.Millisecond}
				scenario(t, regWorld{auth.NewRegulator(redisstore.New(client, prefix, time.Second), regKey, cfg), cfg, time.Sleep})
			})
		}
	})
}

// fail records n failures against subject from ip and returns the last
// Penalty.
func (w regWorld) fail(t *testing.T, n int, subject, ip string) auth.Penalty {
	t.Helper()
	var p auth.Penalty
	for range n {
		var err error
		if p, err = w.r.Fail(context.Background(), subject, ip); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// want asserts what Check says of subject and ip: "" (allowed),
// auth.ReasonBanned or auth.ReasonLocked.
func (w regWorld) want(t *testing.T, subject, ip, reason string) *auth.RateLimitError {
	t.Helper()
	err := w.r.Check(context.Background(), subject, ip)
	var rl *auth.RateLimitError
	switch {
	case reason == "" && err != nil:
		t.Fatalf("Check(%q, %q) = %v, want allowed", subject, ip, err)
	case reason == "":
		return nil
	case !errors.Is(err, auth.ErrBanned) || !errors.As(err, &rl) || rl.Reason != reason:
		t.Fatalf("Check(%q, %q) = %v, want %s", subject, ip, err, reason)
	}
	return rl
}

// slowRun makes n failures against subject, never more than
// max_failures-1 within one find_time, so that no ban stops them.
func (w regWorld) slowRun(t *testing.T, n int, subject string) auth.Penalty {
	t.Helper()
	var p auth.Penalty
	for done := 0; done < n; {
		batch := min(w.cfg.MaxFailures-1, n-done)
		p = w.fail(t, batch, subject, fmt.Sprintf("192.0.2.%d", done%200))
		if p.Banned {
			t.Fatalf("a slow run was banned after %d failures", done+batch)
		}
		done += batch
		if done < n {
			w.wait(w.cfg.FindTime + w.cfg.FindTime/10)
		}
	}
	return p
}

func TestRegulator(t *testing.T) {
	t.Parallel()
	regulationStores(t, map[string]func(t *testing.T, w regWorld){
		"a subject is banned at max_failures from any address, for ban_time": func(t *testing.T, w regWorld) {
			w.fail(t, w.cfg.MaxFailures-1, "alice", "192.0.2.1")
			w.want(t, "alice", "192.0.2.1", "")
			if p := w.fail(t, 1, "alice", "198.51.100.9"); !p.Banned || p.Locked {
				t.Fatalf("failure %d: %+v, want a ban", w.cfg.MaxFailures, p)
			}
			rl := w.want(t, "alice", "203.0.113.7", auth.ReasonBanned)
			if rl.RetryAfter <= 0 || rl.RetryAfter > w.cfg.BanTime {
				t.Errorf("Retry-After %s, want up to ban_time %s", rl.RetryAfter, w.cfg.BanTime)
			}
			w.want(t, "bob", "192.0.2.1", "")
			w.wait(w.cfg.BanTime + w.cfg.BanTime/10)
			w.want(t, "alice", "192.0.2.1", "")
		},
		"failures older than find_time do not add up": func(t *testing.T, w regWorld) {
			w.fail(t, w.cfg.MaxFailures-1, "carol", "")
			w.wait(w.cfg.FindTime + w.cfg.FindTime/10)
			if p := w.fail(t, 1, "carol", ""); p.Banned {
				t.Fatal("failures older than find_time counted")
			}
		},
		"a right proof clears the find_time count": func(t *testing.T, w regWorld) {
			w.fail(t, w.cfg.MaxFailures-1, "dave", "")
			if err := w.r.Succeed(context.Background(), "dave"); err != nil {
				t.Fatal(err)
			}
			if p := w.fail(t, 1, "dave", ""); p.Banned {
				t.Fatal("count not reset by success")
			}
		},
		"a client spraying many names is banned at IPFactor × max_failures": func(t *testing.T, w regWorld) {
			limit := w.cfg.MaxFailures * auth.IPFactor
			for i := range limit - 1 {
				w.fail(t, 1, fmt.Sprint("u", i), "203.0.113.5")
			}
			w.want(t, "someone-else", "203.0.113.5", "")
			w.fail(t, 1, "last", "203.0.113.5")
			w.want(t, "someone-else", "203.0.113.5", auth.ReasonBanned)
			w.want(t, "someone-else", "::ffff:203.0.113.5", auth.ReasonBanned) // the same address, IPv4-mapped
			w.want(t, "someone-else", "203.0.113.6", "")                       // IPv4 addresses count one by one
		},
		"an IPv6 client is counted by its /64": func(t *testing.T, w regWorld) {
			limit := w.cfg.MaxFailures * auth.IPFactor
			for i := range limit {
				w.fail(t, 1, fmt.Sprint("v", i), fmt.Sprintf("2001:db8:1:2:%x::%x", i, i+1))
			}
			w.want(t, "someone-else", "2001:db8:1:2:ffff:ffff:ffff:ffff", auth.ReasonBanned)
			w.want(t, "someone-else", "2001:db8:1:3::1", "")
		},
		"the /64s of an IPv6 /48 share IPv6SiteShare clients' counts; lifting an address lifts its /48's ban": func(t *testing.T, w regWorld) {
			ctx := context.Background()
			perNet := w.cfg.MaxFailures * auth.IPFactor / 2 // each /64 under its own ban
			nets := auth.IPv6SiteShare * 2
			for i := range nets {
				w.fail(t, perNet-1, "", fmt.Sprintf("2001:db8:4:%x::1", i)) // the client alone: quick, in Redis's second
			}
			w.want(t, "someone-else", "2001:db8:4:ffff::1", "")
			for i := range nets - 1 {
				w.fail(t, 1, "", fmt.Sprintf("2001:db8:4:%x::1", i))
			}
			if p := w.fail(t, 1, "last", "2001:db8:4:abcd::1"); !p.Banned || p.SubjectBanned {
				t.Fatalf("the site's last failure: %+v, want the client banned", p)
			}
			w.want(t, "someone-else", "2001:db8:4:ffff::1", auth.ReasonBanned) // a /64 that never failed
			w.want(t, "someone-else", "2001:db8:5::1", "")                     // another /48
			bans, _, err := w.r.Bans(ctx, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			listed := false
			for _, b := range bans {
				listed = listed || b.Kind == auth.BanAddress && b.Subject == "2001:db8:4::/48"
			}
			if !listed {
				t.Errorf("the console's bans %+v do not show the /48's", bans)
			}
			if err := w.r.CheckDevice(ctx, "a-device", "2001:db8:4:ffff::1"); err != nil {
				t.Fatalf("a known device held by its site's ban: %v", err)
			}
			if lifted, err := w.r.Lift(ctx, "", "2001:db8:4:ffff::2"); err != nil || !lifted {
				t.Fatalf("Lift of an address of the banned site = %v, %v; want lifted", lifted, err)
			}
			w.want(t, "someone-else", "2001:db8:4:ffff::1", "")
		},
		"a slow run of max_account_failures locks the subject for account_lock_time": func(t *testing.T, w regWorld) {
			p := w.slowRun(t, w.cfg.MaxAccountFailures-1, "erin")
			if p.Locked {
				t.Fatal("locked before max_account_failures")
			}
			w.want(t, "erin", "", "")
			if p := w.fail(t, 1, "erin", "192.0.2.250"); !p.Locked {
				t.Fatalf("failure %d: %+v, want a lock", w.cfg.MaxAccountFailures, p)
			}
			rl := w.want(t, "erin", "", auth.ReasonLocked)
			if rl.RetryAfter <= w.cfg.AccountLockTime/2 || rl.RetryAfter > w.cfg.AccountLockTime {
				t.Errorf("Retry-After %s, want about account_lock_time %s", rl.RetryAfter, w.cfg.AccountLockTime)
			}
			w.want(t, "frank", "192.0.2.250", "")
			w.wait(w.cfg.AccountLockTime / 2)
			w.want(t, "erin", "", auth.ReasonLocked) // still, past every ban
			w.wait(w.cfg.AccountLockTime/2 + w.cfg.AccountLockTime/10)
			w.want(t, "erin", "", "")
		},
		"a right proof does not end the run; a completed sign-in does": func(t *testing.T, w regWorld) {
			ctx := context.Background()
			w.slowRun(t, w.cfg.MaxAccountFailures-1, "gina")
			if err := w.r.Succeed(ctx, "gina"); err != nil { // the password, say, before a wrong code
				t.Fatal(err)
			}
			if p := w.fail(t, 1, "gina", ""); !p.Locked {
				t.Fatal("a right password between wrong codes reset the run towards the lock")
			}
			w.slowRun(t, w.cfg.MaxAccountFailures-1, "hugo")
			if err := w.r.SignedIn(ctx, "hugo"); err != nil {
				t.Fatal(err)
			}
			if p := w.slowRun(t, w.cfg.MaxAccountFailures-1, "hugo"); p.Locked {
				t.Fatal("failures before a completed sign-in still counted")
			}
			w.want(t, "hugo", "", "")
		},
		"the run slides: only a quiet account_lock_time forgets it": func(t *testing.T, w regWorld) {
			gap := w.cfg.AccountLockTime * 6 / 10
			for range w.cfg.MaxAccountFailures - 1 {
				w.fail(t, 1, "ivan", "")
				w.wait(gap)
			}
			if p := w.fail(t, 1, "ivan", ""); !p.Locked {
				t.Fatal("failures spaced under account_lock_time apart were forgotten")
			}
			w.fail(t, w.cfg.MaxAccountFailures-1, "judy", "")
			w.wait(w.cfg.AccountLockTime + w.cfg.AccountLockTime/10)
			if p := w.fail(t, 1, "judy", ""); p.Locked || p.Banned {
				t.Fatalf("a run older than a quiet account_lock_time still counted: %+v", p)
			}
		},
	})
}
