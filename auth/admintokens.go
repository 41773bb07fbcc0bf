package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// AdminTokens are bearer tokens for scripts that use the admin API
// (docs/contract.md, "Admin console"): created by an operator with a name
// and a lifetime, shown once, kept only as a keyed hash, listed and
// revoked by name. A token reaches the admin API only.
type AdminTokens struct {
	st    Store
	sets  SetStore
	names keyNamer
	clock Clock
}

// AdminToken is what is kept of a token.
type AdminToken struct {
	Name    string    `json:"name"`
	Hash    string    `json:"h"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// adminTokenPrefix starts every token, so that one found in a log or a
// repository is recognisable (and secret scanners can match it).
const adminTokenPrefix = "ghadm_"

// CarriesAdminToken reports whether v, an Authorization header's value,
// holds an admin token (or what is shaped as one: a revoked or mistyped
// token is still one to keep from an app), whatever its scheme's case or
// the spaces after it. Proxy mode removes such a header from what it
// forwards (docs/contract.md, "Admin console").
func CarriesAdminToken(v string) bool {
	_, cred, _ := strings.Cut(strings.TrimSpace(v), " ")
	return strings.HasPrefix(strings.TrimSpace(cred), adminTokenPrefix)
}

var tokenName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ErrTokenName is a token name that is not 1 to 63 lower-case letters, digits and
// dashes starting with a letter or digit, or is "all".
var ErrTokenName = errors.New(`a token name is 1 to 63 lower-case letters, digits and dashes, and not "all"`)

// validTokenName reports whether name may name a token: "all" may not,
// since its record would be the list of every token's name
// (allTokensKey), which revoking it would delete.
func validTokenName(name string) bool { return tokenName.MatchString(name) && name != "all" }

// NewAdminTokens keeps tokens in st (which must keep sets) under names
// keyed by key (Signer.DeriveKey("admin-token")); it panics on a short key.
func NewAdminTokens(st Store, key []byte, clock Clock) *AdminTokens {
	sets, _ := st.(SetStore)
	if clock == nil {
		clock = SystemClock{}
	}
	return &AdminTokens{st: st, sets: sets, names: keyNamer{key: requireKey("NewAdminTokens", key)}, clock: clock}
}

func tokenKey(name string) string { return "admtok:" + name }

const allTokensKey = "admtok:all"

// Create makes a token named name that lives ttl and returns it; it is
// not kept and cannot be shown again. A name in use is an ErrExists
// conflict.
func (a *AdminTokens) Create(ctx context.Context, name string, ttl time.Duration) (string, error) {
	if !validTokenName(name) {
		return "", ErrTokenName
	}
	if ttl <= 0 {
		return "", errors.New("a token needs a positive lifetime")
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	// A dot ends the name: neither names nor base64url use one.
	token := adminTokenPrefix + name + "." + base64.RawURLEncoding.EncodeToString(secret)
	now := a.clock.Now()
	rec := AdminToken{Name: name, Hash: a.names.name("admin token", token), Created: now, Expires: now.Add(ttl)}
	b, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	ok, err := a.st.SetNX(ctx, tokenKey(name), b, ttl)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &ConflictError{Field: "name"}
	}
	if a.sets != nil {
		if err := a.sets.SAdd(ctx, allTokensKey, name, Forever); err != nil {
			return "", err
		}
	}
	return token, nil
}

// Verify returns the name of a valid token, or ErrInvalidToken.
func (a *AdminTokens) Verify(ctx context.Context, token string) (string, error) {
	rest, ok := strings.CutPrefix(token, adminTokenPrefix)
	name, _, found := strings.Cut(rest, ".")
	if !ok || !found {
		return "", ErrInvalidToken
	}
	if !validTokenName(name) {
		return "", ErrInvalidToken
	}
	b, err := a.st.Get(ctx, tokenKey(name))
	if errors.Is(err, ErrNotFound) {
		return "", ErrInvalidToken
	}
	if err != nil {
		return "", err
	}
	var rec AdminToken
	if err := json.Unmarshal(b, &rec); err != nil {
		return "", fmt.Errorf("admin token record: %w", ErrStoreUnavailable)
	}
	if !hmac.Equal([]byte(rec.Hash), []byte(a.names.name("admin token", token))) || !a.clock.Now().Before(rec.Expires) {
		return "", ErrInvalidToken
	}
	return name, nil
}

// List returns the tokens alive, by name.
func (a *AdminTokens) List(ctx context.Context) ([]AdminToken, error) {
	if a.sets == nil {
		return nil, nil
	}
	names, err := a.sets.SMembers(ctx, allTokensKey)
	if err != nil {
		return nil, err
	}
	var out []AdminToken
	for _, n := range names {
		b, err := a.st.Get(ctx, tokenKey(n))
		if errors.Is(err, ErrNotFound) {
			_ = a.sets.SRem(ctx, allTokensKey, n) // expired
			continue
		}
		if err != nil {
			return nil, err
		}
		var rec AdminToken
		if json.Unmarshal(b, &rec) == nil {
			rec.Hash = ""
			out = append(out, rec)
		}
	}
	return out, nil
}

// Revoke ends the token named name and reports whether it existed.
func (a *AdminTokens) Revoke(ctx context.Context, name string) (bool, error) {
	if !validTokenName(name) {
		return false, ErrTokenName
	}
	ok, err := a.st.Delete(ctx, tokenKey(name))
	if err != nil {
		return false, err
	}
	if a.sets != nil {
		if err := a.sets.SRem(ctx, allTokensKey, name); err != nil {
			return ok, err
		}
	}
	return ok, nil
}
