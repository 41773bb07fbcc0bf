package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// fakeChecker is a provider that makes and checks its own codes, like
// Twilio Verify: one code per verification, approved at most once unless
// approveAlways is set.
type fakeChecker struct {
	recordingSender
	mu            sync.Mutex
	codes         map[string]string // ref → code
	approved      map[string]bool
	started       int
	checks        int
	canceled      []string
	startErr      error
	checkErr      error
	approveAlways bool // a provider that forgets approvals
}

func newFakeChecker() *fakeChecker {
	return &fakeChecker{codes: map[string]string{}, approved: map[string]bool{}}
}

func (f *fakeChecker) StartVerification(_ context.Context, msg auth.Message) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startErr != nil {
		return "", f.startErr
	}
	f.started++
	ref := fmt.Sprintf("VE%d", f.started)
	f.codes[ref] = fmt.Sprintf("%06d", 100000+f.started)
	return ref, nil
}

func (f *fakeChecker) CheckCode(_ context.Context, ref, to, code string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks++
	if f.checkErr != nil {
		return false, f.checkErr
	}
	if f.approved[ref] && !f.approveAlways {
		return false, fmt.Errorf("fake provider: 20404: %w", auth.ErrOTPExpired)
	}
	if code != f.codes[ref] {
		return false, nil
	}
	f.approved[ref] = true
	return true, nil
}

func (f *fakeChecker) CancelVerification(_ context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canceled = append(f.canceled, ref)
	return nil
}

func (f *fakeChecker) code(ref string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.codes[ref]
}

func (f *fakeChecker) counts() (started, checks int, canceled []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started, f.checks, append([]string(nil), f.canceled...)
}

func newProviderOTP(t *testing.T, mod func(*auth.OTPConfig)) (*otpFixture, *fakeChecker) {
	t.Helper()
	f := newOTP(t, mod)
	fc := newFakeChecker()
	cfg := f.otp.Config()
	f.otp = auth.NewOTP(f.store, fc, []byte("0123456789abcdef0123456789abcdef"), cfg, f.clock, nil)
	return f, fc
}

func TestOTPProviderChecked(t *testing.T) {
	ctx := context.Background()
	f, fc := newProviderOTP(t, nil)
	ch, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
	if err != nil {
		t.Fatal(err)
	}
	if started, _, _ := fc.counts(); started != 1 || fc.recordingSender.count() != 0 || ch.Ref != "VE1" {
		t.Fatalf("started %d, sent %d, ref %q: want the provider to send", started, fc.recordingSender.count(), ch.Ref)
	}
	if _, err := f.otp.Verify(ctx, ch.ID, "999999"); !errors.Is(err, auth.ErrOTPInvalid) {
		t.Fatalf("wrong code: %v", err)
	}
	got, err := f.otp.Verify(ctx, ch.ID, fc.code(ch.Ref))
	if err != nil || got.User != "alice" {
		t.Fatalf("right code: %v, %v", got, err)
	}
	if _, err := f.otp.Verify(ctx, ch.ID, fc.code(ch.Ref)); !errors.Is(err, auth.ErrOTPExpired) {
		t.Fatalf("reuse: %v, want ErrOTPExpired", err)
	}
	if _, checks, _ := fc.counts(); checks != 2 {
		t.Fatalf("%d provider checks, want 2 (a used challenge is refused here)", checks)
	}
}

