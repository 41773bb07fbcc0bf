package hashworker

import (
	"bytes"
	"context"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// TestUnreapableStartHoldsNoHash: a worker that does not greet within
// the start timeout, and whose end cannot be waited for (a process stuck
// in the kernel; here one whose output a grandchild keeps open), delays
// hashing by the start timeout only: the hash is computed in process
// and the metrics stay readable. Before, the Client waited for the
// process to be reaped while every hash, and Stats, waited on it.
func TestUnreapableStartHoldsNoHash(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses sh and sleep")
	}
	begin := time.Now()
	c := newClient(t, func() *exec.Cmd {
		cmd := exec.Command("sh", "-c", "sleep 12 & exec sleep 12")
		cmd.Stderr = new(bytes.Buffer) // copied until the grandchild ends
		return cmd
	})
	salt := []byte("saltsaltsaltsalt")
	got, err := c.Argon2Key(context.Background(), []byte("pw"), salt, 1, 64, 1, 32)
	if err != nil || !bytes.Equal(got, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)) {
		t.Fatalf("Argon2Key = %x, %v; want the in-process key", got, err)
	}
	_ = c.Stats()
	if took := time.Since(begin); took > startTimeout+2*time.Second {
		t.Errorf("the first hash was answered %v after start: it waited for the silent worker to be reaped", took)
	}
}
