package hashworker

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"golang.org/x/crypto/argon2"
)

// TestEveryHashTheGatewayChecksIsCheckedInTheWorker: the worker computes
// every argon2id hash the gateway accepts (up to auth.MaxArgon2Iterations
// passes and auth.MaxArgon2MemoryKiB), not the gateway process at full
// priority (docs/contract.md, "Password hashing"). Before, the worker
// refused more than 64 passes, which the gateway accepted in users.yaml
// and in hashing.argon2id: every such hash, a wrong password for any
// account that had one or every hash once the cost was raised past 64,
// ran in the gateway process beside signed-in traffic.
func TestEveryHashTheGatewayChecksIsCheckedInTheWorker(t *testing.T) {
	salt := []byte("sixteen byte slt")
	key := argon2.IDKey([]byte("the right one"), salt, auth.MaxArgon2Iterations, 4096, 1, 32)
	stored := fmt.Sprintf("$argon2id$v=19$m=4096,t=%d,p=1$%s$%s", auth.MaxArgon2Iterations,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	c := newClient(t, workerCmd)
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, 2, time.Second)
	h.SetDeriver(c)
	for _, tc := range []struct {
		password string
		want     bool
	}{{"the right one", true}, {"a wrong one", false}} {
		begin := ownCPU(t)
		ok, err := h.Verify(context.Background(), stored, tc.password)
		used := ownCPU(t) - begin
		if err != nil || ok != tc.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", tc.password, ok, err, tc.want)
		}
		if used > 60*time.Millisecond {
			t.Errorf("Verify(%q) used %v of the gateway's CPU: the hash of %d passes ran in the gateway process", tc.password, used, auth.MaxArgon2Iterations)
		}
	}
}
