package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Account errors.
var (
	// ErrExists: a username, email or phone number is already taken.
	ErrExists = errors.New("already exists")
	// ErrInvalidInput: one or more fields are invalid; see FieldErrors.
	ErrInvalidInput = errors.New("invalid input")
	// ErrNameHeld: the username belonged to a deleted account, and is
	// given again only by an administrator who says so
	// (docs/contract.md, "Names of deleted accounts"). Only the
	// administrator's create is told; a sign-up gets a taken name's
	// answer.
	ErrNameHeld = errors.New("username held: it belonged to a deleted account")
)

// ConflictError names the field that is already taken. It matches
// ErrExists, and ErrNameHeld too when Held.
type ConflictError struct {
	Field string
	// Held says the username is a deleted account's (ErrNameHeld), for
	// an administrator's create only.
	Held bool
}

// Error implements error.
func (e *ConflictError) Error() string {
	if e.Held {
		return ErrNameHeld.Error()
	}
	return e.Field + " already registered"
}

// Is makes errors.Is(err, ErrExists) work, and errors.Is(err,
// ErrNameHeld) for a held name.
func (e *ConflictError) Is(target error) bool {
	return target == ErrExists || (e.Held && target == ErrNameHeld)
}

// FieldErrors maps a field name to what is wrong with it. It matches
// ErrInvalidInput.
type FieldErrors map[string]string

// Error implements error, listing fields in order.
func (f FieldErrors) Error() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + f[k]
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalidInput) work.
func (f FieldErrors) Is(target error) bool { return target == ErrInvalidInput }

// Problem is one thing wrong with one input, as a person should read it:
// ID is a stable message id (a portal looks it up in its message
// catalogue to show it in another language), N the number the message
// mentions (a length), and Text the English message.
type Problem struct {
	ID   string
	N    int
	Text string
}

// InputError is FieldErrors with a Problem per field. It unwraps to its
// FieldErrors, so errors.As(err, &fieldErrors) and
// errors.Is(err, ErrInvalidInput) work on it as on FieldErrors.
type InputError struct {
	// Problems maps a field name to its problem.
	Problems map[string]Problem
}

// FieldProblem returns an InputError for one field.
func FieldProblem(field, id, text string) *InputError {
	return &InputError{Problems: map[string]Problem{field: {ID: id, Text: text}}}
}

// Fields returns the English message of each field.
func (e *InputError) Fields() FieldErrors {
	out := make(FieldErrors, len(e.Problems))
	for f, p := range e.Problems {
		out[f] = p.Text
	}
	return out
}

// Error implements error.
func (e *InputError) Error() string { return e.Fields().Error() }

// Unwrap returns the FieldErrors.
func (e *InputError) Unwrap() error { return e.Fields() }

