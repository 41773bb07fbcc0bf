package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// stallingProvider is an SMS provider that takes delay to answer each
// send and then fails it with err, or hands it to next (nil err), as
// Twilio, Sinch or a webhook do when they are slow or hang until
// sms.timeout.
type stallingProvider struct {
	next auth.Sender

	mu    sync.Mutex
	delay time.Duration
	err   error
}

func (p *stallingProvider) set(delay time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay, p.err = delay, err
}

func (p *stallingProvider) Send(ctx context.Context, m auth.Message) error {
	p.mu.Lock()
	delay, err := p.delay, p.err
	p.mu.Unlock()
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return fmt.Errorf("stalling provider: %w: %w", auth.ErrSMSFailed, ctx.Err())
	}
	if err != nil {
		return err
	}
	return p.next.Send(ctx, m)
}

// TestSlowProviderTellsNoAccount: a code-only sign-in for a number
// without an account gets a decoy, which calls no provider and answers
// in about the time a send usually takes (at most 3 s); one for an
// account's number waited for the provider. While the provider was slow
// or hung until sms.timeout (10 s by default), the account's number
// answered seconds after the unknown one: anyone could tell which
// numbers have accounts by timing alone. An anonymous send is now
// answered once a decoy's time is up, while the send goes on: its code
// still arrives and signs in, and its failure is on the trail
// (otp_send_failed). A person who proved the password, or is signed in,
// still waits and is told (docs/contract.md, "SMS delivery").
func TestSlowProviderTellsNoAccount(t *testing.T) {
	t.Parallel()
	const stranger = "+12015550177" // no account has it
	const slow = 4 * time.Second    // the provider's time now
	// A decoy waits a send's usual time ±25%, learnt from the codes
	// after a proof (none here: 50 ms), at most 3 s: an answer within
	// 3 s is a decoy's time, one of 4 s waited for the provider.
	const bound = slow * 3 / 4
	p := &stallingProvider{delay: 100 * time.Millisecond}
	h := newHarness(t, withAccounts, setup{sender: p, edit: func(cfg *config.Config, _ string) {
		cfg.OTP.MaxSends.Count = 100
		cfg.OTP.MaxSendsPerIP.Count = 100
	}})
	p.next = auth.NewConsoleSender("", h.sms, h.clock)
	start := func(phone string) (time.Duration, *client) {
		c := h.newClient(t)
		began := time.Now()
		c.api(smsHost, "sms/start", map[string]string{"phone": phone}).wantStatus(t, http.StatusOK)
		return time.Since(began), c
	}
	sentTo := func(phone string) int {
		n := 0
		for _, m := range h.sms.messages(t) {
			if m.To == phone {
				n++
			}
		}
		return n
	}
	// Two sends at the provider's usual speed (a code-only sign-in's
	// teach the decoys nothing).
	for range 2 {
		start(bob.phone)
	}

	p.set(slow, nil)
	var last *client
	for i := range 3 {
		var real, unknown time.Duration
		real, last = start(bob.phone)
		unknown, _ = start(stranger)
		if real > bound || unknown > bound {
			t.Errorf("try %d, the provider taking %v: bob's number answered in %v, a number without an account in %v", i, slow, real, unknown)
		}
	}
	// The slow sends still go out, and the last one's code signs in.
	for deadline := time.Now().Add(10 * time.Second); sentTo(bob.phone) < 5 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if n := sentTo(bob.phone); n != 5 {
		t.Fatalf("bob's number got %d texts, want 5: the slow sends were not delivered", n)
	}
	if n := sentTo(stranger); n != 0 {
		t.Fatalf("the number without an account got %d texts", n)
	}
	r := last.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)})
	if r.status != http.StatusOK || r.jsonMap(t)["status"] != "authenticated" {
		t.Fatalf("the code of a send that outlasted its answer: %d %s", r.status, r.body)
	}

	// A slow send that fails in the end (sms.timeout) is answered as the
	// decoy would be, and its failure is on the trail.
	p.set(slow, fmt.Errorf("twilio send: %w: %w", auth.ErrSMSFailed, context.DeadlineExceeded))
	real, c := start(bob.phone)
	unknown, u := start(stranger)
	if real > bound || unknown > bound {
		t.Errorf("the provider timing out after %v: bob's number answered in %v, a number without an account in %v", slow, real, unknown)
	}
	time.Sleep(slow + time.Second) // the failure comes after the answer
	if !strings.Contains(string(trail(t, h, "otp_send_failed").body), `"user":"bob"`) {
		t.Fatal("the failed send to bob's number is not on the trail (otp_send_failed)")
	}
	wrong := url.Values{"code": {"000000"}}
	if acc, unk := answerShape(t, c.form(smsHost, "/otp", wrong)), answerShape(t, u.form(smsHost, "/otp", wrong)); acc != unk {
		t.Errorf("a code after the failed send answers\n\t%s\nand after a number without an account\n\t%s", acc, unk)
	}

	// After the password, and signed in, the failure is waited for and
	// said.
	p.set(100*time.Millisecond, nil)
	alicec := h.newClient(t)
	alicec.signIn(crmHost, alice)
	p.set(slow, fmt.Errorf("twilio send: status 503: %w", auth.ErrSMSFailed))
	began := time.Now()
	if r := h.newClient(t).login(crmHost, bob); r.status < 400 || r.errorCode(t) != "sms_failed" || time.Since(began) < slow {
		t.Errorf("bob's password, his code failing after %v: %d %s in %v, want the failure said once it came", slow, r.status, r.body, time.Since(began))
	}
	began = time.Now()
	if r := alicec.form(authHost, "/account/phone", url.Values{"phone": {stranger}}); r.status < 400 || time.Since(began) < slow {
		t.Errorf("alice's phone change, its code failing after %v: %d in %v, want the failure said once it came", slow, r.status, time.Since(began))
	}
}
