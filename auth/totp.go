package auth

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP is the authenticator-app service (docs/contract.md, "Authenticator apps"):
// TOTP per RFC 6238 with SHA-1, 6 digits and 30-second steps, the step
// before and the step after accepted for clock drift.
//
// The shared secret is kept in the store encrypted with AES-256-GCM under
// the key of totp.secret_key_file, the account's name as associated data
// (a record moved to another account does not open). Store keys are named
// by the deployment's keyNamer from the username, so TOTP works with every
// user backend.
//
// A code is single-use: every accepted time step is claimed with SetNX,
// and a step is accepted only when no later step of the account was
// accepted before it. Claiming first and looking for later claims second
// makes the accepted steps of an account strictly increasing, even for
// concurrent attempts on several replicas.
type TOTP struct {
	kv     Store
	names  keyNamer
	aead   cipher.AEAD
	issuer string
	clock  Clock
}

// TOTP parameters (RFC 6238; what every authenticator app supports).
const (
	// TOTPPeriod is the length of a time step.
	TOTPPeriod = 30 * time.Second
	// TOTPDigits is the length of a code.
	TOTPDigits = 6
	// TOTPSkew is how many steps before and after the current one are
	// accepted.
	TOTPSkew = 1
	// TOTPEnrolTTL is how long a secret shown for enrolment waits for
	// its confirming code.
	TOTPEnrolTTL = 15 * time.Minute
	// TOTPKeyLen is the length of the encryption key (AES-256).
	TOTPKeyLen = 32
	// totpSecretSize is the secret's length in bytes (RFC 4226 §4: 160
	// bits recommended).
	totpSecretSize = 20
	// TOTPMaxReplicaSkew is how far apart the clocks of the replicas
	// sharing a store may be (or one replica's clock be set back) with
	// no code accepted twice (docs/contract.md, "Authenticator apps").
	TOTPMaxReplicaSkew = 8 * time.Minute
	// totpClaimTTL outlives every step a code can be accepted for, by
	// any replica: a step is accepted within (2*TOTPSkew+1) periods of
	// the clock of the replica that claims it, by one whose clock is
	// behind until up to TOTPMaxReplicaSkew later, and a period more is
	// kept to spare (10 minutes: one small key per accepted code).
	totpClaimTTL = (2*TOTPSkew+2)*TOTPPeriod + TOTPMaxReplicaSkew
)

// Errors of authenticator-app codes.
var (
	// ErrTOTPUnavailable: the gateway runs without totp.enabled.
	ErrTOTPUnavailable = errors.New("authenticator apps are not enabled")
	// ErrTOTPNotEnrolled: the account has no authenticator app (or no
	// enrolment in progress, to confirm).
	ErrTOTPNotEnrolled = errors.New("no authenticator app on the account")
	// ErrTOTPEnrolled: the account has an authenticator app already;
	// remove it before adding another.
	ErrTOTPEnrolled = errors.New("an authenticator app is already set up")
	// ErrTOTPInvalid: the code is wrong, too old or already used. A
	// replayed code gets this answer too (and is counted as a wrong one).
	ErrTOTPInvalid = errors.New("invalid authenticator code")
	// errTOTPReplayed: the code's step, or a later one, was accepted
	// already. Clients see ErrTOTPInvalid.
	errTOTPReplayed = fmt.Errorf("%w: replayed", ErrTOTPInvalid)
)

// TOTPEnrolment is a secret waiting for its confirming code.
type TOTPEnrolment struct {
	Secret string // base32, as typed into an app
	URL    string // otpauth:// URL, the QR code's content
}

// totpRecord is what the store keeps of a secret: nonce and ciphertext,
// base64, and when it was set up; for one being set up, the session that
// started it (TOTPEnrolOwner), which alone is shown it and confirms it.
type totpRecord struct {
	Box     string `json:"b"`
	Created int64  `json:"c"`
	Owner   string `json:"o,omitempty"`
}

// TOTPEnrolOwner names sess as the owner of an enrolment it starts: a
// hash, under a label of its own, of its handle, which its step-ups keep
// (they give it a new id), else of its id (a session from before
// handles), so the record does not name the session's store key
// (docs/contract.md, "Authenticator apps"). Before, the id was hashed,
// and the step-up a stale confirmation asks for left the enrolment
// bound to no session: the secret scanned never worked.
func TOTPEnrolOwner(sess *Session) string {
	sum := sha256.Sum256([]byte("totp enrol\x00" + cmp.Or(sess.Handle, sess.ID)))
	return hex.EncodeToString(sum[:])
}

