package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// hangingSender is a provider that holds every send until released,
// as one that hangs until sms.timeout does, and keeps count of the
// sends it holds at once.
type hangingSender struct {
	codeBox
	release chan struct{}

	mu             sync.Mutex
	held, mostHeld int
}

func (s *hangingSender) Send(ctx context.Context, m auth.Message) error {
	s.mu.Lock()
	s.held++
	s.mostHeld = max(s.mostHeld, s.held)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.held--
		s.mu.Unlock()
	}()
	select {
	case <-s.release:
	case <-ctx.Done():
		return errors.Join(auth.ErrSMSFailed, ctx.Err())
	}
	return s.codeBox.Send(ctx, m)
}

func (s *hangingSender) most() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mostHeld
}

// eventually waits up to 5 s for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s, still not: %s", what)
		}
	}
}

// TestHiddenSendsInFlightAreCapped: a code-only sign-in is answered in a
// decoy's time while the provider hangs, its send going on after the
// answer; at most OTPConfig.MaxSendsInFlight such sends are at the
// provider at once, so a hung provider cannot pile up goroutines and
// connections without bound. Past the cap the sign-in is answered as
// a decoy's, nothing is sent, and the refusal is audited
// (otp_send_failed, ErrSendsInFlight) and counted (refused). Before,
// each answer waited for the provider.
func TestHiddenSendsInFlightAreCapped(t *testing.T) {
	const limit = 2
	hung := &hangingSender{release: make(chan struct{})}
	var otp *auth.OTP
	w := newLoginWorld(t, func(d *auth.LoginDeps) {
		cfg := d.OTP.Config()
		cfg.MaxSendsInFlight = limit
		otp = auth.NewOTP(d.KV.(auth.Store), hung, []byte("0123456789abcdef0123456789abcdef"), cfg, d.Clock, nil)
		d.OTP = otp
	})
	ctx := context.Background()
	c := auth.Client{IP: "192.0.2.7"}
	var sessions []*auth.Session
	release := sync.OnceFunc(func() { close(hung.release) })
	t.Cleanup(release)
	for i := range limit + 3 {
		answer := make(chan auth.Step, 1)
		go func() {
			st, err := w.login.Passwordless(ctx, c, nil, lwPhone, false)
			if err != nil || st.Code == nil {
				t.Errorf("sign-in %d while the provider hangs: %v", i, err)
			}
			answer <- st
		}()
		select {
		case st := <-answer:
			sessions = append(sessions, st.Session)
		case <-time.After(time.Second):
			// A decoy's takes at most 3 s, here a few ms.
			t.Fatalf("sign-in %d was not answered within a second while the provider hangs", i)
		}
	}
	if n := hung.most(); n != limit {
		t.Fatalf("%d sends were at the provider at once, want the cap, %d", n, limit)
	}
	refused := 0
	w.events.mu.Lock()
	for _, e := range w.events.events {
		if e.Name == "otp_send_failed" && errors.Is(e.Err, auth.ErrSendsInFlight) && e.User == "alice" {
			refused++
		}
	}
	w.events.mu.Unlock()
	if refused != 3 {
		t.Fatalf("%d sends past the cap audited otp_send_failed, want 3", refused)
	}
	stats, err := otp.SendStats(ctx)
	if err != nil || len(stats) != 1 || stats[0].Refused != 3 {
		t.Fatalf("send counts %+v, %v: want the 3 sends past the cap refused", stats, err)
	}
	release()
	eventually(t, "the held sends delivered", func() bool { return hung.count() == limit })
	// The held sends' codes sign in (they end in any order); the
	// refused ones' sessions have none.
	var codes []string
	hung.codeBox.mu.Lock()
	for _, m := range hung.msgs {
		codes = append(codes, m.Code)
	}
	hung.codeBox.mu.Unlock()
	signsIn := func(sess *auth.Session) bool {
		for _, code := range codes {
			if _, err := w.login.VerifyCode(ctx, c, sess, code); err == nil {
				return true
			}
		}
		return false
	}
	// (Not every refused one: wrong codes past regulation's 5 ban.)
	for i, sess := range sessions[:limit+1] {
		if got, want := signsIn(sess), i < limit; got != want {
			t.Fatalf("sign-in %d signed in with a delivered code: %v, want %v (the first %d were sent)", i, got, want, limit)
		}
	}
	// With the provider back, a send goes to it again.
	if _, err := w.login.Passwordless(ctx, c, nil, lwPhone, false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a send after the cap", func() bool { return hung.count() == limit+1 })
}

// slowVerifier is a provider that makes and checks its own codes and
// takes d to start a verification.
type slowVerifier struct {
	*fakeChecker
	d time.Duration
}

func (s slowVerifier) StartVerification(ctx context.Context, m auth.Message) (string, error) {
	time.Sleep(s.d)
	return s.fakeChecker.StartVerification(ctx, m)
}

// TestSlowVerificationTellsNoAccount: with a provider that makes the
// codes (Twilio Verify, Sinch), a code-only sign-in for an account's
// number is answered in a decoy's time while the provider is slow, and
// the provider's code, sent after the answer, still signs in. Before,
// the answer waited for the provider.
func TestSlowVerificationTellsNoAccount(t *testing.T) {
	const slow = 2 * time.Second
	fc := newFakeChecker()
	w := newLoginWorld(t, func(d *auth.LoginDeps) {
		d.OTP = auth.NewOTP(d.KV.(auth.Store), slowVerifier{fc, slow}, []byte("0123456789abcdef0123456789abcdef"), d.OTP.Config(), d.Clock, nil)
	})
	ctx := context.Background()
	c := auth.Client{IP: "192.0.2.7"}
	began := time.Now()
	st, err := w.login.Passwordless(ctx, c, nil, lwPhone, false)
	if err != nil || st.Code == nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d > slow/2 {
		t.Fatalf("answered in %v while the provider took %v", d, slow)
	}
	eventually(t, "the verification started", func() bool { started, _, _ := fc.counts(); return started == 1 })
	time.Sleep(100 * time.Millisecond) // its reference is stored just after
	if _, err := w.login.VerifyCode(ctx, c, st.Session, fc.code("VE1")); err != nil {
		t.Fatalf("the provider's code, sent after the answer: %v", err)
	}
}
