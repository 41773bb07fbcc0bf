package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// refusingChecker fails the test if a password reaches hashing.
type refusingChecker struct{ t *testing.T }

func (c refusingChecker) Check(context.Context, string, string) (auth.Match, error) {
	c.t.Error("a password longer than MaxPasswordBytes was hashed")
	return auth.NoMatch, nil
}

func (c refusingChecker) VerifyDummy(context.Context, string) error {
	c.t.Error("a password longer than MaxPasswordBytes was hashed (dummy)")
	return nil
}

// TestLongPasswordIsNeverHashed: a password longer than any policy allows
// is refused as wrong credentials before any hashing, for a known name and
// an unknown one alike. Before, one over the hashing worker's 4096-byte
// frame was hashed in the gateway process at full priority, so a flood of
// them undid the worker's point (signed-in traffic unslowed by logins).
func TestLongPasswordIsNeverHashed(t *testing.T) {
	a := auth.NewAuthenticator(nil, refusingChecker{t}, nil)
	u := &auth.User{Username: "alice", PasswordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"}
	for _, long := range []string{
		strings.Repeat("x", auth.MaxPasswordBytes+1),
		// 900 bytes as typed, 9,900 in the form that is hashed (NFKC).
		strings.Repeat("\ufdfa", 300),
	} {
		for _, who := range []*auth.User{u, nil} {
			if _, err := a.VerifyUser(context.Background(), who, long); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Errorf("VerifyUser(%v, %d bytes) = %v, want ErrInvalidCredentials", who != nil, len(long), err)
			}
		}
	}
}
