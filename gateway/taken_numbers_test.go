package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// A number another account has is never told to whoever types it: sign-up
// and the account page's phone change answer as for a free number, take
// the same anonymous quotas, and text the number a notice in place of a
// code, in the time one send takes (docs/contract.md, "Sign-up",
// "Account page").

// TestPhoneChangeDoesNotTellWhoHasANumber: before, moving an account to a
// number another account has answered 409 already_exists at once, with
// nothing sent and no quota spent: any signed-in person (sign-up is
// open) could test numbers without limit.
func TestPhoneChangeDoesNotTellWhoHasANumber(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	c.signIn(crmHost, bob) // password and code: fresh proofs
	taken := c.form(authHost, "/account/phone", url.Values{"phone": {alice.phone}})
	msgs := h.sms.messages(t)
	notice := msgs[len(msgs)-1]
	free := c.form(authHost, "/account/phone", url.Values{"phone": {"+12015550178"}})
	if taken.status != free.status || taken.header.Get("Location") != free.header.Get("Location") {
		t.Fatalf("phone change answers %d (%s) for a number an account has and %d (%s) for a free one",
			taken.status, taken.header.Get("Location"), free.status, free.header.Get("Location"))
	}
	if notice.To != alice.phone || codeRE.MatchString(notice.Body) {
		t.Errorf("the taken number got %+v; want a notice without a code", notice)
	}
}

// TestPhoneChangeSpendsTheAnonymousBudget: a new number is one nobody has
// proved, so a phone change's code is an anonymous send. Before, it took
// the proved budget, which neither otp.budget nor the per-client quota
// limits: one account texted ten numbers of one range (SMS pumping).
func TestPhoneChangeSpendsTheAnonymousBudget(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		cfg.OTP.Budget.PerPrefixPerHour = 3
	}})
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	before := h.sms.count(t)
	for i := range 10 {
		c.form(authHost, "/account/phone", url.Values{"phone": {fmt.Sprintf("+1201555017%d", i)}})
	}
	if n := h.sms.count(t) - before; n > 3 {
		t.Fatalf("one account texted %d numbers of one range through phone changes; otp.budget allows 3 an hour", n)
	}
}

// slowSender is a provider that takes 300 ms a message, as a real one
// may.
type slowSender struct{ auth.Sender }

func (s slowSender) Send(ctx context.Context, m auth.Message) error {
	time.Sleep(300 * time.Millisecond)
	return s.Sender.Send(ctx, m)
}

// TestSignupWithATakenPhoneTakesOneSend: a sign-up with a phone an
// account has answers like a fresh one; before, it imitated a send and
// then sent the notice as well, so it took twice a send's time and the
// timing told which numbers have accounts.
func TestSignupWithATakenPhoneTakesOneSend(t *testing.T) {
	t.Parallel()
	box := &smsBox{}
	h := newHarness(t, withAccounts, setup{sender: slowSender{auth.NewConsoleSender("", box, nil)}})
	signup := func(i int, phone string) time.Duration {
		start := time.Now()
		h.newClient(t).api(crmHost, "signup", map[string]string{
			"username": fmt.Sprintf("probe%d", i), "email": fmt.Sprintf("probe%d@example.org", i),
			"password": "a long unusual passphrase", "phone": phone, "name": "Probe",
		}).wantStatus(t, http.StatusCreated)
		return time.Since(start)
	}
	signup(0, "+12015550150") // a real send teaches the decoys how long one takes,
	time.Sleep(time.Second)   // once it ends, which may be after its answer
	var fresh, taken []time.Duration
	for i := 1; i <= 5; i++ {
		fresh = append(fresh, signup(i, fmt.Sprintf("+1201555015%d", i)))
		taken = append(taken, signup(10+i, bob.phone))
	}
	slices.Sort(fresh)
	slices.Sort(taken)
	if d := taken[2] - fresh[2]; d > 150*time.Millisecond {
		t.Fatalf("a sign-up with a taken phone took %v longer (median) than a fresh one: fresh %v, taken %v", d, fresh, taken)
	}
	n := 0
	// The last sends may end after their answers.
	for deadline := time.Now().Add(5 * time.Second); n < 5 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		n = 0
		for _, m := range box.messages(t) {
			if m.To == bob.phone {
				n++
			}
		}
	}
	if n != 5 {
		t.Errorf("bob's number got %d messages for 5 sign-ups with it, want 5 notices", n)
	}
}

// TestPhoneChangedNoticeIsCounted: the notice to the old number after a
// phone change is a text like any other: the console's SMS page counts
// it (and prices it). Before, it went out past every count, so the page
// showed two texts where the provider billed three.
func TestPhoneChangedNoticeIsCounted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Admin.SMSPrices = map[string]float64{"default": 0.05}
	}})
	admin := h.newClient(t)
	admin.signIn(crmHost, alice) // one text to her number
	moved := "+12015550188"
	admin.form(authHost, "/account/phone", url.Values{"phone": {moved}}).wantStatus(t, http.StatusSeeOther)
	admin.form(authHost, "/account/phone/verify", url.Values{"code": {h.sms.code(t, moved)}}).wantStatus(t, http.StatusSeeOther)
	if n := h.sms.count(t); n != 3 {
		t.Fatalf("%d texts; want the sign-in's code, the new number's code and the old number's notice", n)
	}
	var out struct {
		Sends []struct{ Sent, Refused int }
	}
	r := consoleGet(admin, "sms")
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Sends) != 1 {
		t.Fatalf("sms report: %d %s", r.status, r.body)
	}
	if out.Sends[0].Sent != h.sms.count(t) {
		t.Errorf("the SMS page counts %d texts sent; %d went out", out.Sends[0].Sent, h.sms.count(t))
	}
}
