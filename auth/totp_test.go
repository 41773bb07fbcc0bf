package auth_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// smsOnly is the Accepts of a target that takes text-message codes only.
func smsOnly(*auth.Session, *auth.User) []string { return []string{auth.MethodSMS} }

// recordingStore is a memory store that keeps every value written, to
// show what the store would hold at rest.
type recordingStore struct {
	*memstore.Store
	mu      sync.Mutex
	written [][]byte
	keys    map[string]struct{} // every key written (longrun_test.go)
}

func (r *recordingStore) record(v []byte) {
	r.mu.Lock()
	r.written = append(r.written, bytes.Clone(v))
	r.mu.Unlock()
}

func (r *recordingStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	r.record([]byte(key))
	r.record(value)
	r.note(key)
	return r.Store.Set(ctx, key, value, ttl)
}

func (r *recordingStore) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	r.record([]byte(key))
	r.record(value)
	r.note(key)
	return r.Store.SetNX(ctx, key, value, ttl)
}

// appCode is what an authenticator app with secret shows at t.
func appCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrolApp sets up an authenticator app for alice through the login
// service (after a fresh two-factor sign-in) and returns its secret and
// the session.
func (w *loginWorld) enrolApp(t *testing.T) (string, *auth.Session) {
	t.Helper()
	ctx := context.Background()
	sess := w.signIn(t)
	u, err := w.users.Lookup(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	e, err := w.login.TOTPEnrolStart(ctx, client, sess, u)
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.login.TOTPEnrolFinish(ctx, client, sess, u, appCode(t, e.Secret, w.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	// The enrolment's step is spent: move on to a fresh one.
	w.clock.Advance(auth.TOTPPeriod)
	return e.Secret, st.Session
}

// passwordStep signs alice in with her password for a target taking
// accepted second factors and returns the step.
func (w *loginWorld) passwordStep(t *testing.T, accepted []string) auth.Step {
	t.Helper()
	st, err := w.login.Password(context.Background(), client, nil, auth.PasswordIn{
		Login: "alice", Password: lwPassword, NeedsCode: alwaysCode,
		Accepts: func(*auth.Session, *auth.User) []string { return accepted },
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestTOTPSignIn: after the password, an account with an app is asked for
// the app's code (no text sent), and the code adds the otp proof.
func TestTOTPSignIn(t *testing.T) {
	w := newLoginWorld(t)
	secret, _ := w.enrolApp(t)
	sent := w.sms.count()
	st := w.passwordStep(t, nil)
	if !st.TOTP || st.Code != nil || w.sms.count() != sent {
		t.Fatalf("password step: TOTP %v, code %v, texts %d→%d; want the app asked, no text", st.TOTP, st.Code, sent, w.sms.count())
	}
	st, err := w.login.TOTPCode(context.Background(), client, st.Session, appCode(t, secret, w.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Session.Methods(); len(got) != 2 || got[0] != auth.MethodPassword || got[1] != auth.MethodOTP {
		t.Fatalf("methods = %v, want [pwd otp]", got)
	}
	if !w.events.has("totp_used", "alice") || !w.events.has("totp_enrolled", "alice") {
		t.Error("totp_enrolled and totp_used not audited")
	}
	// A target that takes only text messages still texts a code.
	if st := w.passwordStep(t, []string{auth.MethodSMS}); st.TOTP || st.Code == nil {
		t.Fatalf("sms-only target: TOTP %v, code %v; want a text", st.TOTP, st.Code)
	}
}

// TestTOTPReplay: a code is accepted once; the same code again, or a code
// of an earlier step after a later one was accepted, is refused and
// counted as a wrong code.
func TestTOTPReplay(t *testing.T) {
	w := newLoginWorld(t)
	secret, _ := w.enrolApp(t)
	w.clock.Advance(auth.TOTPPeriod) // the step before is not the enrolment's
	ctx := context.Background()
	now := w.clock.Now()
	code := appCode(t, secret, now)
	st := w.passwordStep(t, nil)
	if _, err := w.login.TOTPCode(ctx, client, st.Session, code); err != nil {
		t.Fatal(err)
	}
	st = w.passwordStep(t, nil)
	if _, err := w.login.TOTPCode(ctx, client, st.Session, code); !errors.Is(err, auth.ErrTOTPInvalid) {
		t.Fatalf("same code again: %v, want ErrTOTPInvalid", err)
	}
	if !w.events.hasReason("login_failed", "totp_replayed") {
		t.Error("replay not audited as login_failed totp_replayed")
	}
	// The next step's code is fine; the previous step's, though still
	// within the skew, is not any more.
	next := appCode(t, secret, now.Add(auth.TOTPPeriod))
	if _, err := w.login.TOTPCode(ctx, client, st.Session, next); err != nil {
		t.Fatalf("next step's code: %v", err)
	}
	st = w.passwordStep(t, nil)
	if _, err := w.login.TOTPCode(ctx, client, st.Session, appCode(t, secret, now.Add(-auth.TOTPPeriod))); !errors.Is(err, auth.ErrTOTPInvalid) {
		t.Fatalf("earlier step after a later one: %v, want ErrTOTPInvalid", err)
	}
}

// TestTOTPReplayConcurrent: of many concurrent uses of one code, exactly
// one succeeds.
func TestTOTPReplayConcurrent(t *testing.T) {
	w := newLoginWorld(t)
	secret, _ := w.enrolApp(t)
	code := appCode(t, secret, w.clock.Now())
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w.totp.Check(context.Background(), "alice", code) == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d concurrent uses of one code succeeded, want 1", ok)
	}
}

// TestTOTPSkew: the codes of the step before and after the current one
// are accepted; two steps away are not.
func TestTOTPSkew(t *testing.T) {
	for _, tc := range []struct {
		off  time.Duration
		want error
	}{
		{-2 * auth.TOTPPeriod, auth.ErrTOTPInvalid},
		{-auth.TOTPPeriod, nil},
		{auth.TOTPPeriod, nil},
		{2 * auth.TOTPPeriod, auth.ErrTOTPInvalid},
	} {
		w := newLoginWorld(t)
		secret, _ := w.enrolApp(t)
		w.clock.Advance(3 * auth.TOTPPeriod) // clear of the enrolment's step
		err := w.totp.Check(context.Background(), "alice", appCode(t, secret, w.clock.Now().Add(tc.off)))
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("code %v from now: %v, want %v", tc.off, err, tc.want)
		}
	}
}

// TestTOTPWrongCodesBan: wrong app codes count against the account like
// wrong text-message codes, until a ban.
func TestTOTPWrongCodesBan(t *testing.T) {
	w := newLoginWorld(t)
	secret, _ := w.enrolApp(t)
	st := w.passwordStep(t, nil)
	ctx := context.Background()
	wrong := "000000"
	if wrong == appCode(t, secret, w.clock.Now()) {
		wrong = "111111"
	}
	var err error
	for range 6 {
		_, err = w.login.TOTPCode(ctx, client, st.Session, wrong)
	}
	if !errors.Is(err, auth.ErrBanned) {
		t.Fatalf("after 6 wrong app codes: %v, want ErrBanned", err)
	}
	if _, err := w.login.TOTPCode(ctx, client, st.Session, appCode(t, secret, w.clock.Now())); !errors.Is(err, auth.ErrBanned) {
		t.Fatalf("right code while banned: %v, want ErrBanned", err)
	}
}

// TestTOTPSecretEncryptedAtRest: nothing written to the store holds the
// secret, in base32 or raw, and a record under another secret key does
// not open.
func TestTOTPSecretEncryptedAtRest(t *testing.T) {
	w := newLoginWorld(t)
	secret, _ := w.enrolApp(t)
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	w.store.mu.Lock()
	for _, v := range w.store.written {
		for _, d := range decodings(v) {
			if bytes.Contains(d, []byte(secret)) || bytes.Contains(d, raw) {
				t.Errorf("the store was given the secret in clear: %q", v)
			}
		}
	}
	w.store.mu.Unlock()
	other, err := auth.NewTOTP(w.store, []byte("totp-names-key-0123456789abcdef!"), bytes.Repeat([]byte{7}, 32), "Acme", w.clock)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Check(context.Background(), "alice", appCode(t, secret, w.clock.Now())); !errors.Is(err, auth.ErrStoreUnavailable) {
		t.Fatalf("record under another key: %v, want ErrStoreUnavailable", err)
	}
}

// decodings are v and what it says once decoded: the base64 of the
// string fields of a JSON object, in either padding.
func decodings(v []byte) [][]byte {
	out := [][]byte{v}
	var fields map[string]any
	if json.Unmarshal(v, &fields) != nil {
		return out
	}
	for _, f := range fields {
		str, ok := f.(string)
		if !ok {
			continue
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(str); err == nil {
				out = append(out, d)
			}
		}
	}
	return out
}

// TestTOTPEnrolNeedsFreshProofs: setting an app up or removing it needs
// the password and the second factor proved within CredentialChangeAge.
func TestTOTPEnrolNeedsFreshProofs(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	u, _ := w.users.Lookup(ctx, "alice")
	pwdOnly := w.passwordStep(t, []string{auth.MethodSMS}).Session
	if _, err := w.login.TOTPEnrolStart(ctx, client, pwdOnly, u); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("enrol with the password only: %v, want ErrFreshProofNeeded", err)
	}
	_, sess := w.enrolApp(t)
	w.clock.Advance(auth.CredentialChangeAge)
	if err := w.login.TOTPRemove(ctx, client, sess, u); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("remove with stale proofs: %v, want ErrFreshProofNeeded", err)
	}
	// Password and text code fresh, but not the app: still refused.
	fresh := w.signIn(t)
	if err := w.login.TOTPRemove(ctx, client, fresh, u); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("remove without the app's proof: %v, want ErrFreshProofNeeded", err)
	}
	if _, err := w.login.TOTPEnrolStart(ctx, client, fresh, u); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("second enrolment: %v, want ErrFreshProofNeeded", err)
	}
	// Moving the phone or making recovery codes binds an authenticator
	// too: the app's proof is needed as well.
	if _, err := w.login.PhoneChangeStart(ctx, client, fresh, u, "+12015550177"); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("phone change without the app's proof: %v, want ErrFreshProofNeeded", err)
	}
	if _, err := w.login.NewRecoveryCodes(ctx, client, fresh, u); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("recovery codes without the app's proof: %v, want ErrFreshProofNeeded", err)
	}
}

// hasReason reports whether an event name with reason was recorded.
func (l *eventLog) hasReason(name, reason string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		for i := 0; e.Name == name && i+1 < len(e.Attrs); i += 2 {
			if e.Attrs[i] == "reason" && e.Attrs[i+1] == reason {
				return true
			}
		}
	}
	return false
}

// TestTOTPRemove: with every proof fresh (password, text code, app code)
// the app is removed and audited; the account's sign-in texts again.
func TestTOTPRemove(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	secret, _ := w.enrolApp(t)
	sess := w.signIn(t)
	st, err := w.login.TOTPCode(ctx, client, sess, appCode(t, secret, w.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := w.users.Lookup(ctx, "alice")
	if err := w.login.TOTPRemove(ctx, client, st.Session, u); err != nil {
		t.Fatal(err)
	}
	if !w.events.has("totp_removed", "alice") {
		t.Error("totp_removed not audited")
	}
	if st := w.passwordStep(t, nil); st.TOTP || st.Code == nil {
		t.Fatalf("after removal: TOTP %v, code %v; want a text", st.TOTP, st.Code)
	}
}