func TestOTPProviderAttempts(t *testing.T) {
	ctx := context.Background()
	t.Run("used up attempts cancel the verification", func(t *testing.T) {
		f, fc := newProviderOTP(t, nil)
		ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
		for i := 1; i <= 4; i++ {
			if _, err := f.otp.Verify(ctx, ch.ID, "99999"+fmt.Sprint(i)); !errors.Is(err, auth.ErrOTPInvalid) {
				t.Fatalf("wrong code %d: %v", i, err)
			}
		}
		if _, err := f.otp.Verify(ctx, ch.ID, "999995"); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("fifth wrong code: %v, want ErrOTPExpired", err)
		}
		if _, err := f.otp.Verify(ctx, ch.ID, fc.code(ch.Ref)); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("right code after the attempts: %v", err)
		}
		if _, checks, canceled := fc.counts(); checks != 5 || len(canceled) != 1 || canceled[0] != ch.Ref {
			t.Fatalf("checks %d, canceled %v: want 5 and %s", checks, canceled, ch.Ref)
		}
	})
	t.Run("codes that cannot be right cost an attempt, not a call", func(t *testing.T) {
		f, fc := newProviderOTP(t, func(c *auth.OTPConfig) { c.MaxAttempts = 2 })
		ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
		if _, err := f.otp.Verify(ctx, ch.ID, "12a456"); !errors.Is(err, auth.ErrOTPInvalid) {
			t.Fatalf("letters: %v", err)
		}
		if _, err := f.otp.Verify(ctx, ch.ID, "12"); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("too short, last attempt: %v", err)
		}
		if _, checks, _ := fc.counts(); checks != 0 {
			t.Fatalf("%d provider calls for implausible codes", checks)
		}
	})
	t.Run("the provider ends the verification", func(t *testing.T) {
		f, fc := newProviderOTP(t, nil)
		ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
		fc.checkErr = fmt.Errorf("fake: 60202 max check attempts: %w", auth.ErrOTPExpired)
		if _, err := f.otp.Verify(ctx, ch.ID, "123456"); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("err = %v, want ErrOTPExpired", err)
		}
		if _, err := f.otp.Peek(ctx, ch.ID); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("the challenge survived: %v", err)
		}
	})
	t.Run("a provider outage keeps the challenge", func(t *testing.T) {
		f, fc := newProviderOTP(t, nil)
		ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
		fc.checkErr = fmt.Errorf("fake: 503: %w", auth.ErrSMSFailed)
		if _, err := f.otp.Verify(ctx, ch.ID, fc.code(ch.Ref)); !errors.Is(err, auth.ErrSMSFailed) {
			t.Fatalf("err = %v, want ErrSMSFailed", err)
		}
		fc.checkErr = nil
		if _, err := f.otp.Verify(ctx, ch.ID, fc.code(ch.Ref)); err != nil {
			t.Fatalf("after the outage: %v", err)
		}
	})
	t.Run("expired challenges are not checked", func(t *testing.T) {
		f, fc := newProviderOTP(t, nil)
		ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
		f.clock.Advance(5*time.Minute + time.Second)
		if _, err := f.otp.Verify(ctx, ch.ID, fc.code(ch.Ref)); !errors.Is(err, auth.ErrOTPExpired) {
			t.Fatalf("err = %v", err)
		}
		if _, checks, _ := fc.counts(); checks != 0 {
			t.Fatal("an expired challenge reached the provider")
		}
	})
}

func TestOTPProviderSingleUseUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	f, fc := newProviderOTP(t, nil)
	fc.approveAlways = true // even if the provider approved every check
	ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
	code := fc.code(ch.Ref)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.otp.Verify(ctx, ch.ID, code); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent submits signed in, want exactly 1", wins)
	}
}

