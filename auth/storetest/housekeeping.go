package storetest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Housekeeping: what the services write is forgotten once what it is
// about is gone, so that a store run for a year holds what is live, not
// everything that ever was (docs/contract.md, "Store housekeeping").

// sessionIndexKey is the store key of user's index of sessions
// (docs/contract.md, "Store keys": "su:" and the SHA-256 of the name).
func sessionIndexKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return "su:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// sessionIndexStaysSmall signs a user in (a password, then a code: two
// new session ids) and out again many times, and never opens the account
// page (which tidies the index as it reads it): the index of the user's
// sessions must hold about the sessions alive, not every id the user
// ever had.
func (s suite) sessionIndexStaysSmall(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	sets, ok := st.(auth.SetStore)
	if !ok {
		t.Fatal("store does not implement auth.SetStore")
	}
	m := auth.NewSessions(st, auth.SessionConfig{IdleTimeout: time.Hour, AbsoluteTimeout: 12 * time.Hour}, nil, nil)
	alice := &auth.User{Username: "alice", Generation: "g1"}
	const logins = 40
	var last *auth.Session
	for range logins {
		sess, err := m.New()
		if err != nil {
			t.Fatal(err)
		}
		for _, method := range []string{auth.MethodPassword, auth.MethodSMS} {
			if err := m.AddProof(ctx, sess, alice, method, auth.SignIn{}); err != nil {
				t.Fatal(err)
			}
		}
		if last != nil {
			if err := m.Delete(ctx, last.ID); err != nil { // signed out
				t.Fatal(err)
			}
		}
		last = sess
	}
	ids, err := sets.SMembers(ctx, sessionIndexKey("alice"))
	if err != nil {
		t.Fatal(err)
	}
	// One session is alive; a few ids not yet tidied away are fine.
	if len(ids) > 6 {
		t.Errorf("after %d sign-ins and outs the index of alice's sessions holds %d ids, want at most 6: it grows with every sign-in", logins, len(ids))
	}
	list, err := m.ListUser(ctx, alice, "")
	if err != nil || len(list) != 1 {
		t.Errorf("ListUser = %d sessions, %v; want the one alive", len(list), err)
	}
}

// banListStaysSmall bans one generation of names, lets the bans end,
// and bans another, without anyone reading the console's list of bans
// (which drops the ended ones it reads): the list must hold about the
// bans alive, not every ban there ever was.
func (s suite) banListStaysSmall(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	idx, ok := st.(auth.SortedIndex)
	if !ok {
		t.Fatal("store does not implement auth.SortedIndex")
	}
	// A long ban keeps the list alive throughout, as bans and locks
	// coming and going do on a gateway in service.
	long := auth.NewRegulator(st, recoveryKey, auth.RegulationConfig{MaxFailures: 1, FindTime: time.Minute, BanTime: longTTL})
	if p, err := long.Fail(ctx, "persistent-guesser", ""); err != nil || !p.Banned {
		t.Fatalf("Fail = %+v, %v; want a ban", p, err)
	}
	r := auth.NewRegulator(st, recoveryKey, auth.RegulationConfig{MaxFailures: 1, FindTime: time.Minute, BanTime: shortTTL})
	const perGeneration = 30
	for g := range 2 {
		// The second generation's bans last: on a slow store, 30 short
		// ones would end while they are being made.
		reg := r
		if g > 0 {
			s.wait(t, shortTTL+margin)
			reg = long
		}
		for i := range perGeneration {
			p, err := reg.Fail(ctx, fmt.Sprintf("guessed-name-%d-%d", g, i), "")
			if err != nil || !p.Banned {
				t.Fatalf("Fail = %+v, %v; want a ban", p, err)
			}
		}
	}
	listed, err := idx.ZAfter(ctx, "reg:list", "", 10*perGeneration)
	if err != nil {
		t.Fatal(err)
	}
	// One generation and the long ban are alive; a few ended bans not
	// yet dropped are fine.
	alive := perGeneration + 1
	if len(listed) > alive+alive/4 {
		t.Errorf("the list of bans holds %d entries with %d bans alive: the ended ones stay until someone pages through the list", len(listed), alive)
	}
	bans, _, err := r.Bans(ctx, "", 10*perGeneration)
	if err != nil || len(bans) != alive {
		t.Errorf("Bans = %d, %v; want the %d alive", len(bans), err, alive)
	}
}
