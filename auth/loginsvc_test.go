package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// loginWorld is the login service over a memory store, accounts in the
// store (the redis backend's code), a sender that keeps every code and an
// observer that keeps every event: no HTTP.
type loginWorld struct {
	login    *auth.Login
	sessions *auth.Sessions
	users    *storeusers.Backend
	clock    *storetest.Clock
	sms      *codeBox
	events   *eventLog
	totp     *auth.TOTP
	passkeys *auth.Passkeys
	store    *recordingStore
	devices  *auth.KnownDevices
	hash     string // of lwPassword
}

// codeBox is a sender that keeps the messages it was given.
type codeBox struct {
	mu   sync.Mutex
	msgs []auth.Message
}

func (b *codeBox) Send(_ context.Context, m auth.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, m)
	return nil
}

// lastCode returns the newest code sent to phone.
func (b *codeBox) lastCode(t *testing.T, phone string) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.msgs) - 1; i >= 0; i-- {
		if b.msgs[i].To == phone && b.msgs[i].Code != "" {
			return b.msgs[i].Code
		}
	}
	t.Fatalf("no code was sent to %s", phone)
	return ""
}

func (b *codeBox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

// eventLog is an auth.Observer that keeps the audit events.
type eventLog struct {
	mu     sync.Mutex
	events []auth.Event
}

func (l *eventLog) Audit(_ context.Context, _ auth.Client, e auth.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}
func (l *eventLog) Password(string) {}
func (l *eventLog) Code(string)     {}
func (l *eventLog) Ban()            {}

func (l *eventLog) has(name, user string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.Name == name && e.User == user {
			return true
		}
	}
	return false
}

var cheapHasher = auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, 4, time.Second)

const (
	lwPassword = "correct horse battery"
	lwPhone    = "+12015550100"
)

