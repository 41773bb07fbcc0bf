package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"text/template"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// recordingSender keeps every message; fail makes Send fail.
type recordingSender struct {
	mu   sync.Mutex
	msgs []auth.Message
	fail error
}

func (r *recordingSender) Send(_ context.Context, m auth.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *recordingSender) last(t *testing.T) auth.Message {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.msgs) == 0 {
		t.Fatal("no SMS was sent")
	}
	return r.msgs[len(r.msgs)-1]
}

func (r *recordingSender) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// dumpStore wraps a store and records every value written, to check that
// codes are never stored in clear.
type dumpStore struct {
	auth.Store
	mu     sync.Mutex
	values [][]byte
}

func (d *dumpStore) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	d.mu.Lock()
	d.values = append(d.values, append([]byte(nil), v...))
	d.mu.Unlock()
	return d.Store.Set(ctx, k, v, ttl)
}

func (d *dumpStore) SetIfExists(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	d.mu.Lock()
	d.values = append(d.values, append([]byte(nil), v...))
	d.mu.Unlock()
	return d.Store.SetIfExists(ctx, k, v, ttl)
}

type otpFixture struct {
	otp    *auth.OTP
	sender *recordingSender
	clock  *storetest.Clock
	store  *dumpStore
}

func newOTP(t *testing.T, mod func(*auth.OTPConfig)) *otpFixture {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	store := &dumpStore{Store: memstore.New(clock)}
	sender := &recordingSender{}
	cfg := auth.OTPConfig{
		App: "Acme", Length: 6, TTL: 5 * time.Minute, MaxAttempts: 5,
		ResendCooldown: 30 * time.Second, MaxSends: 5, SendWindow: time.Hour,
		Message: template.Must(template.New("m").Parse("Your {{.App}} code is {{.Code}}. It expires in {{.Minutes}} minutes.")),
	}
	if mod != nil {
		mod(&cfg)
	}
	o := auth.NewOTP(store, sender, []byte("0123456789abcdef0123456789abcdef"), cfg, clock, nil)
	return &otpFixture{otp: o, sender: sender, clock: clock, store: store}
}

var codeRE = regexp.MustCompile(`code is (\d+)\.`)

func sentCode(t *testing.T, s *recordingSender) string {
	t.Helper()
	m := s.last(t)
	if got := codeRE.FindStringSubmatch(m.Body); got == nil || got[1] != m.Code {
		t.Fatalf("message body %q does not carry code %q", m.Body, m.Code)
	}
	return m.Code
}

func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestGenerateCode(t *testing.T) {
	for _, n := range []int{6, 8, 10} {
		seen := map[string]bool{}
		var firstDigits [10]int
		for i := 0; i < 2000; i++ {
			c, err := auth.GenerateCode(n)
			if err != nil {
				t.Fatal(err)
			}
			if len(c) != n || !regexp.MustCompile(`^\d+$`).MatchString(c) {
				t.Fatalf("GenerateCode(%d) = %q", n, c)
			}
			seen[c] = true
			firstDigits[c[0]-'0']++
		}
		if len(seen) < 1990 {
			t.Errorf("only %d distinct codes of 2000 (length %d)", len(seen), n)
		}
		// Leading zeros must occur (a code is not a number > 10^(n-1)), and
		// every leading digit roughly 200 times out of 2000.
		for d, k := range firstDigits {
			if k < 120 || k > 290 {
				t.Errorf("length %d: leading digit %d appeared %d/2000 times", n, d, k)
			}
		}
	}
	if _, err := auth.GenerateCode(0); err == nil {
		t.Error("GenerateCode(0) succeeded")
	}
}

func TestOTPVerify(t *testing.T) {
	ctx := context.Background()
	t.Run("right code once", func(t *testing.T) {
		f := newOTP(t, nil)
		ch, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
		if err != nil {
			t.Fatal(err)
		}
		m := f.sender.last(t)
		if m.To != "+12015550100" || m.Body != fmt.Sprintf("Your Acme code is %s. It expires in 5 minutes.", m.Code) {
			t.Fatalf("message = %+v", m)
		}
		if !m.ExpiresAt.Equal(f.clock.Now().Add(5 * time.Minute)) {
			t.Errorf("ExpiresAt = %v", m.ExpiresAt)
		}
		got, err := f.otp.Verify(ctx, ch.ID, m.Code)
		if err != nil || got.User != "alice" || got.Phone != "+12015550100" {
			t.Fatalf("Verify = %+v, %v", got, err)
		}
		if _, err := f.otp.Verify(ctx, ch.ID, m.Code); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("second Verify err = %v, want ErrOTPExpired", err)
		}
	})
	t.Run("code stored only as a hash", func(t *testing.T) {
		f := newOTP(t, nil)
		if _, err := f.otp.Start(ctx, "alice", "+12015550100", "login"); err != nil {
			t.Fatal(err)
		}
		code := f.sender.last(t).Code
		for _, v := range f.store.values {
			if bytes.Contains(v, []byte(code)) {
				t.Fatalf("store value %q contains the code", v)
			}
		}
	})
	t.Run("wrong codes then dead", func(t *testing.T) {
		f := newOTP(t, nil)
		ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
		code := sentCode(t, f.sender)
		for i := 1; i <= 4; i++ {
			if _, err := f.otp.Verify(ctx, ch.ID, wrong(code)); !errors.Is(err, auth.ErrOTPInvalid) {
				t.Fatalf("attempt %d: err = %v, want ErrOTPInvalid", i, err)
			}
		}
		if _, err := f.otp.Verify(ctx, ch.ID, wrong(code)); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("5th wrong attempt: err = %v, want ErrOTPExpired", err)
		}
		if _, err := f.otp.Verify(ctx, ch.ID, code); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("right code after max attempts: err = %v, want ErrOTPExpired", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		f := newOTP(t, nil)
		ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
		code := sentCode(t, f.sender)
		f.clock.Advance(5*time.Minute + time.Second)
		if _, err := f.otp.Verify(ctx, ch.ID, code); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("err = %v, want ErrOTPExpired", err)
		}
	})
	t.Run("empty and garbage codes", func(t *testing.T) {
		f := newOTP(t, nil)
		ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
		for _, c := range []string{"", " ", "abcdef", "1234567", "00000000000000000000"} {
			if _, err := f.otp.Verify(ctx, ch.ID, c); !errors.Is(err, auth.ErrOTPInvalid) && !errors.Is(err, auth.ErrOTPExpired) {
				t.Fatalf("Verify(%q) err = %v", c, err)
			}
		}
	})
	t.Run("unknown challenge", func(t *testing.T) {
		f := newOTP(t, nil)
		if _, err := f.otp.Verify(ctx, "nope", "123456"); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("err = %v", err)
		}
		if _, err := f.otp.Verify(ctx, "", "123456"); !errors.Is(err, auth.ErrNoChallenge) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestOTPConcurrentRightCodeSucceedsOnce(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxAttempts = 100 })
	ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
	code := sentCode(t, f.sender)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.otp.Verify(ctx, ch.ID, code); err == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of 50 concurrent submits succeeded, want exactly 1", wins.Load())
	}
}

