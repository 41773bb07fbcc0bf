package storeusers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Store is what the backend needs of the state store: with
// auth.Swapper, every change of a record is a compare-and-set (see
// change).
type Store interface {
	auth.Store
	auth.SetStore
	auth.SortedIndex
	auth.MultiGetter
	auth.Swapper
}

// Backend keeps users in a Store. Keys: "user:r:<username>" holds the
// record, "user:e:<email>" (an email vouched for only, see claims.go)
// and "user:p:<phone>" point at the username, "user:all" lists usernames
// (and "user:ix", "user:g:GROUP" index them for the console, see
// index.go). Uniqueness is enforced by claiming each key with SetNX; a
// failed claim releases the ones already taken, so two concurrent
// sign-ups for one number never both succeed and neither leaves half an
// account behind.
type Backend struct {
	st     Store
	region string
	// built says the console's index is known to exist (ensureIndex).
	built   atomic.Bool
	buildMu sync.Mutex
}

var _ auth.UserRegistry = (*Backend)(nil)

// New returns a backend over st. defaultRegion is used to read phone
// numbers typed without a country code ("" = they must have one).
func New(st Store, defaultRegion string) *Backend {
	return &Backend{st: st, region: defaultRegion}
}

// record is the stored form of a user.
type record struct {
	Username       string   `json:"username"`
	DisplayName    string   `json:"name,omitempty"`
	Email          string   `json:"email,omitempty"`
	Phone          string   `json:"phone,omitempty"`
	Groups         []string `json:"groups,omitempty"`
	Password       string   `json:"password"` // the argon2id or bcrypt hash, never a password
	Disabled       bool     `json:"disabled,omitempty"`
	ForceTwoFactor bool     `json:"force_two_factor,omitempty"`
	PhoneUnproved  bool     `json:"phone_unproved,omitempty"`
	// EmailUnverified (auth.User.EmailUnverified) is written for an
	// email its person gave at sign-up; records written before it existed
	// have none and read as vouched for (docs/contract.md, "Sign-up").
	EmailUnverified bool  `json:"email_unverified,omitempty"`
	Pending         bool  `json:"pending,omitempty"`
	Created         int64 `json:"created"`
	// Held marks a deleted account's name (holdOf): the record keeps
	// nothing else, is no account (read says ErrUserNotFound), and its
	// key, kept for good, is what refuses the name to a sign-up
	// (docs/contract.md, "Names of deleted accounts"). Deleted is when.
	Held    bool  `json:"held,omitempty"`
	Deleted int64 `json:"deleted,omitempty"`
	// Generation is the credential generation (auth.User.Generation): a
	// new random value whenever the password, phone or disabled flag is
	// set, so that even setting one back to what it was ends the sessions
	// made in between. Records written before it existed have none and
	// get one derived from their content (generation).
	Generation string `json:"cg,omitempty"`
	// Write is a random word new with every write, so that no two writes
	// leave the same bytes: a failover replay, which writes a record
	// again only where it still holds what it held before, can then never
	// mistake a later write that set it back (a group removed, added
	// back, removed again) for the one it replaces (docs/contract.md,
	// "Failover durability").
	Write string `json:"w,omitempty"`
}

// stamp gives r a new Write word before it is written.
func (r *record) stamp() error {
	w, err := auth.RandomToken(9)
	if err != nil {
		return fmt.Errorf("storeusers: write stamp: %w", err)
	}
	r.Write = w
	return nil
}

func (r *record) user() *auth.User {
	return &auth.User{
		Username: r.Username, DisplayName: r.DisplayName, Email: r.Email, Phone: r.Phone,
		Groups: append([]string(nil), r.Groups...), PasswordHash: r.Password,
		Disabled: r.Disabled, ForceTwoFactor: r.ForceTwoFactor, PhoneUnproved: r.PhoneUnproved && r.Phone != "",
		EmailUnverified: r.EmailUnverified && r.Email != "", Generation: r.generation(),
	}
}