func newLoginWorld(t *testing.T, edits ...func(*auth.LoginDeps)) *loginWorld {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	store := &recordingStore{Store: memstore.New(clock)}
	w := &loginWorld{clock: clock, sms: &codeBox{}, events: &eventLog{}, store: store}
	w.users = storeusers.New(store, "US")
	hash, err := cheapHasher.Hash(context.Background(), lwPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.users.Add(context.Background(), &auth.User{Username: "alice", Email: "alice@example.com", Phone: lwPhone, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	w.hash = hash
	otp := auth.NewOTP(store, w.sms, []byte("0123456789abcdef0123456789abcdef"), auth.OTPConfig{
		App: "Acme", Length: 6, TTL: 5 * time.Minute, MaxAttempts: 5, ResendCooldown: 30 * time.Second,
		MaxSends: 50, SendWindow: time.Hour,
		Message: template.Must(template.New("m").Parse("Your {{.App}} code is {{.Code}}.")),
	}, clock, nil)
	var err2 error
	if w.totp, err2 = auth.NewTOTP(store, []byte("totp-names-key-0123456789abcdef!"), []byte("0123456789abcdef0123456789abcdef"), "Acme", clock); err2 != nil {
		t.Fatal(err2)
	}
	if w.passkeys, err2 = auth.NewPasskeys(store, []byte("passkey-names-key-0123456789abc!"), auth.PasskeyConfig{
		RPID: "auth.example.com", RPDisplayName: "Acme", Origins: []string{pkOrigin},
	}, clock); err2 != nil {
		t.Fatal(err2)
	}
	w.sessions = auth.NewSessions(store, auth.SessionConfig{IdleTimeout: time.Hour, AbsoluteTimeout: 12 * time.Hour, RememberMe: 24 * time.Hour}, clock, nil)
	w.devices = auth.NewKnownDevices([]byte("known-device-key-0123456789abcd!"), 30*24*time.Hour, clock)
	deps := auth.LoginDeps{
		Users: w.users, Authn: auth.NewAuthenticator(w.users, cheapHasher, nil), Sessions: w.sessions, OTP: otp,
		Regulator: auth.NewRegulator(store, []byte("fedcba9876543210fedcba9876543210"), auth.RegulationConfig{MaxFailures: 5, FindTime: time.Minute, BanTime: 5 * time.Minute}),
		Registry:  w.users, Hasher: cheapHasher, KV: store,
		Policy: auth.PasswordPolicy{MinLength: 8, MaxLength: 128}, Signup: true, Region: "US",
		Observer: w.events, Clock: clock, TOTP: w.totp, Passkeys: w.passkeys, Devices: w.devices,
		Recovery: auth.NewRecovery(store, []byte("recovery-names-key-0123456789ab!"), clock),
	}
	for _, edit := range edits {
		edit(&deps)
	}
	w.login = auth.NewLogin(deps)
	return w
}

var (
	alwaysCode = func(*auth.Session, *auth.User) bool { return true }
	neverCode  = func(*auth.Session, *auth.User) bool { return false }
	client     = auth.Client{IP: "203.0.113.7", UserAgent: "test", Origin: pkOrigin}
)

// signIn runs the password and code steps and returns the session.
func (w *loginWorld) signIn(t *testing.T) *auth.Session {
	t.Helper()
	ctx := context.Background()
	st, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: alwaysCode, Accepts: smsOnly})
	if err != nil {
		t.Fatal(err)
	}
	st, err = w.login.VerifyCode(ctx, client, st.Session, w.sms.lastCode(t, lwPhone))
	if err != nil {
		t.Fatal(err)
	}
	return st.Session
}

func TestLoginPasswordStep(t *testing.T) {
	for _, tc := range []struct {
		name      string
		login     string
		password  string
		needsCode auth.NeedsCode
		wantErr   error
		wantCode  bool
	}{
		{"password route", "alice", lwPassword, neverCode, nil, false},
		{"two-factor route sends a code", "alice", lwPassword, alwaysCode, nil, true},
		{"email spelling", " ALICE@example.com ", lwPassword, neverCode, nil, false},
		{"wrong password", "alice", "wrong password", alwaysCode, auth.ErrInvalidCredentials, false},
		{"unknown user", "mallory", lwPassword, alwaysCode, auth.ErrInvalidCredentials, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newLoginWorld(t)
			st, err := w.login.Password(context.Background(), client, nil, auth.PasswordIn{Login: tc.login, Password: tc.password, NeedsCode: tc.needsCode})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if st.Session != nil || w.sms.count() != 0 {
					t.Fatalf("a refused password left a session (%v) or sent %d SMS", st.Session, w.sms.count())
				}
				return
			}
			if st.Session == nil || !st.Session.Has(auth.MethodPassword, time.Time{}) || st.Session.User != "alice" {
				t.Fatalf("session %+v, want alice with a password proof", st.Session)
			}
			if got := st.Code != nil; got != tc.wantCode || (w.sms.count() == 1) != tc.wantCode {
				t.Fatalf("code sent %t (%d SMS), want %t", got, w.sms.count(), tc.wantCode)
			}
			if tc.wantCode && (st.Session.Pending == nil || st.Session.Authenticated() && st.Session.Has(auth.MethodSMS, time.Time{})) {
				t.Fatalf("a code is pending but the session is %+v", st.Session)
			}
		})
	}
}

func TestLoginBanHoldsAgainstTheRightPassword(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	// Five wrong passwords under different spellings of one account.
	for _, login := range []string{"alice", " alice", "ALICE@example.com", "(201) 555-0100", "alice "} {
		if _, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: login, Password: "nope nope", NeedsCode: neverCode}); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Fatalf("%q: %v", login, err)
		}
	}
	_, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: neverCode})
	if !errors.Is(err, auth.ErrBanned) {
		t.Fatalf("right password after five failures: %v, want banned", err)
	}
	if !w.events.has("banned", "alice") {
		t.Error("the ban was not audited")
	}
}

