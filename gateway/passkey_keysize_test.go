package gateway_test

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// rsaModulus is an odd number of exactly bits bits, as an RSA modulus
// reads (nothing checks that it has two prime factors).
func rsaModulus(t *testing.T, bits int) []byte {
	t.Helper()
	n := make([]byte, bits/8)
	if _, err := rand.Read(n); err != nil {
		t.Fatal(err)
	}
	n[0] |= 0x80
	n[len(n)-1] |= 1
	return n
}

// TestPasskeyKeysAreCheckedInBoundedTime: a registration's public key
// must be one whose signatures are checked in bounded time and that is
// not weak (docs/contract.md, "Passkeys"): an RSA key of 2048 to 4096
// bits. Before, any RSA modulus that fit in the request was kept: an
// account holder registered one of 320,000 bits (attestation "none"
// signs nothing), and every sign-in answer naming it then cost the
// gateway 7 seconds of CPU, whoever sent it and whatever it held.
func TestPasskeyKeysAreCheckedInBoundedTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)

	cases := []struct {
		name string
		bits int
		want int
	}{
		{"RSA of 320,000 bits", 320000, http.StatusUnauthorized},
		{"RSA of 16,384 bits", 16384, http.StatusUnauthorized},
		{"RSA of 1,024 bits (weak)", 1024, http.StatusUnauthorized},
		{"RSA of 2,048 bits", 2048, http.StatusOK},
		{"RSA of 4,096 bits", 4096, http.StatusOK},
	}
	kept := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.api(authHost, "passkeys/register/start", map[string]string{})
			r.wantStatus(t, http.StatusOK)
			key := softkey.New(publicURL)
			key.PublicKey = softkey.RSAPublicKey(rsaModulus(t, tc.bits), 65537)
			cred, err := key.Create(r.body)
			if err != nil {
				t.Fatal(err)
			}
			r = c.api(authHost, "passkeys/register", map[string]any{"name": tc.name, "credential": json.RawMessage(cred)})
			if tc.want != http.StatusOK {
				r.wantError(t, tc.want, "invalid_passkey")
				return
			}
			r.wantStatus(t, tc.want)
			kept++
		})
	}
	r := c.get(authHost, prefix+"/api/passkeys")
	r.wantStatus(t, http.StatusOK)
	var list struct {
		Passkeys []struct {
			Name string `json:"name"`
		} `json:"passkeys"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Passkeys) != kept {
		t.Fatalf("passkeys: %s (%v), want the %d accepted", r.body, err, kept)
	}
}
