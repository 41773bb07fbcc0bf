package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// NormalizeLogin returns the one spelling of a login name as typed that
// regulation counts it under when it names no account (docs/contract.md,
// "Regulation"): trimmed, lower-cased, and a phone number in E.164 when it
// parses as one (numbers without a country code are read in region). Every
// spelling user lookup accepts for one name maps to the same string.
func NormalizeLogin(login, region string) string {
	s := strings.TrimSpace(login)
	if LooksLikePhone(s) {
		if e164, err := NormalizePhone(s, region); err == nil {
			return e164
		}
	}
	return strings.ToLower(s)
}

// Subject is the one rule for what a failed password or code counts
// against: username, the canonical name of the account it was for, or,
// when there is none (an unknown name or number), NormalizeLogin of what
// was typed. Unknown names are counted exactly like accounts, so bans and
// locks do not reveal which accounts exist.
func Subject(username, login, region string) string {
	if username != "" {
		return username
	}
	return NormalizeLogin(login, region)
}

// ResolveLogin looks login up (username, email or phone number, as the
// backend accepts them) and returns the account, nil when there is none,
// and the Subject its failures count against. Backend failures are
// returned: callers fail closed.
func ResolveLogin(ctx context.Context, users UserBackend, login, region string) (*User, string, error) {
	if strings.TrimSpace(login) == "" {
		return nil, "", nil
	}
	u, err := users.Lookup(ctx, login)
	switch {
	case errors.Is(err, ErrUserNotFound):
		return nil, Subject("", login, region), nil
	case err != nil:
		return nil, "", fmt.Errorf("login: lookup: %w", err)
	}
	return u, Subject(u.Username, login, region), nil
}