func TestLoginCodeStep(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	st, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: alwaysCode})
	if err != nil {
		t.Fatal(err)
	}
	sess := st.Session
	before := sess.ID
	code := w.sms.lastCode(t, lwPhone)
	wrongCode := "000000"
	if code == wrongCode {
		wrongCode = "111111"
	}
	if _, err := w.login.VerifyCode(ctx, client, sess, wrongCode); !errors.Is(err, auth.ErrOTPInvalid) {
		t.Fatalf("wrong code: %v", err)
	}
	st, err = w.login.VerifyCode(ctx, client, sess, code[:3]+" "+code[3:])
	if err != nil {
		t.Fatalf("right code (as typed with a space): %v", err)
	}
	if !st.Session.Has(auth.MethodSMS, time.Time{}) || st.Session.ID == before || st.Session.Pending != nil {
		t.Fatalf("after the code: %+v (id before %s): want an sms proof under a new id", st.Session, before)
	}
	if _, err := w.login.VerifyCode(ctx, client, st.Session, code); !errors.Is(err, auth.ErrNoChallenge) {
		t.Fatalf("the same code again: %v, want no pending code", err)
	}
	if !w.events.has("login_succeeded", "alice") {
		t.Error("the sign-in was not audited")
	}
}

func TestLoginPasswordlessDecoyNeverSignsIn(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	st, err := w.login.Passwordless(ctx, client, nil, "+12015550177", false)
	if err != nil || st.Session == nil || st.Code == nil {
		t.Fatalf("unknown number: %+v, %v; want the same answer as a known one", st, err)
	}
	if w.sms.count() != 0 {
		t.Fatalf("%d SMS sent to an unknown number", w.sms.count())
	}
	for _, code := range []string{"000000", "123456", "999999"} {
		if st2, err := w.login.VerifyCode(ctx, client, st.Session, code); err == nil || st2.Session != nil {
			t.Fatalf("a decoy's code %s signed in: %+v", code, st2.Session)
		}
	}
	known, err := w.login.Passwordless(ctx, client, nil, "(201) 555-0100", false)
	if err != nil || w.sms.count() != 1 {
		t.Fatalf("known number: %v, %d SMS", err, w.sms.count())
	}
	if _, err := w.login.VerifyCode(ctx, client, known.Session, w.sms.lastCode(t, lwPhone)); err != nil {
		t.Fatalf("the known number's code: %v", err)
	}
}

func TestLoginResendAfterTheCodeDied(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	st, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: alwaysCode})
	if err != nil {
		t.Fatal(err)
	}
	first := w.sms.lastCode(t, lwPhone)
	w.clock.Advance(6 * time.Minute) // past otp.ttl
	rs, err := w.login.Resend(ctx, client, st.Session, nil)
	if err != nil || rs.Code == nil || w.sms.count() != 2 {
		t.Fatalf("resend after expiry: %+v, %v, %d SMS; want a new code", rs, err, w.sms.count())
	}
	second := w.sms.lastCode(t, lwPhone)
	if first != second {
		if _, err := w.login.VerifyCode(ctx, client, rs.Session, first); err == nil {
			t.Fatal("the dead code still signs in")
		}
	}
	if _, err := w.login.VerifyCode(ctx, client, rs.Session, second); err != nil {
		t.Fatalf("the new code: %v", err)
	}
}

func TestLoginChangePasswordKeepsOnlyThisSession(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	mine, other := w.signIn(t), w.signIn(t)
	u, err := w.users.Lookup(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.login.ChangePassword(ctx, client, mine, u, "not it", "a brand new password"); err == nil {
		t.Fatal("a wrong current password changed the password")
	}
	oldID := mine.ID
	st, err := w.login.ChangePassword(ctx, client, mine, u, lwPassword, "a brand new password")
	if err != nil {
		t.Fatal(err)
	}
	if st.Session == nil || st.Session.ID == oldID {
		t.Fatalf("the session that changed the password: %+v, want it kept under a new id", st.Session)
	}
	for name, id := range map[string]string{"the other session": other.ID, "the old cookie": oldID} {
		if _, err := w.sessions.Load(ctx, id); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Errorf("%s still loads (%v)", name, err)
		}
	}
	if _, err := w.sessions.Load(ctx, st.Session.ID); err != nil {
		t.Errorf("the kept session: %v", err)
	}
	if _, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: "alice", Password: "a brand new password", NeedsCode: neverCode}); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

func TestLoginLogout(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	sess := w.signIn(t)
	if err := w.login.Logout(ctx, client, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sessions.Load(ctx, sess.ID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("after logout the session loads: %v", err)
	}
	if err := w.login.Logout(ctx, client, ""); err != nil {
		t.Fatalf("logout without a session: %v", err)
	}
}
