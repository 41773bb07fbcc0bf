package auth_test

import (
	"context"
	"errors"
	"fmt"
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
	if started, _, _ := fc.counts(); started != 1 || fc.count() != 0 || ch.Ref != "VE1" {
		t.Fatalf("started %d, sent %d, ref %q: want the provider to send", started, fc.count(), ch.Ref)
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
		// Nothing was being sent: the person is told the code could not
		// be checked, not that it could not be sent.
		if _, err := f.otp.Verify(ctx, ch.ID, fc.code(ch.Ref)); !errors.Is(err, auth.ErrCheckFailed) {
			t.Fatalf("err = %v, want ErrCheckFailed", err)
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