// generation is the record's credential generation: the stored one, or
// for a record written before generations were stored, one derived from
// its password, phone and disabled flag (until its next change stores
// one).
func (r *record) generation() string {
	if r.Generation != "" {
		return r.Generation
	}
	return auth.CredentialGeneration(&auth.User{PasswordHash: r.Password, Phone: r.Phone, Disabled: r.Disabled})
}

// newGeneration gives the record a new credential generation, ending the
// sessions made under the old one.
func (r *record) newGeneration() error {
	g, err := auth.RandomToken(12)
	if err != nil {
		return fmt.Errorf("storeusers: credential generation: %w", err)
	}
	r.Generation = g
	return nil
}

func fromUser(u *auth.User, pending bool) (*record, error) {
	r := &record{
		Username: u.Username, DisplayName: u.DisplayName, Email: strings.ToLower(u.Email), Phone: u.Phone,
		Groups: append([]string(nil), u.Groups...), Password: u.PasswordHash,
		Disabled: u.Disabled, ForceTwoFactor: u.ForceTwoFactor, PhoneUnproved: u.PhoneUnproved, EmailUnverified: u.EmailUnverified,
		Pending: pending, Created: time.Now().Unix(),
	}
	return r, r.newGeneration()
}

// RecordKeyPrefix starts the store key of every user record, which the
// gateway reads on every request: a store may cache reads under it.
const RecordKeyPrefix = "user:r:"

func recKey(username string) string { return RecordKeyPrefix + strings.ToLower(username) }
func emailKey(email string) string  { return "user:e:" + strings.ToLower(email) }
func phoneKey(phone string) string  { return "user:p:" + phone }

const allKey = "user:all"

// Lookup finds an active user by username, email or phone number.
func (b *Backend) Lookup(ctx context.Context, login string) (*auth.User, error) {
	r, err := b.find(ctx, login)
	if err != nil {
		return nil, err
	}
	if r.Pending {
		return nil, auth.ErrUserNotFound
	}
	return r.user(), nil
}

func (b *Backend) find(ctx context.Context, login string) (*record, error) {
	login = strings.TrimSpace(login)
	switch {
	case login == "":
		return nil, auth.ErrUserNotFound
	case strings.Contains(login, "@"):
		return b.claimant(ctx, "email", emailKey(login))
	case auth.LooksLikePhone(login):
		p, err := auth.NormalizePhone(login, b.region)
		if err != nil {
			return nil, auth.ErrUserNotFound
		}
		return b.claimant(ctx, "phone", phoneKey(p))
	}
	return b.get(ctx, login)
}

// claimant returns the record of the username the claim key of field
// names, where that record backs it (backs): a claim it does not back
// (an unproved email's, written before they stopped claiming; one a
// change cut off or a failover left) names no account
// (docs/contract.md, "Sign-up", "Store housekeeping").
func (b *Backend) claimant(ctx context.Context, field, key string) (*record, error) {
	v, err := b.st.Get(ctx, key)
	if errors.Is(err, auth.ErrNotFound) {
		return nil, auth.ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storeusers: lookup: %w", err)
	}
	r, err := b.get(ctx, string(v))
	if err == nil && !backs(r, field, key) {
		return nil, auth.ErrUserNotFound
	}
	return r, err
}

func (b *Backend) get(ctx context.Context, username string) (*record, error) {
	r, _, err := b.read(ctx, username)
	return r, err
}

// read returns username's record and the bytes it was read from; a held
// name (record.Held) is no account: auth.ErrUserNotFound.
func (b *Backend) read(ctx context.Context, username string) (*record, []byte, error) {
	r, v, err := b.readAny(ctx, username)
	if err == nil && r.Held {
		return nil, nil, auth.ErrUserNotFound
	}
	return r, v, err
}