func TestOTPProviderResendAndDecoy(t *testing.T) {
	ctx := context.Background()
	f, fc := newProviderOTP(t, nil)
	ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
	var rl *auth.RateLimitError
	if _, err := f.otp.Resend(ctx, ch.ID); !errors.As(err, &rl) || rl.Reason != "resend_cooldown" {
		t.Fatalf("resend within the cooldown: %v", err)
	}
	f.clock.Advance(31 * time.Second)
	ch2, err := f.otp.Resend(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if started, _, _ := fc.counts(); started != 2 || ch2.Ref == "" {
		t.Fatalf("resend: %d verifications, ref %q", started, ch2.Ref)
	}
	if _, err := f.otp.Verify(ctx, ch2.ID, fc.code(ch2.Ref)); err != nil {
		t.Fatalf("resent code: %v", err)
	}

	d, err := f.otp.StartDecoy(ctx, "+12015550199", "login")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.otp.Verify(ctx, d.ID, "100003"); !errors.Is(err, auth.ErrOTPInvalid) {
		t.Fatalf("decoy: %v", err)
	}
	if started, checks, _ := fc.counts(); started != 2 || checks != 1 {
		t.Fatalf("the decoy reached the provider: %d starts, %d checks", started, checks)
	}
}

func TestOTPAllowedCountries(t *testing.T) {
	ctx := auth.WithRequester(context.Background(), auth.Requester{IP: "192.0.2.1"})
	f := newOTP(t, func(c *auth.OTPConfig) {
		c.AllowedCountries = []string{"us", "CA"}
		c.MaxSendsPerIP, c.IPSendWindow = 2, time.Hour
	})
	for _, start := range []func() error{
		func() error { _, err := f.otp.Start(ctx, "alice", "+33612345678", "login"); return err },
		func() error { _, err := f.otp.StartDecoy(ctx, "+33612345679", "login"); return err },
		func() error { _, err := f.otp.Start(ctx, "alice", "+442071838750", "login"); return err },
	} {
		err := start()
		if !errors.Is(err, auth.ErrCountryNotAllowed) || !errors.Is(err, auth.ErrInvalidPhone) {
			t.Fatalf("err = %v, want ErrCountryNotAllowed", err)
		}
	}
	if f.sender.count() != 0 {
		t.Fatal("a code went to a country that is not allowed")
	}
	// A decoy that stands for no number at all (a reset for an unknown
	// name) has no country to refuse: it must look like a real send.
	if _, err := f.otp.StartDecoy(ctx, "reset:nobody", "reset"); err != nil {
		t.Fatalf("decoy without a number: %v", err)
	}
	// The refused numbers took nothing from the client's quota.
	if _, err := f.otp.Start(ctx, "alice", "+12015550100", "login"); err != nil {
		t.Fatalf("US number: %v", err)
	}
}

func TestOTPPerIPQuota(t *testing.T) {
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxSendsPerIP, c.IPSendWindow = 3, time.Hour })
	ip1 := auth.WithRequester(context.Background(), auth.Requester{IP: "192.0.2.1"})
	ip2 := auth.WithRequester(context.Background(), auth.Requester{IP: "2001:db8::1"})
	for i, phone := range []string{"+12015550100", "+12015550101"} {
		if _, err := f.otp.Start(ip1, "u", phone, "login"); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	if _, err := f.otp.StartDecoy(ip1, "+12015550102", "login"); err != nil {
		t.Fatalf("decoy: %v", err)
	}
	_, err := f.otp.Start(ip1, "u", "+12015550103", "login")
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) || rl.Reason != "ip_send_quota" || rl.RetryAfter <= 0 || rl.RetryAfter > time.Hour {
		t.Fatalf("fourth send from one IP: %v, want the per-IP quota", err)
	}
	if _, err := f.otp.StartDecoy(ip1, "+12015550104", "login"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("decoys are limited like real sends: %v", err)
	}
	if _, err := f.otp.Start(ip2, "u", "+12015550103", "login"); err != nil {
		t.Fatalf("another IP: %v", err)
	}
	// IPv6 clients are counted by /64: another address of the same
	// subscriber shares the quota.
	sameNet := auth.WithRequester(context.Background(), auth.Requester{IP: "2001:db8::ffff:1"})
	for i := 0; i < 2; i++ {
		if _, err := f.otp.Start(sameNet, "u", "+12015550106", "login"); err != nil {
			t.Fatalf("send %d from the /64: %v", i+2, err)
		}
	}
	if _, err := f.otp.Start(sameNet, "u", "+12015550107", "login"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("fourth send from one /64: %v, want rate limited", err)
	}
	f.clock.Advance(time.Hour + time.Second)
	if _, err := f.otp.Start(ip1, "u", "+12015550105", "login"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestOTPFailedSendsGiveTheQuotaBack(t *testing.T) {
	ip := auth.WithRequester(context.Background(), auth.Requester{IP: "192.0.2.1"})
	timeout := fmt.Errorf("provider: %w: %w", auth.ErrSMSFailed, context.DeadlineExceeded)
	tests := []struct {
		name     string
		fail     error
		refunded bool
	}{
		{"provider down", fmt.Errorf("provider: 503: %w", auth.ErrSMSFailed), true},
		{"timeout, may have been sent", timeout, false},
		{"number refused", fmt.Errorf("provider: 21211: %w", auth.ErrInvalidPhone), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOTP(t, func(c *auth.OTPConfig) { c.MaxSends = 2; c.MaxSendsPerIP, c.IPSendWindow = 2, time.Hour })
			f.sender.fail = tt.fail
			for i := 0; i < 2; i++ {
				if _, err := f.otp.Start(ip, "alice", "+12015550100", "login"); !errors.Is(err, tt.fail) {
					t.Fatalf("failing send %d: %v", i+1, err)
				}
			}
			f.sender.fail = nil
			_, err := f.otp.Start(ip, "alice", "+12015550100", "login")
			if tt.refunded && err != nil {
				t.Fatalf("after two failed sends: %v, want the quota back", err)
			}
			if !tt.refunded && !errors.Is(err, auth.ErrRateLimited) {
				t.Fatalf("after two sends that count: %v, want rate limited", err)
			}
		})
	}
}