// UserRegistry is a user backend that can create and change accounts (the
// store-backed "redis" backend). The file backend is read-only.
type UserRegistry interface {
	UserBackend
	// Reserve creates u as a pending account that Lookup does not see,
	// claiming its username for ttl, and nothing else: its phone (and an
	// email an administrator vouched for) is claimed by Activate, so that
	// a sign-up nobody finishes keeps them from nobody (docs/contract.md,
	// "Sign-up"). Returns a *ConflictError when the name is taken (a held
	// one as a taken one, never Held).
	Reserve(ctx context.Context, u *User, ttl time.Duration) error
	// Pending returns a pending account, or ErrUserNotFound.
	Pending(ctx context.Context, username string) (*User, error)
	// Activate makes the pending account username, reserved with phone,
	// a real one, for good, claiming its phone: a *ConflictError when
	// another account has it (another sign-up's code came back first).
	// ErrUserNotFound when no account of that name is pending with that
	// phone (the reservation the code was sent for expired and another
	// took the name, or it became a real account).
	Activate(ctx context.Context, username, phone string) error
	// Release deletes a pending account and frees its claims.
	Release(ctx context.Context, username string) error
	// NameHeld reports whether username belonged to a deleted account,
	// which Reserve then refuses as a taken one (docs/contract.md, "Names
	// of deleted accounts").
	NameHeld(ctx context.Context, username string) (bool, error)
	// SetPasswordIf replaces the user's password hash, only while the
	// account is enabled and its credential generation is gen, decided
	// with the write, and returns the credential generation it wrote:
	// ErrCredentialsChanged (or ErrUserNotFound) otherwise.
	SetPasswordIf(ctx context.Context, username, gen, hash string) (string, error)
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$`)

// NewAccount is what a person signs up with.
type NewAccount struct {
	Username, Email, Password, Phone, Name string
}

// ValidateAccount checks a sign-up and returns the normalised user (phone
// in E.164, email and username lower-cased) or an *InputError (which
// unwraps to FieldErrors) naming every bad field. The user's email is
// marked unverified: the person chose it, nobody vouched for it
// (docs/contract.md, "Sign-up").
func ValidateAccount(in NewAccount, policy PasswordPolicy, defaultRegion string) (*User, error) {
	u, errs := validateProfile(in, defaultRegion, true, true)
	u.EmailUnverified = true
	if p := policy.Check(in.Password, u); p.ID != "" {
		errs["password"] = p
	}
	if len(errs) > 0 {
		return nil, &InputError{Problems: errs}
	}
	return u, nil
}

// ValidateInvite checks an account an administrator creates (no
// password yet, the phone optional, groups) and returns the normalised
// user or an *InputError naming every bad field.
func ValidateInvite(in NewAccount, groups []string, defaultRegion string) (*User, error) {
	return validateOperators(in, groups, defaultRegion, true)
}

// ValidateAdd checks an account an operator adds on the command line
// (`gatehouse user add` with users.backend: redis): the rules of
// ValidateInvite, the email optional too, so that it makes no account the
// console and sign-up would refuse (docs/contract.md, "Names an app reads
// as one").
func ValidateAdd(in NewAccount, groups []string, defaultRegion string) (*User, error) {
	return validateOperators(in, groups, defaultRegion, false)
}

// validateOperators checks an account an administrator or operator
// makes: the profile, the phone optional, and groups.
func validateOperators(in NewAccount, groups []string, defaultRegion string, needEmail bool) (*User, error) {
	u, errs := validateProfile(in, defaultRegion, false, needEmail)
	var err error
	if u.Groups, err = ValidateGroups(groups); err != nil {
		errs["groups"] = GroupsProblem
	}
	if len(errs) > 0 {
		return nil, &InputError{Problems: errs}
	}
	return u, nil
}

// validateProfile checks what a sign-up and an invitation share.
func validateProfile(in NewAccount, defaultRegion string, needPhone, needEmail bool) (*User, map[string]Problem) {
	errs := map[string]Problem{}
	u := &User{
		Username:    strings.ToLower(strings.TrimSpace(in.Username)),
		Email:       strings.ToLower(strings.TrimSpace(in.Email)),
		DisplayName: strings.TrimSpace(in.Name),
	}
	switch {
	case !usernameRE.MatchString(u.Username):
		errs["username"] = Problem{ID: "field.username.format", Text: "Use 3 to 64 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit."}
	case LooksLikePhone(u.Username):
		// Sign-in reads such a name as a phone number, and a sign-up
		// refused for it would tell which numbers have accounts.
		errs["username"] = Problem{ID: "field.username.phone", Text: "A username cannot look like a phone number: add a letter."}
	case TrailActor(u.Username):
		errs["username"] = Problem{ID: "field.username.reserved", Text: "This username is kept for the gateway itself. Choose another."}
	}
	if u.Email == "" {
		if needEmail {
			errs["email"] = Problem{ID: "field.email.required", Text: "Enter your email address."}
		}
	} else if disguisedEmail(u.Email) {
		errs["email"] = Problem{ID: "field.email.plain", Text: "Type the address in plain letters: it has a full-width or look-alike letter, or an invisible character."}
	} else if !ValidEmail(u.Email) {
		errs["email"] = Problem{ID: "field.email.invalid", Text: "Enter a valid email address, like name@example.com."}
	}
	if needPhone || strings.TrimSpace(in.Phone) != "" {
		if p, err := NormalizePhone(in.Phone, defaultRegion); err != nil {
			errs["phone"] = PhoneProblem(err)
		} else {
			u.Phone = p
		}
	}
	if BadDisplayName(u.DisplayName) {
		errs["name"] = Problem{ID: "field.name.format", Text: "Use at most 100 characters, on one line."}
	}
	return u, errs
}

// BadDisplayName reports whether name is not a display name the gateway
// shows and asserts (X-Auth-Name, the assertion's name): over 100
// characters, or holding a character breaksName names. Every way a name
// comes in (sign-up, the console, the CLI, users.yaml) is held to it.
func BadDisplayName(name string) bool {
	return utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, breaksName)
}

// breaksName reports whether r keeps a display name from being one line
// that shows what it holds (docs/contract.md, "Names an app reads as
// one"): a control character (C0, DEL, C1: NEL among them), a line or
// paragraph separator, or a bidi embedding, override or isolate (and
// their ends), which turns the text after the name around on a page.
// Direction marks and the joiners scripts and emoji need stay.
func breaksName(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' ||
		('\u202a' <= r && r <= '\u202e') || ('\u2066' <= r && r <= '\u2069')
}

// ValidEmail reports whether email, already trimmed and lower-cased, is
// an address the gateway accepts: a bare addr-spec (RFC 5322) with a dot,
// at most 254 characters, that an app cannot read as another address
// (disguisedEmail).
func ValidEmail(email string) bool {
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email && strings.Contains(email, ".") && len(email) <= 254 && !disguisedEmail(email)
}

// disguisedEmail reports whether an app may read email, already
// lower-cased, as another address (docs/contract.md, "Names an app reads
// as one"): it holds an invisible character or is not in NFKC
// (NameDisguise), or a letter that case folding through upper case turns
// into another (NameKey: the dotless ı read as i, the final ς as σ).
// Alone, such an address is no one else's, but beside the plain one an
// app folding them would take both for one person, and no pair check
// stands between two accounts of users.backend: redis.
func disguisedEmail(email string) bool {
	return NameDisguise(email) != "" || NameKey(email) != email
}

// GroupsProblem is what is wrong with a list ValidateGroups refuses.
var GroupsProblem = Problem{ID: "field.groups.format", Text: "Name each group with letters, digits, dots, dashes or underscores (at most 64 characters; at most 32 groups)."}

var groupRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// MaxGroups bounds how many groups an account may be in.
const MaxGroups = 32

// ValidateGroups checks a list of group names (letters, digits, dots,
// dashes, underscores; at most 64 characters each, MaxGroups in all) and
// returns it trimmed, without duplicates, in the order given.
func ValidateGroups(groups []string) ([]string, error) {
	out := []string{}
	for _, g := range groups {
		g = strings.TrimSpace(g)
		if g == "" || slices.Contains(out, g) {
			continue
		}
		if !groupRE.MatchString(g) {
			return nil, fmt.Errorf("%q is not a group name: use letters, digits, dots, dashes or underscores (at most 64)", g)
		}
		out = append(out, g)
	}
	if len(out) > MaxGroups {
		return nil, fmt.Errorf("at most %d groups", MaxGroups)
	}
	return out, nil
}

// PhoneProblem turns an error of NormalizePhone into a Problem whose ID is
// "phone." and the reason ("phone.too_short").
func PhoneProblem(err error) Problem {
	var pe *PhoneError
	if errors.As(err, &pe) {
		text := pe.Message
		if text != "" {
			text = strings.ToUpper(text[:1]) + text[1:] + "."
		}
		return Problem{ID: "phone." + pe.Reason, Text: text}
	}
	return Problem{ID: "phone." + PhoneInvalid, Text: "Enter a valid mobile number with its country code, like +1 201 555 0100."}
}