// readAny is read, a held name's record included.
func (b *Backend) readAny(ctx context.Context, username string) (*record, []byte, error) {
	v, err := b.st.Get(ctx, recKey(username))
	if errors.Is(err, auth.ErrNotFound) {
		return nil, nil, auth.ErrUserNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("storeusers: get: %w", err)
	}
	var r record
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, nil, fmt.Errorf("storeusers: corrupt record for %q: %w", username, err)
	}
	return &r, v, nil
}

// create claims the record's username, email and phone for ttl and writes
// it, and lists an active record. A pending one (a sign-up) claims its
// name alone: its phone is claimed, and it is listed, when its code comes
// back (Activate), so that a sign-up nobody finished keeps its number
// from nobody, and an abandoned one expires with everything it wrote
// (docs/contract.md, "Sign-up").
// A held name (a deleted account's) is taken only when reuse says so
// (claimName), and reports whether it was. On a conflict it releases
// what it claimed (a held name is held again) and returns a
// *auth.ConflictError.
func (b *Backend) create(ctx context.Context, r *record, ttl time.Duration, reuse bool) (reused bool, err error) {
	if err := r.stamp(); err != nil {
		return false, err
	}
	v, err := json.Marshal(r) //nolint:gosec // r.Password is the hash (record), which this backend stores
	if err != nil {
		return false, err
	}
	unclaim, reused, err := b.claimName(ctx, r.Username, v, ttl, reuse)
	if err != nil {
		return false, err
	}
	var taken []string
	release := func() {
		ctx := context.WithoutCancel(ctx)
		for _, k := range taken {
			_, _ = b.st.CompareAndDelete(ctx, k, []byte(r.Username))
		}
		unclaim(ctx)
	}
	var claimed [][2]string
	if !r.Pending {
		claimed = claims(r)
	}
	for _, c := range claimed {
		ok, err := b.claim(ctx, c[0], c[1], r.Username, ttl)
		if err != nil {
			release()
			return false, fmt.Errorf("storeusers: claim %s: %w", c[0], err)
		}
		if !ok {
			release()
			return false, &auth.ConflictError{Field: c[0]}
		}
		taken = append(taken, c[1])
	}
	if r.Pending {
		return reused, nil
	}
	if err := b.list(ctx, r); err != nil {
		release()
		return false, err
	}
	return reused, nil
}

// Add creates an active account (the CLI's `user add`).
func (b *Backend) Add(ctx context.Context, u *auth.User) error {
	if err := validUser(u); err != nil {
		return err
	}
	r, err := fromUser(u, false)
	if err != nil {
		return err
	}
	_, err = b.create(ctx, r, auth.Forever, false)
	return err
}

// AddReusingName is Add that may give the account a deleted account's
// name, which Add refuses (`gatehouse user add --reuse-name`;
// docs/contract.md, "Names of deleted accounts"), and reports whether
// the name was one.
func (b *Backend) AddReusingName(ctx context.Context, u *auth.User) (reused bool, err error) {
	if err := validUser(u); err != nil {
		return false, err
	}
	r, err := fromUser(u, false)
	if err != nil {
		return false, err
	}
	return b.create(ctx, r, auth.Forever, true)
}

// unlist takes r out of "user:all" and the console's indexes.
func (b *Backend) unlist(ctx context.Context, r *record) error {
	if err := b.indexRemove(ctx, r); err != nil {
		return err
	}
	return b.st.SRem(ctx, allKey, r.Username)
}

func validUser(u *auth.User) error {
	errs := auth.FieldErrors{}
	if u.Username == "" || strings.ContainsAny(u.Username, " \t\r\n@") {
		errs["username"] = "required, without spaces or @"
	}
	if u.PasswordHash != "" {
		if err := auth.CheckHash(u.PasswordHash); err != nil {
			errs["password"] = "not a usable argon2id or bcrypt hash"
		}
	} else {
		errs["password"] = "required"
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
