package auth_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// outageChecker is a provider that makes and checks its own codes
// (fakeChecker) and, for its checks, fails with checkErr, and takes
// cancelDelay (or until its context ends) to cancel a verification: an
// outage, a refusal, or a provider whose cancels hang.
type outageChecker struct {
	*fakeChecker
	checkErr    error
	cancelDelay time.Duration
}

func (o *outageChecker) CheckCode(ctx context.Context, ref, to, code string) (bool, error) {
	if o.checkErr != nil {
		return false, o.checkErr
	}
	return o.fakeChecker.CheckCode(ctx, ref, to, code)
}

func (o *outageChecker) CancelVerification(ctx context.Context, ref string) error {
	t := time.NewTimer(o.cancelDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return errors.Join(auth.ErrSMSFailed, ctx.Err())
	}
	return o.fakeChecker.CancelVerification(ctx, ref)
}

// teachProviderTime signs alice in with her password and code (before
// p fails), so that w's OTP times a send and a check at p: decoys learn
// the provider's time from such codes after a proof.
func teachProviderTime(t *testing.T, w *loginWorld, p *fakeChecker) {
	t.Helper()
	ctx := context.Background()
	st, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: alwaysCode, Accepts: smsOnly})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.login.VerifyCode(ctx, client, st.Session, p.code("VE1")); err != nil {
		t.Fatal(err)
	}
}

// codeAnswer is what the asker of a code step sees of err.
func codeAnswer(err error) string {
	switch {
	case err == nil:
		return "signed in"
	case errors.Is(err, auth.ErrOTPLastAttempt):
		return "wrong, one try left"
	case errors.Is(err, auth.ErrOTPInvalid):
		return "wrong"
	case errors.Is(err, auth.ErrOTPAttemptsUsed):
		return "wrong, tries used up"
	}
	return answer(err)
}

// TestHiddenCodesAnswerAsADecoysWhateverTheProvider: with a provider
// that checks the codes, a code-only sign-in for an account's number
// asks it, one for a number without an account (a decoy) does not.
// While the provider was down, throttled, or said the verification was
// over, the account's number answered each code with the provider's
// failure (ErrCheckFailed, a RateLimitError, code expired) where the
// decoy answered "wrong"; while its cancels hung, the account's last
// wrong code waited for one, up to sms.timeout. Now each code answers
// as the decoy's, in its time; a code the provider gave no verdict on
// is counted as a wrong one (the right code typed through an outage
// uses up the tries, no free guesses), and is on the trail (otp_failed,
// answered as_wrong).
func TestHiddenCodesAnswerAsADecoysWhateverTheProvider(t *testing.T) {
	const hang = 3 * time.Second
	const stranger = "+12015550177"
	const attempts = 3 // otp.max_attempts here
	for _, tc := range []struct {
		name     string
		provider outageChecker
		unjudged bool // the provider gives no verdict
	}{
		{"provider down", outageChecker{checkErr: fmt.Errorf("twilio check: status 503: %w", auth.ErrSMSFailed)}, true},
		{"provider throttles", outageChecker{checkErr: fmt.Errorf("twilio check: 20429: %w", &auth.RateLimitError{RetryAfter: time.Minute, Reason: "provider_limit"})}, true},
		{"provider ended the verification", outageChecker{checkErr: fmt.Errorf("twilio check: 60202: %w", auth.ErrOTPExpired)}, true},
		{"cancels hang", outageChecker{cancelDelay: hang}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each code waits a decoy's second
			p := tc.provider
			p.fakeChecker, p.checkErr = newFakeChecker(), nil // the outage comes after the proved sign-in
			w := newLoginWorld(t, func(d *auth.LoginDeps) {
				cfg := d.OTP.Config()
				cfg.MaxAttempts = attempts
				d.OTP = auth.NewOTP(d.KV.(auth.Store), &p, []byte("0123456789abcdef0123456789abcdef"), cfg, d.Clock, nil)
			})
			ctx := context.Background()
			teachProviderTime(t, w, p.fakeChecker)
			realC, decoyC := auth.Client{IP: "192.0.2.7"}, auth.Client{IP: "192.0.2.8"}
			p.checkErr = tc.provider.checkErr
			real, err := w.login.Passwordless(ctx, realC, nil, lwPhone, false)
			if err != nil {
				t.Fatal(err)
			}
			decoy, err := w.login.Passwordless(ctx, decoyC, nil, stranger, false)
			if err != nil {
				t.Fatal(err)
			}
			right := p.code("VE2")
			typed := right // a person types their code through the outage
			if !tc.unjudged {
				typed = wrong(right)
			}
			var realAnswers, decoyAnswers []string
			for i := range attempts {
				began := time.Now()
				_, rerr := w.login.VerifyCode(ctx, realC, real.Session, typed)
				rt := time.Since(began)
				began = time.Now()
				_, derr := w.login.VerifyCode(ctx, decoyC, decoy.Session, "000000")
				dt := time.Since(began)
				realAnswers, decoyAnswers = append(realAnswers, codeAnswer(rerr)), append(decoyAnswers, codeAnswer(derr))
				if rt > hang/2 || dt > hang/2 {
					t.Errorf("code %d: the account's number answered in %v, a number without an account in %v", i+1, rt, dt)
				}
			}
			if !slices.Equal(realAnswers, decoyAnswers) {
				t.Fatalf("the account's number answered %q, a number without an account %q", realAnswers, decoyAnswers)
			}
			if last := realAnswers[len(realAnswers)-1]; last != "wrong, tries used up" {
				t.Fatalf("the last code answered %q, want the tries used up", last)
			}
			// The tries are spent: the right code, the provider back,
			// does not sign in.
			p.checkErr = nil
			if _, err := w.login.VerifyCode(ctx, realC, real.Session, right); err == nil {
				t.Fatal("the right code signed in after every try was used up")
			}
			if !tc.unjudged {
				return
			}
			unjudged := 0
			w.events.mu.Lock()
			for _, e := range w.events.events {
				if e.Name == "otp_failed" && e.User == "alice" && errors.Is(e.Err, auth.ErrCheckFailed) && slices.Contains(e.Attrs, any("as_wrong")) {
					unjudged++
				}
			}
			w.events.mu.Unlock()
			if unjudged != attempts {
				t.Errorf("%d of alice's unjudged codes on the trail (otp_failed, answered as_wrong), want %d", unjudged, attempts)
			}
		})
	}
}

