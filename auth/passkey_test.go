package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// pkOrigin is the portal's origin in the login world.
const pkOrigin = "https://auth.example.com"

// registerKey registers a new software key for alice (after a fresh
// two-factor sign-in) and returns it with the session.
func (w *loginWorld) registerKey(t *testing.T, sess *auth.Session, name string) (*softkey.Key, *auth.Session) {
	t.Helper()
	ctx := context.Background()
	u, err := w.users.Lookup(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := w.login.PasskeyRegisterStart(ctx, client, sess, u)
	if err != nil {
		t.Fatal(err)
	}
	key := softkey.New(pkOrigin)
	body, err := key.Create(mustJSON(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := w.login.PasskeyRegisterFinish(ctx, client, sess, u, name, body)
	if err != nil {
		t.Fatal(err)
	}
	return key, st.Session
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keyLogin runs a passkey sign-in (after the password in sess, or
// passwordless when sess is nil) answered by key.
func (w *loginWorld) keyLogin(t *testing.T, sess *auth.Session, key *softkey.Key) (auth.Step, error) {
	t.Helper()
	ctx := context.Background()
	passwordless := sess == nil
	st, opts, err := w.login.PasskeyLoginStart(ctx, client, sess, passwordless, false)
	if err != nil {
		t.Fatal(err)
	}
	body, err := key.Get(mustJSON(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	return w.login.PasskeyLoginFinish(ctx, client, st.Session, passwordless, body)
}

// passwordOnly signs alice in with her password alone where a second
// factor is asked: the session waits for one.
func (w *loginWorld) passwordOnly(t *testing.T) auth.Step {
	t.Helper()
	st, err := w.login.Password(context.Background(), client, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: alwaysCode})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestPasskeySecondFactor(t *testing.T) {
	w := newLoginWorld(t)
	key, _ := w.registerKey(t, w.signIn(t), "Laptop")
	sent := w.sms.count()
	st := w.passwordOnly(t)
	if !st.Passkey || st.Code != nil || w.sms.count() != sent {
		t.Fatalf("after the password: passkey %v, code %v, %d texts sent; want the passkey asked and no text", st.Passkey, st.Code, w.sms.count()-sent)
	}
	key.UV = false
	st, err := w.keyLogin(t, st.Session, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Session.Methods(); !slices.Equal(got, []string{"pwd", "hwk"}) {
		t.Fatalf("methods %v, want [pwd hwk]", got)
	}
	if st.Session.HasVerifiedKey(time.Time{}) {
		t.Fatal("a key that did not verify the user counts as two factors")
	}
	if !w.events.has("passkey_used", "alice") {
		t.Fatal("no passkey_used event")
	}
	keys, err := w.login.PasskeyList(context.Background(), "alice")
	if err != nil || len(keys) != 1 || keys[0].Name != "Laptop" || keys[0].LastUsed.IsZero() {
		t.Fatalf("keys %+v (%v), want Laptop, used", keys, err)
	}
}

func TestPasskeyPasswordless(t *testing.T) {
	w := newLoginWorld(t)
	key, _ := w.registerKey(t, w.signIn(t), "Phone")
	st, err := w.keyLogin(t, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	s := st.Session
	if s.User != "alice" || !s.HasVerifiedKey(time.Time{}) || !s.Satisfies(auth.MethodPassword, time.Time{}) || s.Has(auth.MethodPassword, time.Time{}) {
		t.Fatalf("session %+v: want alice with a user-verified key standing in for the password", s)
	}
	// Without user verification a key alone proves nothing.
	key.UV = false
	if _, err := w.keyLogin(t, nil, key); !errors.Is(err, auth.ErrPasskeyInvalid) {
		t.Fatalf("passwordless without user verification: %v, want ErrPasskeyInvalid", err)
	}
}

func TestPasskeyRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(k *softkey.Key) *softkey.Key
		event string
	}{
		{"another origin", func(k *softkey.Key) *softkey.Key { k.Origin = "https://auth.example.com.evil.test"; return k }, ""},
		{"another relying party", func(k *softkey.Key) *softkey.Key { k.RPID = "evil.test"; return k }, ""},
		{"cloned authenticator", func(k *softkey.Key) *softkey.Key { c := k.Clone(); c.Counter = 1; return c }, "passkey_clone_detected"},
		{"framed by another site", func(k *softkey.Key) *softkey.Key { k.TopOrigin = "https://evil.test"; return k }, ""},
		{"nobody present", func(k *softkey.Key) *softkey.Key { k.NoUP = true; return k }, ""},
		{"backup eligibility changed since registration", func(k *softkey.Key) *softkey.Key { k.BE = true; return k }, ""},
		{"backed up but not eligible", func(k *softkey.Key) *softkey.Key { k.BS = true; return k }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newLoginWorld(t)
			key, _ := w.registerKey(t, w.signIn(t), "Key")
			if _, err := w.keyLogin(t, w.passwordOnly(t).Session, key); err != nil { // counter 1 → 2
				t.Fatal(err)
			}
			bad := tc.spoil(key.Clone())
			_, err := w.keyLogin(t, w.passwordOnly(t).Session, bad)
			if !errors.Is(err, auth.ErrPasskeyInvalid) {
				t.Fatalf("error %v, want ErrPasskeyInvalid", err)
			}
			if tc.event != "" && !w.events.has(tc.event, "alice") {
				t.Fatalf("no %s event", tc.event)
			}
			// The real key goes on working: the refusal changed nothing.
			if _, err := w.keyLogin(t, w.passwordOnly(t).Session, key); err != nil {
				t.Fatalf("the real key after the refusal: %v", err)
			}
		})
	}
}

// A ceremony is answered once: the same answer sent twice signs in once.
func TestPasskeyChallengeSingleUse(t *testing.T) {
	w := newLoginWorld(t)
	key, _ := w.registerKey(t, w.signIn(t), "Key")
	ctx := context.Background()
	st, opts, err := w.login.PasskeyLoginStart(ctx, client, w.passwordOnly(t).Session, false, false)
	if err != nil {
		t.Fatal(err)
	}
	body, err := key.Get(mustJSON(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	id := st.Session.ID
	if _, err := w.login.PasskeyLoginFinish(ctx, client, st.Session, false, body); err != nil {
		t.Fatal(err)
	}
	replay := *st.Session
	replay.ID = id
	if _, err := w.login.PasskeyLoginFinish(ctx, client, &replay, false, body); !errors.Is(err, auth.ErrPasskeyCeremony) {
		t.Fatalf("the answer again: %v, want ErrPasskeyCeremony", err)
	}
}

// Registering or removing a key takes fresh proofs of every factor: the
// password alone adds none.
func TestPasskeyRegistrationNeedsFreshProofs(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	u, _ := w.users.Lookup(ctx, "alice")
	if _, err := w.login.PasskeyRegisterStart(ctx, client, w.passwordOnly(t).Session, u); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("with the password alone: %v, want ErrFreshProofNeeded", err)
	}
	key, sess := w.registerKey(t, w.signIn(t), "First")
	// With a key on the account, an SMS sign-in no longer suffices to
	// add or remove one: the key must be proved too.
	w.clock.Advance(auth.CredentialChangeAge + time.Minute)
	if _, err := w.login.PasskeyRegisterStart(ctx, client, w.signIn(t), u); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("password and text code, key not proved: %v, want ErrFreshProofNeeded", err)
	}
	keys, _ := w.login.PasskeyList(ctx, "alice")
	if err := w.login.PasskeyRemove(ctx, client, w.signIn(t), u, keys[0].ID); !errors.Is(err, auth.ErrFreshProofNeeded) {
		t.Fatalf("remove without the key: %v, want ErrFreshProofNeeded", err)
	}
	_ = sess
	st, err := w.keyLogin(t, w.signIn(t), key)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.login.PasskeyRemove(ctx, client, st.Session, u, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if !w.events.has("passkey_removed", "alice") || !w.events.has("passkey_registered", "alice") {
		t.Fatal("registration or removal not audited")
	}
}
