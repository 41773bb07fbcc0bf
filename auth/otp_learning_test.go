package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// slowProvider is a provider that makes and checks its own codes
// (fakeChecker) and takes d for each send and check while d is set,
// as Twilio Verify or Sinch do when they are slow.
type slowProvider struct {
	*fakeChecker
	d time.Duration
}

func (s *slowProvider) StartVerification(ctx context.Context, m auth.Message) (string, error) {
	time.Sleep(s.d)
	return s.fakeChecker.StartVerification(ctx, m)
}

func (s *slowProvider) CheckCode(ctx context.Context, ref, to, code string) (bool, error) {
	time.Sleep(s.d)
	return s.fakeChecker.CheckCode(ctx, ref, to, code)
}

// TestStrangersCallsTeachDecoysNothing: a decoy imitates the provider's
// usual time, learnt from the calls it times. It learnt from every
// call, those of a code-only sign-in for an account's number included,
// which a decoy never makes: while the provider was slow, a stranger
// who timed a decoy of their own, asked a code-only sign-in and typed
// a code for a number, and timed a decoy again saw the decoy slow down
// (a 50 ms send became 2 s, a 1 s check 3 s) only when the number has
// an account. Decoys now learn only from calls no stranger can cause
// (docs/contract.md, "SMS delivery").
func TestStrangersCallsTeachDecoysNothing(t *testing.T) {
	const slow = 2 * time.Second
	p := &slowProvider{fakeChecker: newFakeChecker()}
	var otp *auth.OTP
	w := newLoginWorld(t, func(d *auth.LoginDeps) {
		otp = auth.NewOTP(d.KV.(auth.Store), p, []byte("0123456789abcdef0123456789abcdef"), d.OTP.Config(), d.Clock, nil)
		d.OTP = otp
	})
	ctx := context.Background()
	c := auth.Client{IP: "192.0.2.7"}
	// decoy times a code-only sign-in and a code for a number without
	// an account.
	decoy := func(phone string) (send, check time.Duration) {
		began := time.Now()
		st, err := w.login.Passwordless(ctx, c, nil, phone, false)
		if err != nil {
			t.Fatal(err)
		}
		send = time.Since(began)
		began = time.Now()
		_, _ = w.login.VerifyCode(ctx, c, st.Session, "123456")
		return send, time.Since(began)
	}
	send0, check0 := decoy("+12015550177")

	// The probe: alice's number, the provider slow; its calls end after
	// their answers.
	p.d = slow
	st, err := w.login.Passwordless(ctx, c, nil, lwPhone, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := otp.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	_, _ = w.login.VerifyCode(ctx, c, st.Session, "123456")
	if err := otp.Wait(ctx); err != nil {
		t.Fatal(err)
	}

	send1, check1 := decoy("+12015550178")
	if send1 > send0+slow/4 || check1 > check0+slow/4 {
		t.Fatalf("a decoy's send took %v and its check %v before a stranger's probe of an account's number, %v and %v after it", send0, check0, send1, check1)
	}
}