// hangingChecker is a provider that makes its own codes (fakeChecker)
// and holds every check until released, as one that hangs until
// sms.timeout does, keeping count of the checks it holds at once.
type hangingChecker struct {
	*fakeChecker
	release chan struct{}

	mu             sync.Mutex
	held, mostHeld int
}

func (h *hangingChecker) CheckCode(ctx context.Context, ref, to, code string) (bool, error) {
	h.mu.Lock()
	h.held++
	h.mostHeld = max(h.mostHeld, h.held)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.held--
		h.mu.Unlock()
	}()
	select {
	case <-h.release:
	case <-ctx.Done():
		return false, errors.Join(auth.ErrSMSFailed, ctx.Err())
	}
	return h.fakeChecker.CheckCode(ctx, ref, to, code)
}

func (h *hangingChecker) most() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mostHeld
}

// TestHiddenChecksInFlightAreCapped: while the provider hangs, each
// code of a code-only sign-in is answered in a decoy's time as a wrong
// one, its check going on after the answer; at most
// OTPConfig.MaxSendsInFlight such checks are at the provider at once,
// so that codes typed during a hang cannot pile up goroutines and
// connections without bound. Past the cap no check is made, and the
// code is answered as a wrong one all the same.
func TestHiddenChecksInFlightAreCapped(t *testing.T) {
	const limit = 2
	ctx := context.Background()
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxSendsInFlight, c.MaxSends = limit, 100 })
	p := &hangingChecker{fakeChecker: newFakeChecker(), release: make(chan struct{})}
	release := sync.OnceFunc(func() { close(p.release) })
	t.Cleanup(release)
	time.AfterFunc(4*time.Second, release) // the hang's end, if the answers wait for it
	o := auth.NewOTP(f.store, p, []byte("0123456789abcdef0123456789abcdef"), f.otp.Config(), f.clock, nil)
	// A code after a proof times a send (a decoy's checks take about
	// twice as long before a check was timed).
	if _, err := o.StartProved(ctx, "bob", "+12015550199", "login"); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range limit + 2 {
		ch, err := auth.StartHidden(o, ctx, "alice", fmt.Sprintf("+1201555010%d", i), "login")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ch.ID)
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			began := time.Now()
			_, err := o.Verify(ctx, id, "123456")
			if took := time.Since(began); !errors.Is(err, auth.ErrOTPInvalid) || took > 2*time.Second {
				t.Errorf("code %d while the provider hangs: %v in %v, want a wrong code's answer in a decoy's time", i, err, took)
			}
		})
	}
	wg.Wait()
	eventually(t, "the checks under the cap at the provider", func() bool { return p.most() >= limit })
	if n := p.most(); n != limit {
		t.Fatalf("%d checks were at the provider at once, want the cap, %d", n, limit)
	}
	release()
	if err := o.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}
