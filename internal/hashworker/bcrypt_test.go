package hashworker

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"golang.org/x/crypto/bcrypt"
)

// ownCPU is the CPU time this process (the gateway; not the worker) has
// used.
func ownCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBcryptIsCheckedInTheWorker: with the worker, a bcrypt hash (users
// brought over from another system keep theirs until they sign in) is
// checked in the worker too, not in the gateway process at full
// priority (docs/contract.md, "Password hashing"). Before, every wrong
// password against such an account cost the gateway a bcrypt (about a
// quarter of a second of CPU at cost 12, 4 s at 16) that signed-in
// traffic waited behind.
func TestBcryptIsCheckedInTheWorker(t *testing.T) {
	stored, err := bcrypt.GenerateFromPassword([]byte("the right one"), 12)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, workerCmd)
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, 2, time.Second)
	h.SetDeriver(c)
	for _, tc := range []struct {
		password string
		want     bool
	}{{"the right one", true}, {"a wrong one", false}, {"the right onE", false}} {
		begin := ownCPU(t)
		ok, err := h.Verify(context.Background(), string(stored), tc.password)
		used := ownCPU(t) - begin
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.password, ok, err, tc.want)
		}
		if used > 60*time.Millisecond {
			t.Errorf("Verify(%q) used %v of the gateway's CPU: the bcrypt ran in the gateway process", tc.password, used)
		}
	}
}

// garbageWorker greets like a worker, then answers every request under
// its id with a success carrying the key {2}, until its input ends.
func garbageWorker() {
	_, _ = os.Stdout.Write(hello)
	for {
		q, err := readRequest(os.Stdin)
		if err != nil {
			os.Exit(0)
		}
		_, _ = os.Stdout.Write(appendResponse(nil, &response{id: q.id, ok: true, key: []byte{2}}))
	}
}

// TestGarbageAnswerIsNoMatch: a worker answering a bcrypt check with
// anything but a one-byte 0 or 1 has the sign-in refused as under
// overload (ErrOverloaded, 503), never taken for a match.
func TestGarbageAnswerIsNoMatch(t *testing.T) {
	stored, err := bcrypt.GenerateFromPassword([]byte("the right one"), 4)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, func() *exec.Cmd {
		cmd := workerCmd()
		cmd.Env = append(cmd.Env, "HASHWORKER_CHILD=garbage")
		return cmd
	})
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, 2, time.Second)
	h.SetDeriver(c)
	for _, pw := range []string{"the right one", "a wrong one"} {
		if ok, err := h.Verify(context.Background(), string(stored), pw); ok || !errors.Is(err, auth.ErrOverloaded) {
			t.Errorf("Verify(%q) with a garbage answer = %v, %v; want false, ErrOverloaded", pw, ok, err)
		}
	}
}