func TestOTPQuotaHoldsUnderConcurrency(t *testing.T) {
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxSends = 5 })
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, auth.ErrRateLimited):
				limited++
			}
		}()
	}
	wg.Wait()
	if ok != 5 || limited != 15 || f.sender.count() != 5 {
		t.Fatalf("%d sent, %d limited, %d SMS: want 5, 15, 5", ok, limited, f.sender.count())
	}
}

func TestOTPResendFailureKeepsTheOldCode(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, nil)
	ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
	code := sentCode(t, f.sender)
	f.clock.Advance(31 * time.Second)
	f.sender.fail = fmt.Errorf("provider: %w", auth.ErrSMSFailed)
	if _, err := f.otp.Resend(ctx, ch.ID); !errors.Is(err, auth.ErrSMSFailed) {
		t.Fatalf("resend: %v", err)
	}
	f.sender.fail = nil
	if _, err := f.otp.Verify(ctx, ch.ID, code); err != nil {
		t.Fatalf("the first code stopped working after a failed resend: %v", err)
	}
}

func TestOTPWebOTPLine(t *testing.T) {
	tests := []struct {
		name, domain, host, want string
	}{
		{"off", "", "crm.example.com", ""},
		{"public host", "auth.example.com", "", "@auth.example.com #"},
		{"portal host", "auth.example.com", "crm.example.com", "@crm.example.com #"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOTP(t, func(c *auth.OTPConfig) { c.WebOTPDomain = tt.domain })
			ctx := auth.WithRequester(context.Background(), auth.Requester{Host: tt.host})
			if _, err := f.otp.Start(ctx, "alice", "+12015550100", "login"); err != nil {
				t.Fatal(err)
			}
			m := f.sender.last(t)
			lines := strings.Split(m.Body, "\n")
			last := lines[len(lines)-1]
			if tt.want == "" {
				if strings.Contains(m.Body, "@") || len(lines) != 1 {
					t.Fatalf("body %q has a WebOTP line", m.Body)
				}
				return
			}
			if last != tt.want+m.Code || !strings.HasPrefix(m.Body, "Your Acme code is "+m.Code+".") {
				t.Fatalf("body %q: last line %q, want %q", m.Body, last, tt.want+m.Code)
			}
		})
	}
}

// slowSender takes d per message, like a provider over the network.
type slowSender struct {
	recordingSender
	d time.Duration
}

func (s *slowSender) Send(ctx context.Context, m auth.Message) error {
	time.Sleep(s.d)
	return s.recordingSender.Send(ctx, m)
}

func TestOTPDecoyTakesAsLongAsASend(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, nil)
	s := &slowSender{d: 120 * time.Millisecond}
	o := auth.NewOTP(f.store, s, []byte("0123456789abcdef0123456789abcdef"), f.otp.Config(), f.clock, nil)
	if _, err := o.Start(ctx, "alice", "+12015550100", "login"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := o.StartDecoy(ctx, "+12015550199", "login"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("a decoy took %s, a real send %s: unknown numbers would show", d, s.d)
	}
}