func TestOTPResend(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, nil)
	ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
	first := sentCode(t, f.sender)

	f.clock.Advance(10 * time.Second)
	_, err := f.otp.Resend(ctx, ch.ID)
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, auth.ErrRateLimited) || rl.RetryAfter != 20*time.Second {
		t.Fatalf("resend in cooldown: err = %v, want rate limit with 20s", err)
	}
	if f.sender.count() != 1 {
		t.Fatal("a code was sent during the cooldown")
	}
	f.clock.Advance(20 * time.Second)
	ch2, err := f.otp.Resend(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	second := sentCode(t, f.sender)
	if _, err := f.otp.Verify(ctx, ch.ID, first); !errors.Is(err, auth.ErrOTPExpired) {
		t.Errorf("old challenge still usable after resend: %v", err)
	}
	if _, err := f.otp.Verify(ctx, ch2.ID, first); err == nil && first != second {
		t.Error("old code accepted by the new challenge")
	}
	if _, err := f.otp.Verify(ctx, ch2.ID, second); err != nil {
		t.Errorf("new code rejected: %v", err)
	}
}

func TestOTPSendQuota(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxSends = 3 })
	for i := 0; i < 3; i++ {
		if _, err := f.otp.Start(ctx, "alice", "+12015550100", "login"); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	_, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter <= 0 || rl.RetryAfter > time.Hour {
		t.Fatalf("4th send: err = %v, want quota with Retry-After", err)
	}
	if f.sender.count() != 3 {
		t.Fatalf("%d SMS sent, want 3", f.sender.count())
	}
	if _, err := f.otp.Start(ctx, "bob", "+12015550101", "login"); err != nil {
		t.Fatalf("another phone is limited too: %v", err)
	}
	f.clock.Advance(time.Hour + time.Second)
	if _, err := f.otp.Start(ctx, "alice", "+12015550100", "login"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestOTPSenderFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, nil)
	f.sender.fail = fmt.Errorf("provider: %w", auth.ErrSMSFailed)
	_, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
	if !errors.Is(err, auth.ErrSMSFailed) {
		t.Fatalf("err = %v, want ErrSMSFailed", err)
	}
	if _, err := f.otp.Start(ctx, "alice", "", "login"); !errors.Is(err, auth.ErrNoPhone) {
		t.Fatalf("no phone: err = %v", err)
	}
}

func TestOTPDecoySendsNothingAndNeverSucceeds(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, nil)
	ch, err := f.otp.StartDecoy(ctx, "+12015550199", "login")
	if err != nil {
		t.Fatal(err)
	}
	if f.sender.count() != 0 {
		t.Fatal("decoy sent an SMS")
	}
	if _, err := f.otp.Verify(ctx, ch.ID, "123456"); !errors.Is(err, auth.ErrOTPInvalid) {
		t.Fatalf("decoy verify err = %v, want ErrOTPInvalid like a real challenge", err)
	}
}

func TestOTPAccountFailuresSurviveResends(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxAccountFailures = 7; c.MaxSends = 100; c.ResendCooldown = 0 })
	fails := 0
	for fails < 7 {
		ch, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
		if err != nil {
			t.Fatal(err)
		}
		code := sentCode(t, f.sender)
		for i := 0; i < 3 && fails < 7; i++ {
			if _, err := f.otp.Verify(ctx, ch.ID, wrong(code)); !errors.Is(err, auth.ErrOTPInvalid) {
				t.Fatalf("err = %v", err)
			}
			fails++
		}
	}
	ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
	code := sentCode(t, f.sender)
	if _, err := f.otp.Verify(ctx, ch.ID, code); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("after 7 failures across challenges: err = %v, want rate limited", err)
	}
}
