package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// TestSMSSlowTwilioTellsNoAccountAndShutdownWaits runs twilio_messaging
// against its fake made slow. A code-only sign-in for a number without
// an account is a decoy, answered in about a send's usual time; one for
// an account's number is answered in that time too while Twilio takes
// 3 s, and its message still goes out (before, the answer waited for
// Twilio: which numbers have accounts showed in the time alone). A
// shutdown then waits, within server.timeouts.shutdown, for a send
// answered before it and still at Twilio, which a process that exits
// would cut off.
func TestSMSSlowTwilioTellsNoAccountAndShutdownWaits(t *testing.T) {
	twilio := fakesms.NewTwilio(t, fakesms.TwilioOptions{From: []string{"+12015550199"}})
	w := startSMSGateway(t, "provider: twilio_messaging\ntimeout: 5s\ntwilio:\n  account_sid: "+twilio.AccountSID+"\n  auth_token: "+twilio.AuthToken+"\n  from: \"+12015550199\"\n  base_url: "+twilio.URL,
		"max_sends: { count: 20, window: 1h }")
	start := func(phone string) time.Duration {
		t.Helper()
		began := time.Now()
		if status, body := w.client(t).api("sms/start", map[string]string{"phone": phone}); status != http.StatusOK {
			t.Fatalf("code-only sign-in for %s: %d %v", phone, status, body)
		}
		return time.Since(began)
	}
	sent := func(n int) bool {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if len(twilio.Messages()) >= n {
				return true
			}
		}
		return false
	}
	// Two sends at the fake's speed (a code-only sign-in's teach the
	// decoys nothing: they answer in 50 ms).
	start(smsAlicePhone)
	start(smsAlicePhone)
	if !sent(2) {
		t.Fatal("the first sends did not go out")
	}
	const slow = 3 * time.Second
	twilio.FailNext(fakesms.Failure{Delay: slow})
	real, unknown := start(smsAlicePhone), start("+12015550177")
	if real > slow/2 || unknown > slow/2 {
		t.Fatalf("Twilio taking %v: an account's number answered in %v, a number without an account in %v", slow, real, unknown)
	}
	if !sent(3) {
		t.Fatal("the slow send did not go out")
	}

	twilio.FailNext(fakesms.Failure{Delay: 2 * time.Second})
	start(smsAlicePhone)
	w.stop()
	if n := len(twilio.Messages()); n != 4 {
		t.Fatalf("Twilio got %d messages when serve returned, want 4: the shutdown cut off a send answered before it", n)
	}
}
