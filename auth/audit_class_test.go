package auth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestAuditClasses: what anyone can cause without proving anything is an
// attempt, kept apart from the history so that it never pushes the
// history out of the trail (docs/contract.md, "Audit trail"); what
// proved or changed something, an account's ban included, is history.
func TestAuditClasses(t *testing.T) {
	ctx := context.Background()
	wrong := func(w *loginWorld, login string) {
		_, _ = w.login.Password(ctx, client, nil, auth.PasswordIn{Login: login, Password: "not the password", NeedsCode: neverCode})
	}
	tests := []struct {
		name  string
		do    func(t *testing.T, w *loginWorld)
		event string // the newest event of this name is judged
		user  string
		want  string
	}{
		{"a wrong password", func(_ *testing.T, w *loginWorld) { wrong(w, "alice") }, "login_failed", "alice", auth.AuditAttempt},
		{"an account banned", func(_ *testing.T, w *loginWorld) {
			for range 5 {
				wrong(w, "alice")
			}
		}, "banned", "alice", auth.AuditHistory},
		{"a name no account has, banned", func(_ *testing.T, w *loginWorld) {
			for range 5 {
				wrong(w, "nobody")
			}
		}, "banned", auth.UnknownName, auth.AuditAttempt},
		{"an address banned, not the account", func(_ *testing.T, w *loginWorld) {
			for i := range 5*10 - 1 {
				wrong(w, fmt.Sprintf("nobody%d", i))
			}
			wrong(w, "alice")
		}, "banned", "alice", auth.AuditAttempt},
		{"refused while banned", func(_ *testing.T, w *loginWorld) {
			for range 6 {
				wrong(w, "alice")
			}
		}, "login_failed", "alice", auth.AuditAttempt},
		{"a code after the password", func(t *testing.T, w *loginWorld) { w.signIn(t) }, "otp_sent", "alice", auth.AuditHistory},
		{"a code verified", func(t *testing.T, w *loginWorld) { w.signIn(t) }, "otp_verified", "alice", auth.AuditHistory},
		{"a sign-in", func(t *testing.T, w *loginWorld) { w.signIn(t) }, "login_succeeded", "alice", auth.AuditHistory},
		{"a passwordless code", func(t *testing.T, w *loginWorld) {
			if _, err := w.login.Passwordless(ctx, client, nil, lwPhone, false); err != nil {
				t.Fatal(err)
			}
		}, "otp_sent", "alice", auth.AuditAttempt},
		{"a reset code", func(t *testing.T, w *loginWorld) {
			if _, err := w.login.ResetStart(ctx, client, "alice", ""); err != nil {
				t.Fatal(err)
			}
		}, "otp_sent", "alice", auth.AuditAttempt},
		{"a logout", func(t *testing.T, w *loginWorld) {
			if err := w.login.Logout(ctx, client, w.signIn(t).ID); err != nil {
				t.Fatal(err)
			}
		}, "logout", "alice", auth.AuditHistory},
		{"a logout with the id a step-up just replaced", func(t *testing.T, w *loginWorld) {
			sess := w.signIn(t)
			old := sess.ID
			if err := w.sessions.Rotate(ctx, sess); err != nil {
				t.Fatal(err)
			}
			if err := w.login.Logout(ctx, client, old); err != nil {
				t.Fatal(err)
			}
		}, "logout", "alice", auth.AuditHistory},
		{"a logout of a session signed in as nobody", func(t *testing.T, w *loginWorld) {
			st, err := w.login.Passwordless(ctx, client, nil, lwPhone, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.login.Logout(ctx, client, st.Session.ID); err != nil {
				t.Fatal(err)
			}
		}, "logout", "", auth.AuditAttempt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newLoginWorld(t)
			tt.do(t, w)
			var got *auth.Event
			for i := range w.events.events {
				if e := &w.events.events[i]; e.Name == tt.event && e.User == tt.user {
					got = e
				}
			}
			if got == nil {
				t.Fatalf("no %s event of %q: %+v", tt.event, tt.user, w.events.events)
			}
			if c := auth.AuditClassOf(*got); c != tt.want {
				t.Errorf("%s of %q (%+v) is in the %s class, want %s", tt.event, tt.user, *got, c, tt.want)
			}
		})
	}
}