// NewTOTP returns the authenticator-app service over kv. nameKey names
// the store keys (Signer.DeriveKey("totp")); encKey (TOTPKeyLen bytes)
// encrypts the secrets; issuer is the name apps show beside the account.
func NewTOTP(kv Store, nameKey, encKey []byte, issuer string, clock Clock) (*TOTP, error) {
	if len(encKey) != TOTPKeyLen {
		return nil, fmt.Errorf("totp: the secret key must be %d bytes, not %d", TOTPKeyLen, len(encKey))
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("totp: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("totp: %w", err)
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &TOTP{kv: kv, names: keyNamer{key: requireKey("NewTOTP", nameKey)}, aead: aead, issuer: issuer, clock: clock}, nil
}

func (t *TOTP) key(user string) string        { return "totp:" + t.names.name("totp", user) }
func (t *TOTP) pendingKey(user string) string { return t.key(user) + ":p" }
func (t *TOTP) stepKey(user string, step int64) string {
	return t.key(user) + ":n:" + strconv.FormatInt(step, 10)
}

// seal encrypts secret for user.
func (t *TOTP) seal(user, secret string) ([]byte, error) {
	return t.sealFor(user, secret, "")
}

// sealFor is seal of an enrolment that owner started.
func (t *TOTP) sealFor(user, secret, owner string) ([]byte, error) {
	nonce := make([]byte, t.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	box := t.aead.Seal(nonce, nonce, []byte(secret), []byte("totp\x00"+user))
	return json.Marshal(totpRecord{Box: base64.RawStdEncoding.EncodeToString(box), Created: t.clock.Now().Unix(), Owner: owner})
}

// openOwned is openRecord, returning the owner of an enrolment.
func (t *TOTP) openOwned(ctx context.Context, user, key string) (string, string, error) {
	secret, rec, err := t.openRecord(ctx, user, key)
	if rec == nil {
		return secret, "", err
	}
	return secret, rec.Owner, err
}

// openRecord loads and decrypts the secret of user under key, and
// returns it with its record: "", nil and nil when there is none. A
// record that does not open (another key, another account's record) is
// a store fault: nobody signs in with it.
func (t *TOTP) openRecord(ctx context.Context, user, key string) (string, *totpRecord, error) {
	rec, err := t.loadRecord(ctx, key)
	if err != nil || rec == nil {
		return "", nil, err
	}
	box, err := base64.RawStdEncoding.DecodeString(rec.Box)
	n := t.aead.NonceSize()
	if err != nil || len(box) < n {
		return "", nil, fmt.Errorf("totp: record: %w", ErrStoreUnavailable)
	}
	secret, err := t.aead.Open(nil, box[:n], box[n:], []byte("totp\x00"+user))
	if err != nil {
		return "", nil, fmt.Errorf("totp: record does not decrypt (another secret key?): %w", ErrStoreUnavailable)
	}
	return string(secret), rec, nil
}

// loadRecord loads the record under key, still sealed: nil and nil when
// there is none.
func (t *TOTP) loadRecord(ctx context.Context, key string) (*totpRecord, error) {
	b, err := t.kv.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec totpRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("totp: record: %w", ErrStoreUnavailable)
	}
	return &rec, nil
}

// Enrolled reports whether user has an authenticator app.
func (t *TOTP) Enrolled(ctx context.Context, user string) (bool, error) {
	_, err := t.kv.Get(ctx, t.key(user))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Begin makes a new secret for user, kept TOTPEnrolTTL for Confirm by
// owner (TOTPEnrolOwner of the session that starts it), and returns it to
// be shown. A previous enrolment in progress is replaced: its session
// confirms nothing.
func (t *TOTP) Begin(ctx context.Context, user, owner string) (*TOTPEnrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: t.issuer, AccountName: user, Period: uint(TOTPPeriod / time.Second),
		SecretSize: totpSecretSize, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Rand: rand.Reader,
	})
	if err != nil {
		return nil, fmt.Errorf("totp: %w", err)
	}
	rec, err := t.sealFor(user, key.Secret(), owner)
	if err != nil {
		return nil, err
	}
	if err := t.kv.Set(ctx, t.pendingKey(user), rec, TOTPEnrolTTL); err != nil {
		return nil, err
	}
	return t.enrolment(user, key.Secret())
}

// Pending returns user's enrolment in progress that owner started, or
// ErrTOTPNotEnrolled (none, or another session's).
func (t *TOTP) Pending(ctx context.Context, user, owner string) (*TOTPEnrolment, error) {
	secret, err := t.pending(ctx, user, owner)
	if err != nil {
		return nil, err
	}
	return t.enrolment(user, secret)
}

// pending is the secret of user's enrolment in progress that owner
// started: ErrTOTPNotEnrolled for none, or for one another session
// started, which is neither shown nor confirmed here.
func (t *TOTP) pending(ctx context.Context, user, owner string) (string, error) {
	secret, by, err := t.openOwned(ctx, user, t.pendingKey(user))
	if err != nil {
		return "", err
	}
	if secret == "" || subtle.ConstantTimeCompare([]byte(by), []byte(owner)) != 1 {
		return "", ErrTOTPNotEnrolled
	}
	return secret, nil
}

// enrolment is what is shown of secret: itself and its otpauth URL
// (the key URI format every authenticator app reads).
func (t *TOTP) enrolment(user, secret string) (*TOTPEnrolment, error) {
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", t.issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", strconv.Itoa(TOTPDigits))
	q.Set("period", strconv.Itoa(int(TOTPPeriod/time.Second)))
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + t.issuer + ":" + user, RawQuery: q.Encode()}
	return &TOTPEnrolment{Secret: secret, URL: u.String()}, nil
}

