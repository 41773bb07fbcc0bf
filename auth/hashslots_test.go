package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// gatedDeriver computes argon2id keys as a hashing worker would, telling
// the password of each computation it starts on entered: the right one
// (free) at once, any other once gate is closed.
type gatedDeriver struct {
	entered chan string
	gate    chan struct{}
	free    string
}

func (g *gatedDeriver) Argon2Key(ctx context.Context, password, salt []byte, iterations, memoryKiB uint32, parallelism uint8, keyLen uint32) ([]byte, error) {
	g.entered <- string(password)
	if string(password) != g.free {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return argon2.IDKey(password, salt, iterations, memoryKiB, parallelism, keyLen), nil
}

// TestAFloodLeavesKnownDevicesASlot: wrong passwords from many addresses
// (anyone can send them) hold at most three of four hashing slots, so
// that a person signing in from a browser that signed in to the account
// before still gets one at once, and signs in (docs/contract.md,
// "Password hashing"). Before, the flood held all four and the person's
// sign-in was refused as overloaded, for as long as the flood went on.
func TestAFloodLeavesKnownDevicesASlot(t *testing.T) {
	const slots = 4
	d := &gatedDeriver{entered: make(chan string, 64), gate: make(chan struct{}), free: lwPassword}
	defer close(d.gate)
	hasher := auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, slots, 300*time.Millisecond)
	hasher.SetDeriver(d)
	w := newLoginWorld(t, func(deps *auth.LoginDeps) { deps.Authn = auth.NewAuthenticator(deps.Users, hasher, nil) })
	ctx := context.Background()

	// alice signs in once in her browser, which keeps its known-device
	// cookie.
	st, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: neverCode})
	if err != nil || st.Session == nil || st.Session.Device == "" {
		t.Fatalf("first sign-in: %v, %+v: want a session and a known-device cookie", err, st.Session)
	}
	<-d.entered
	browser := client
	browser.Devices = []string{st.Session.Device}

	floodSlots(t, w, d, slots)

	// alice, from her browser, while the flood holds what it can.
	signedIn := make(chan error, 1)
	go func() {
		st, err := w.login.Password(ctx, browser, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: neverCode})
		if err == nil && (st.Session == nil || !st.Session.Authenticated()) {
			err = fmt.Errorf("no signed-in session: %+v", st.Session)
		}
		signedIn <- err
	}()
	// The flood's hashes are held until the test ends: a sign-in that
	// ends signed in had a slot of its own; one left to wait for theirs
	// ends overloaded. (Its hash also tells d.entered, which may be read
	// after the answer: the answer is what counts.)
	select {
	case err := <-signedIn:
		if err != nil {
			t.Fatalf("alice's sign-in from her own browser during the flood: %v, want a hashing slot at once", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("alice's sign-in neither hashed nor ended")
	}
}

// floodSlots sends wrong passwords for alice from addresses of their
// own, each held in d until the test ends, and checks that they hold
// all of slots but the one kept for known devices.
func floodSlots(t *testing.T, w *loginWorld, d *gatedDeriver, slots int) {
	t.Helper()
	const flood = 6
	ended := make(chan error, flood)
	for i := range flood {
		go func() {
			c := auth.Client{IP: fmt.Sprintf("198.51.100.%d", i+1), UserAgent: "flood"}
			_, err := w.login.Password(context.Background(), c, nil, auth.PasswordIn{Login: "alice", Password: "not the password", NeedsCode: neverCode})
			ended <- err
		}()
	}
	held := 0
	for settled := 0; settled < flood; settled++ {
		select {
		case <-d.entered:
			held++
		case err := <-ended:
			if !errors.Is(err, auth.ErrOverloaded) {
				t.Fatalf("a flood request not let in ended with %v, want ErrOverloaded", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the flood neither hashed nor gave up")
		}
	}
	if held != slots-1 {
		t.Fatalf("the flood held %d of %d hashing slots, want %d: one is kept for known devices", held, slots, slots-1)
	}
}

// TestOneAccountCannotHoldTheKeptSlot: someone with an account of their
// own (sign-up makes one for anyone) signs in to it from its known device
// again and again during a flood. Each sign-in took the slot kept for
// known devices, so a loop of them, from a few connections, kept it busy
// and the other accounts' known devices met 503 as everyone else did.
// Now an account takes a kept slot at most three times a minute: its
// fourth is refused like the flood's, while alice's browser still gets
// the slot, and a minute later the account has its share again
// (docs/contract.md, "Password hashing").
func TestOneAccountCannotHoldTheKeptSlot(t *testing.T) {
	const slots = 4
	d := &gatedDeriver{entered: make(chan string, 64), gate: make(chan struct{}), free: lwPassword}
	defer close(d.gate)
	hasher := auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, slots, 100*time.Millisecond)
	hasher.SetDeriver(d)
	w := newLoginWorld(t, func(deps *auth.LoginDeps) {
		deps.Authn = auth.NewAuthenticator(deps.Users, hasher, nil)
	})
	hasher.SetClock(w.clock)
	ctx := context.Background()
	hash, err := cheapHasher.Hash(ctx, lwPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.users.Add(ctx, &auth.User{Username: "mallory", Phone: "+12015550199", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	browserOf := func(name string) auth.Client {
		st, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: name, Password: lwPassword, NeedsCode: neverCode})
		if err != nil || st.Session == nil || st.Session.Device == "" {
			t.Fatalf("%s's first sign-in: %v, %+v: want a session and a known-device cookie", name, err, st.Session)
		}
		<-d.entered
		c := client
		c.Devices = []string{st.Session.Device}
		return c
	}
	alice, mallory := browserOf("alice"), browserOf("mallory")
	floodSlots(t, w, d, slots)

	signIn := func(who string, c auth.Client) error {
		st, err := w.login.Password(ctx, c, nil, auth.PasswordIn{Login: who, Password: lwPassword, NeedsCode: neverCode})
		if err == nil {
			<-d.entered
			if st.Session == nil || !st.Session.Authenticated() {
				return fmt.Errorf("no signed-in session: %+v", st.Session)
			}
		}
		return err
	}
	for i := range 3 {
		if err := signIn("mallory", mallory); err != nil {
			t.Fatalf("mallory's sign-in %d from her own browser during the flood: %v, want the kept slot", i+1, err)
		}
	}
	if err := signIn("mallory", mallory); !errors.Is(err, auth.ErrOverloaded) {
		t.Fatalf("mallory's fourth sign-in in a minute: %v, want ErrOverloaded: one account holds the kept slot no more than three times a minute", err)
	}
	if err := signIn("alice", alice); err != nil {
		t.Fatalf("alice's sign-in from her own browser after mallory's: %v, want the kept slot", err)
	}
	w.clock.Advance(time.Minute)
	if err := signIn("mallory", mallory); err != nil {
		t.Fatalf("mallory's sign-in a minute later: %v, want the kept slot again", err)
	}
}
