package auth

// Signing in with a passkey (docs/contract.md, "Passkeys"): the
// ceremony's options and the check of the key's answer.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// BeginLogin starts a sign-in with a key in the session sessionID, on
// the page of origin (ErrPasskeyOrigin for one that is not configured),
// which alone may answer: a key of user's after the password (user
// verification preferred), or, for user "", any discoverable key
// (passwordless: user verification required). It returns the options
// for navigator.credentials.get.
func (p *Passkeys) BeginLogin(ctx context.Context, sessionID, origin, user string, verify bool) (*protocol.CredentialAssertion, error) {
	if err := p.usableAt(origin); err != nil {
		return nil, err
	}
	var (
		assertion *protocol.CredentialAssertion
		data      *webauthn.SessionData
		c         = ceremony{Kind: ceremonyPasswordless}
		err       error
	)
	if user == "" {
		assertion, data, err = p.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired), webauthn.WithLoginOrigin(origin))
	} else {
		rec, lerr := p.load(ctx, user)
		if lerr != nil {
			return nil, lerr
		}
		if len(rec.Keys) == 0 {
			return nil, ErrPasskeyNotEnrolled
		}
		c = ceremony{Kind: ceremonySecond, User: user}
		uv := protocol.VerificationPreferred
		if verify {
			uv = protocol.VerificationRequired
		}
		assertion, data, err = p.wa.BeginLogin(waUser{name: user, rec: rec}, webauthn.WithUserVerification(uv), webauthn.WithLoginOrigin(origin))
	}
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	c.Data = *data
	if err := p.begin(ctx, sessionID, c); err != nil {
		return nil, err
	}
	return assertion, nil
}

// LoginResult is a key's answer accepted.
type LoginResult struct {
	User string // the account whose key answered
	UV   bool   // the authenticator verified the user
	Key  string // the key's name
	ID   string // the key's credential id, base64url (Passkey.ID)
}

// FinishLogin checks the answer body (the PublicKeyCredential JSON of
// navigator.credentials.get) to the sign-in the session sessionID
// started, and records the key's use. A key whose signature counter did
// not increase is refused with ErrPasskeyCloned (its record unchanged);
// the result names the account then too, for the audit. Every account
// is admitted: the login service asks FinishLoginAdmitting.
func (p *Passkeys) FinishLogin(ctx context.Context, sessionID string, passwordless bool, body []byte) (LoginResult, error) {
	return p.FinishLoginAdmitting(ctx, sessionID, passwordless, body, func(context.Context, string) error { return nil })
}

// FinishLoginAdmitting is FinishLogin where, in a passwordless sign-in,
// whose answer names the account, admit is asked whether that account
// may sign in before its record is read: an error it returns refuses the
// answer with nothing of the record changed (its counter, its last use)
// and no account named (docs/contract.md, "Passkeys").
func (p *Passkeys) FinishLoginAdmitting(ctx context.Context, sessionID string, passwordless bool, body []byte, admit func(ctx context.Context, user string) error) (LoginResult, error) {
	kind := ceremonySecond
	if passwordless {
		kind = ceremonyPasswordless
	}
	c, err := p.take(ctx, sessionID, kind)
	if err != nil {
		return LoginResult{}, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		// After the password the ceremony names the account: the refusal
		// is its own, as every other is.
		return LoginResult{User: c.User}, fmt.Errorf("%w: %w", ErrPasskeyInvalid, err)
	}
	user := c.User
	if passwordless {
		if user, err = p.userOf(ctx, parsed.Response.UserHandle); err != nil {
			return LoginResult{}, err
		}
		if err := admit(ctx, user); err != nil {
			return LoginResult{}, err
		}
	}
	res := LoginResult{User: user}
	// Checked and counted under the account's lock: two answers at once
	// (a key and its clone) see each other's counter.
	err = p.update(ctx, user, func(rec *passkeyRecord) error {
		i := slices.IndexFunc(rec.Keys, func(k storedKey) bool { return bytes.Equal(k.Cred.ID, parsed.RawID) })
		if i < 0 {
			return ErrPasskeyInvalid
		}
		res.Key, res.ID = rec.Keys[i].Name, rec.Keys[i].view().ID
		// Before its signature is checked: a key kept before public keys
		// were bounded may take seconds to check.
		if err := keyAcceptable(rec.Keys[i].Cred.PublicKey); err != nil {
			return err
		}
		wu := waUser{name: user, rec: rec}
		var cred *webauthn.Credential
		var err error
		if passwordless {
			cred, err = p.wa.ValidateDiscoverableLogin(func([]byte, []byte) (webauthn.User, error) { return wu, nil }, c.Data, parsed)
		} else {
			data, ok := stillAllowed(c.Data, rec, parsed.RawID)
			if !ok {
				return ErrPasskeyInvalid
			}
			cred, err = p.wa.ValidateLogin(wu, data, parsed)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPasskeyInvalid, err)
		}
		if !bytes.Equal(cred.ID, rec.Keys[i].Cred.ID) {
			return ErrPasskeyInvalid
		}
		if cred.Authenticator.CloneWarning {
			return ErrPasskeyCloned
		}
		res.UV = parsed.Response.AuthenticatorData.Flags.HasUserVerified()
		rec.Keys[i].Cred = *cred
		rec.Keys[i].Used = p.clock.Now().Unix()
		return nil
	})
	return res, err
}

// stillAllowed returns the ceremony data with the keys it asked for
// that rec still holds, and whether the key id that answered is one of
// them. A key removed since the ceremony began (in another tab, by an
// administrator) does not answer it; the others still do: the check of
// the answer (go-webauthn) refuses every answer when a key it asked for
// is no longer the account's (docs/contract.md, "Passkeys").
func stillAllowed(data webauthn.SessionData, rec *passkeyRecord, id []byte) (webauthn.SessionData, bool) {
	held := func(id []byte) bool {
		return slices.ContainsFunc(rec.Keys, func(k storedKey) bool { return bytes.Equal(k.Cred.ID, id) })
	}
	asked := func(a []byte) bool { return bytes.Equal(a, id) }
	if !slices.ContainsFunc(data.AllowedCredentialIDs, asked) || !held(id) {
		return data, false
	}
	data.AllowedCredentialIDs = slices.DeleteFunc(slices.Clone(data.AllowedCredentialIDs), func(a []byte) bool { return !held(a) })
	return data, true
}

// Holds reports whether user has the key id (base64url, Passkey.ID):
// asked once a sign-in with it is written (Login.keepProof).
func (p *Passkeys) Holds(ctx context.Context, user, id string) (bool, error) {
	keys, err := p.List(ctx, user)
	return slices.ContainsFunc(keys, func(k Passkey) bool { return k.ID == id }), err
}

// userOf is the account of a user handle: ErrPasskeyInvalid for one no
// account has.
func (p *Passkeys) userOf(ctx context.Context, handle []byte) (string, error) {
	if len(handle) == 0 || len(handle) > 64 {
		return "", ErrPasskeyInvalid
	}
	b, err := p.kv.Get(ctx, handleKey(handle))
	if errors.Is(err, ErrNotFound) {
		return "", ErrPasskeyInvalid
	}
	if err != nil {
		return "", err
	}
	return string(b), nil
}