// Confirm checks code against user's enrolment in progress that owner
// started and, when it is right, makes its secret the account's, only
// while the account has no app, decided with the write (a
// compare-and-set on the absent key): ErrTOTPEnrolled otherwise. Of two
// enrolments confirmed at the same moment (the second started before
// the first was written) one is the account's, and the other is told
// so; before, both were answered as set up and the secret written last
// replaced the other (docs/contract.md, "Authenticator apps"). The
// code's step is claimed: it cannot sign in afterwards. A store that
// cannot compare and set fails closed.
func (t *TOTP) Confirm(ctx context.Context, user, owner, code string) error {
	sw, ok := t.kv.(Swapper)
	if !ok {
		return fmt.Errorf("totp: the store cannot write an app only where none is: %w", ErrStoreUnavailable)
	}
	secret, err := t.pending(ctx, user, owner)
	if err != nil {
		return err
	}
	if err := t.verify(ctx, user, secret, code); err != nil {
		return err
	}
	rec, err := t.seal(user, secret)
	if err != nil {
		return err
	}
	written, err := sw.CompareAndSwap(ctx, t.key(user), nil, rec, Forever)
	if err != nil {
		return err
	}
	if !written {
		return ErrTOTPEnrolled
	}
	_, _ = t.kv.Delete(ctx, t.pendingKey(user))
	return nil
}

// Check verifies code from user's authenticator app: ErrTOTPNotEnrolled
// without one, ErrTOTPInvalid (or errTOTPReplayed, which is one) when the
// code is not that of the current step or its neighbours, or its step (or
// a later one) was accepted before.
func (t *TOTP) Check(ctx context.Context, user, code string) error {
	_, err := t.CheckApp(ctx, user, code)
	return err
}

// TOTPApp names one enrolment of an authenticator app (its sealed
// record, which a new enrolment of the same account never repeats).
type TOTPApp string

// CheckApp is Check, also naming the app the code was checked against,
// for Holds.
func (t *TOTP) CheckApp(ctx context.Context, user, code string) (TOTPApp, error) {
	secret, rec, err := t.openRecord(ctx, user, t.key(user))
	if err != nil {
		return "", err
	}
	if rec == nil {
		return "", ErrTOTPNotEnrolled
	}
	return TOTPApp(rec.Box), t.verify(ctx, user, secret, code)
}

// Holds reports whether app is still user's authenticator app: false
// once it was removed, and once another took its place (docs/contract.md,
// "Authenticator apps").
//
// The sealed records are compared, nothing decrypted: the code was
// checked against the secret already.
func (t *TOTP) Holds(ctx context.Context, user string, app TOTPApp) (bool, error) {
	rec, err := t.loadRecord(ctx, t.key(user))
	if err != nil || rec == nil {
		return false, err
	}
	return app != "" && subtle.ConstantTimeCompare([]byte(rec.Box), []byte(app)) == 1, nil
}

// Remove deletes user's authenticator app (and any enrolment in progress).
func (t *TOTP) Remove(ctx context.Context, user string) error {
	return forgetTOTP(ctx, t.kv, t.names.key, user)
}

// forgetTOTP deletes user's app, and one being set up, from kv, its keys
// named with nameKey as NewTOTP names them: it needs no secret key, so an
// app is forgotten with totp.enabled off too (Forget).
func forgetTOTP(ctx context.Context, kv Store, nameKey []byte, user string) error {
	t := &TOTP{kv: kv, names: keyNamer{key: requireKey("forgetTOTP", nameKey)}}
	_, _ = kv.Delete(ctx, t.pendingKey(user))
	ok, err := kv.Delete(ctx, t.key(user))
	if err != nil {
		return err
	}
	if !ok {
		return ErrTOTPNotEnrolled
	}
	return nil
}
