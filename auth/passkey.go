package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Passkeys is the passkey and security-key service (WebAuthn Level 2;
// docs/contract.md, "Passkeys"). An account has any number of keys, each
// with a name, when it was registered and last used.
//
// Store keys: the account's record ("pk:" + a keyed hash of the username,
// so it works with every user backend) holds its random user handle and
// its credentials; "pk:h:" + SHA-256 of a handle names the account of a
// handle, for passwordless sign-in, without the handle or the name
// saying anything about the other; "pk:c:" + SHA-256 of a credential id
// names the account that holds it (passkey_ids.go); "pkc:" + SHA-256 of a session id holds
// that session's ceremony in progress (its challenge) for
// PasskeyCeremonyTTL. A ceremony is finished once: the first Delete of
// its key wins, so a challenge is never answered twice.
type Passkeys struct {
	kv      Store
	names   keyNamer
	wa      *webauthn.WebAuthn
	origins []string // PasskeyConfig.Origins
	clock   Clock
}

// PasskeyConfig is where passkeys may be used (passkeys: in the
// configuration, resolved).
type PasskeyConfig struct {
	RPID          string   // the relying party id: a host name
	RPDisplayName string   // shown by the browser when creating a key
	Origins       []string // the pages' origins, scheme://host[:port]
}

// Passkey parameters.
const (
	// PasskeyCeremonyTTL is how long a challenge waits for its answer.
	PasskeyCeremonyTTL = 5 * time.Minute
	// MaxPasskeys bounds an account's keys.
	MaxPasskeys = 20
	// MaxPasskeyName bounds a key's name, in characters.
	MaxPasskeyName = 60
	// passkeyHandleSize is the length of a user handle (random bytes).
	passkeyHandleSize = 32
)

// Errors of passkeys.
var (
	// ErrPasskeysUnavailable: the gateway runs without passkeys.enabled.
	ErrPasskeysUnavailable = errors.New("passkeys are not enabled")
	// ErrPasskeyNotEnrolled: the account has no passkey (and the target
	// accepts no other second factor).
	ErrPasskeyNotEnrolled = errors.New("no passkey on the account")
	// ErrPasskeyNotFound: no such key on the account (to remove).
	ErrPasskeyNotFound = errors.New("no such passkey")
	// ErrPasskeyInvalid: the answer does not prove a key of the account
	// for this site and challenge (another origin, a bad signature, an
	// unknown credential, no user verification where it was asked).
	ErrPasskeyInvalid = errors.New("invalid passkey answer")
	// ErrPasskeyCloned: the key's signature counter went back: two
	// authenticators hold the same key. Clients see ErrPasskeyInvalid's
	// answer; the event is audited.
	ErrPasskeyCloned = fmt.Errorf("%w: signature counter went back", ErrPasskeyInvalid)
	// ErrPasskeyCeremony: no ceremony of this kind waits in the session
	// (never started, expired, or already finished).
	ErrPasskeyCeremony = errors.New("no passkey ceremony in progress")
	// ErrPasskeyLimit: the account has MaxPasskeys keys already.
	ErrPasskeyLimit = errors.New("too many passkeys on the account")
	// ErrPasskeyOrigin: the page asking for a ceremony is on none of
	// the configured origins, where no key's answer would be accepted.
	ErrPasskeyOrigin = fmt.Errorf("%w on this origin", ErrPasskeysUnavailable)
)

// Passkey is what is shown of a key.
type Passkey struct {
	ID       string    `json:"id"` // the credential id, base64url
	Name     string    `json:"name"`
	Created  time.Time `json:"created"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// Ceremony kinds.
const (
	ceremonyRegister     = "register"
	ceremonySecond       = "second"       // after the password: a key of the account
	ceremonyPasswordless = "passwordless" // any discoverable key, user-verified
)

// passkeyRecord is what the store keeps of an account's keys.
type passkeyRecord struct {
	Handle []byte      `json:"h"`
	Keys   []storedKey `json:"k,omitempty"`
	// Claimed: every key's id is entered in the index of credential
	// ids (claimAll); false for a record written before it existed.
	Claimed bool `json:"ci,omitempty"`
}

// storedKey is one registered credential.
type storedKey struct {
	Name    string              `json:"n"`
	Created int64               `json:"c"`
	Used    int64               `json:"u,omitempty"`
	Cred    webauthn.Credential `json:"cr"`
}

// ceremony is a challenge waiting for its answer.
type ceremony struct {
	Kind string               `json:"k"`
	User string               `json:"u,omitempty"` // "" for a passwordless sign-in
	Data webauthn.SessionData `json:"d"`
}

// NewPasskeys returns the passkey service over kv. nameKey names the
// store keys (Signer.DeriveKey("passkey")).
func NewPasskeys(kv Store, nameKey []byte, cfg PasskeyConfig, clock Clock) (*Passkeys, error) {
	wa, err := webauthn.New(&webauthn.Config{
		RPID:          cfg.RPID,
		RPDisplayName: cfg.RPDisplayName,
		RPOrigins:     cfg.Origins,
	})
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &Passkeys{kv: kv, names: keyNamer{key: requireKey("NewPasskeys", nameKey)}, wa: wa, origins: slices.Clone(cfg.Origins), clock: clock}, nil
}

// usableAt is nil when a page of origin may run a ceremony: it is one
// of the configured origins. Each ceremony is bound to the origin of the
// page that started it (docs/contract.md, "Passkeys"): an answer made on
// another configured origin (a page of an app behind a front door, which
// is no page of the portal's) does not finish it.
func (p *Passkeys) usableAt(origin string) error {
	if origin == "" || !protocol.IsOriginInHaystack(origin, p.origins) {
		return ErrPasskeyOrigin
	}
	return nil
}

func (p *Passkeys) key(user string) string { return "pk:" + p.names.name("passkey", user) }

func handleKey(handle []byte) string {
	sum := sha256.Sum256(handle)
	return "pk:h:" + hex.EncodeToString(sum[:])
}

func ceremonyKey(sessionID string) string {
	sum := sha256.Sum256([]byte(sessionID))
	return "pkc:" + hex.EncodeToString(sum[:])
}

// List returns user's keys, oldest first.
func (p *Passkeys) List(ctx context.Context, user string) ([]Passkey, error) {
	rec, err := p.load(ctx, user)
	if err != nil {
		return nil, err
	}
	out := make([]Passkey, 0, len(rec.Keys))
	for _, k := range rec.Keys {
		out = append(out, k.view())
	}
	return out, nil
}

func (k storedKey) view() Passkey {
	v := Passkey{ID: base64.RawURLEncoding.EncodeToString(k.Cred.ID), Name: k.Name, Created: time.Unix(k.Created, 0).UTC()}
	if k.Used != 0 {
		v.LastUsed = time.Unix(k.Used, 0).UTC()
	}
	return v
}

// Enrolled reports whether user has a key.
func (p *Passkeys) Enrolled(ctx context.Context, user string) (bool, error) {
	rec, err := p.load(ctx, user)
	return err == nil && len(rec.Keys) > 0, err
}

// waUser is an account as go-webauthn sees it.
type waUser struct {
	name, display string
	rec           *passkeyRecord
}

func (u waUser) WebAuthnID() []byte          { return u.rec.Handle }
func (u waUser) WebAuthnName() string        { return u.name }
func (u waUser) WebAuthnDisplayName() string { return u.display }
func (u waUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(u.rec.Keys))
	for _, k := range u.rec.Keys {
		out = append(out, k.Cred)
	}
	return out
}

// begin keeps c as the ceremony of the session sessionID.
func (p *Passkeys) begin(ctx context.Context, sessionID string, c ceremony) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return p.kv.Set(ctx, ceremonyKey(sessionID), b, PasskeyCeremonyTTL)
}

// take returns and ends the ceremony of kind of the session sessionID:
// of two concurrent answers, only the one whose delete removed it goes
// on.
func (p *Passkeys) take(ctx context.Context, sessionID, kind string) (*ceremony, error) {
	key := ceremonyKey(sessionID)
	b, err := p.kv.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrPasskeyCeremony
	}
	if err != nil {
		return nil, err
	}
	gone, err := p.kv.Delete(ctx, key)
	if err != nil {
		return nil, err
	}
	var c ceremony
	// A ceremony without its origin was started before ceremonies were
	// bound to one: ended, as an expired one.
	if !gone || json.Unmarshal(b, &c) != nil || c.Kind != kind || c.Data.Origin == "" {
		return nil, ErrPasskeyCeremony
	}
	return &c, nil
}

// BeginRegistration starts registering a new key for u in the session
// sessionID, on the page of origin (ErrPasskeyOrigin for one that is not
// configured), which alone may answer: the options for
// navigator.credentials.create. A resident (discoverable) key and user
// verification are preferred; the account's keys are excluded, so one
// authenticator is not registered twice.
func (p *Passkeys) BeginRegistration(ctx context.Context, sessionID, origin string, u *User) (*protocol.CredentialCreation, error) {
	if err := p.usableAt(origin); err != nil {
		return nil, err
	}
	rec, err := p.load(ctx, u.Username)
	if err != nil {
		return nil, err
	}
	if len(rec.Keys) >= MaxPasskeys {
		return nil, ErrPasskeyLimit
	}
	if len(rec.Handle) == 0 {
		rec.Handle = make([]byte, passkeyHandleSize)
		if _, err := rand.Read(rec.Handle); err != nil {
			return nil, err
		}
	}
	wu := waUser{name: u.Username, display: displayName(u), rec: rec}
	exclude := make([]protocol.CredentialDescriptor, 0, len(rec.Keys))
	for _, k := range rec.Keys {
		exclude = append(exclude, k.Cred.Descriptor())
	}
	creation, data, err := p.wa.BeginRegistration(wu,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		}),
		webauthn.WithExclusions(exclude),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithRegistrationOrigin(origin),
	)
	if err != nil {
		return nil, fmt.Errorf("passkeys: %w", err)
	}
	// The handle travels with the ceremony: it is saved with the first key.
	data.UserID = rec.Handle
	if err := p.begin(ctx, sessionID, ceremony{Kind: ceremonyRegister, User: u.Username, Data: *data}); err != nil {
		return nil, err
	}
	return creation, nil
}

func displayName(u *User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

// FinishRegistration checks the answer body (the PublicKeyCredential
// JSON of navigator.credentials.create) to the registration the session
// sessionID started for u, and keeps the key under name.
func (p *Passkeys) FinishRegistration(ctx context.Context, sessionID string, u *User, name string, body []byte) (Passkey, error) {
	c, err := p.take(ctx, sessionID, ceremonyRegister)
	if err != nil {
		return Passkey{}, err
	}
	if c.User != u.Username {
		return Passkey{}, ErrPasskeyCeremony
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return Passkey{}, fmt.Errorf("%w: %w", ErrPasskeyInvalid, err)
	}
	if err := keyAcceptable(parsed.Response.AttestationObject.AuthData.AttData.CredentialPublicKey); err != nil {
		return Passkey{}, err
	}
	readNoAttestation(parsed)
	var k storedKey
	err = p.update(ctx, u.Username, func(rec *passkeyRecord) error {
		switch {
		case len(rec.Handle) == 0:
			rec.Handle = c.Data.UserID
		case !bytes.Equal(rec.Handle, c.Data.UserID):
			return ErrPasskeyCeremony // the account changed meanwhile
		}
		if len(rec.Keys) >= MaxPasskeys {
			return ErrPasskeyLimit
		}
		wu := waUser{name: u.Username, display: displayName(u), rec: rec}
		cred, err := p.wa.CreateCredential(wu, c.Data, parsed)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPasskeyInvalid, err)
		}
		slim(cred)
		for _, k := range rec.Keys {
			if bytes.Equal(k.Cred.ID, cred.ID) {
				return ErrPasskeyRegistered
			}
		}
		switch mine, err := p.claim(ctx, u.Username, cred.ID); {
		case err != nil:
			return err
		case !mine:
			return ErrPasskeyRegistered // another account's
		}
		if err := p.kv.Set(ctx, handleKey(rec.Handle), []byte(u.Username), Forever); err != nil {
			p.release(ctx, u.Username, cred.ID) // under the lock, as update releases
			return err
		}
		k = storedKey{Name: PasskeyName(name, len(rec.Keys)+1), Created: p.clock.Now().Unix(), Cred: *cred}
		rec.Keys = append(rec.Keys, k)
		return nil
	})
	if err != nil {
		return Passkey{}, err
	}
	return k.view(), nil
}

// PasskeyName is the name a key is kept under: name on one line that
// shows what it holds, of at most MaxPasskeyName characters, or
// "Passkey N" when empty. Spaces and line breaks become one space; the
// other characters a display name may not hold (breaksName: controls,
// bidi embeddings, overrides and isolates) are dropped, since the name
// is shown on the account's and the administrator's pages and kept in
// the audit trail (docs/contract.md, "Passkeys").
func PasskeyName(name string, n int) string {
	name = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case breaksName(r):
			return -1
		}
		return r
	}, name)), " ")
	if utf8.RuneCountInString(name) > MaxPasskeyName {
		name = string([]rune(name)[:MaxPasskeyName])
	}
	if name == "" {
		name = fmt.Sprintf("Passkey %d", n)
	}
	return name
}
