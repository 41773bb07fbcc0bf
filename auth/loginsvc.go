package auth

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
)

// Code purposes: what a challenge, once verified, is for.
const (
	PurposeLogin       = "login"
	PurposeSignup      = "signup"
	PurposeReset       = "reset"
	PurposePhoneChange = "phone_change"
)

// PasswordHasher makes hashes of new passwords.
type PasswordHasher interface {
	// Hash returns the hash of password to store (a PHC string).
	Hash(ctx context.Context, password string) (string, error)
}

// PhoneSetter is a registry that can move an account to a new number.
type PhoneSetter interface {
	// SetPhoneIf gives username the number phone (E.164), only while the
	// account is enabled under the credential generation gen, decided
	// with the write, and returns the credential generation the account
	// has once moved: ErrCredentialsChanged otherwise (ErrUserNotFound
	// for an account gone).
	SetPhoneIf(ctx context.Context, username, gen, phone string) (string, error)
}

// Errors of the login service.
var (
	// ErrSignupDisabled: sign-up is off, or the user backend cannot
	// create accounts.
	ErrSignupDisabled = errors.New("sign-up disabled")
	// ErrResetUnavailable: password reset needs the redis user backend.
	ErrResetUnavailable = errors.New("password reset needs the redis user backend")
	// ErrAccountUnavailable: account changes need the redis user backend.
	ErrAccountUnavailable = errors.New("account changes need the redis user backend")
	// ErrFreshProofNeeded: the change needs every method the account
	// signs in with, proved within CredentialChangeAge.
	ErrFreshProofNeeded = errors.New("fresh proof of every sign-in method needed")
	// ErrPasskeyProofNeeded: adding or removing a passkey of an account
	// that has one needs one of its passkeys; a recovery code, which can
	// be phished, does not stand in.
	ErrPasskeyProofNeeded = errors.New("one of the account's passkeys must confirm this")
)

// LoginDeps are what the login service is built from.
type LoginDeps struct {
	Users    UserBackend    // finds accounts
	Authn    *Authenticator // checks passwords
	Sessions *Sessions      // keeps sessions
	OTP      *OTP           // sends and checks codes
	// Regulator bans after repeated failures; nil disables regulation.
	Regulator *Regulator
	// Registry is the writable user backend (sign-up, reset, account
	// changes); nil with the file backend.
	Registry UserRegistry
	// Hasher hashes new passwords; needed with a Registry.
	Hasher PasswordHasher
	// KV keeps pending password resets; needed with a Registry.
	KV KV
	// Limits counts sign-ups per client network (SignupsPerHour); nil
	// lifts that limit.
	Limits Counter
	// SignupsPerHour bounds sign-ups per client address (IPv4) or /64
	// (IPv6) per hour; 0 means DefaultSignupsPerHour.
	SignupsPerHour int
	Policy         PasswordPolicy // rules for new passwords
	// Signup enables sign-up (users.signup.enabled).
	Signup bool
	// Recovery keeps recovery codes; nil: none (docs/contract.md,
	// "Recovery codes").
	Recovery *Recovery
	// TOTP keeps authenticator apps; nil: totp.enabled is off
	// (docs/contract.md, "Authenticator apps").
	TOTP *TOTP
	// Passkeys keeps passkeys and security keys; nil: passkeys.enabled is
	// off (docs/contract.md, "Passkeys").
	Passkeys *Passkeys
	// Devices makes and recognises known-device cookies; nil: none
	// (docs/contract.md, "Known devices").
	Devices *KnownDevices
	// ResetOff turns password reset off (users.reset.enabled: false).
	ResetOff bool
	// NoticesOff turns the security notices off (sms.security_notices).
	NoticesOff bool
	// ResetNeedsRecovery says whether a password reset of u needs a
	// recovery code besides the text-message code (users.reset.require);
	// nil: never.
	ResetNeedsRecovery func(u *User) bool
	// Region is the default region of phone numbers (otp.default_region).
	Region   string
	Observer Observer     // nil: none
	Logger   *slog.Logger // nil: discard
	Clock    Clock        // nil: the system clock
}

// Login is the login service (docs/contract.md, "Login flows"): every
// step of signing in (password, code, resend, passwordless start), of
// sign-up and reset, and of the account page's credential changes, with
// no HTTP. Each step takes the client's current session (nil when it has
// none), who the client is and what it sent, and returns the session the
// client must hold from now on (Step.Session, nil to leave it as it is)
// and the code sent, if one was. Each rule lives here once: a ban is
// checked before any password or code is looked at, every failure counts
// against the account the login resolves to and the client, a decoy
// never signs anyone in.
type Login struct {
	d   LoginDeps
	obs Observer
	log *slog.Logger
}

// NewLogin returns the login service over d.
func NewLogin(d LoginDeps) *Login {
	l := &Login{d: d, obs: d.Observer, log: d.Logger}
	if l.obs == nil {
		l.obs = noObserver{}
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.d.Clock == nil {
		l.d.Clock = SystemClock{}
	}
	if d.Sessions != nil {
		// Every sign-in writes its session through d.Sessions: the
		// sessions its limit ends are audited there, once a sign-in.
		d.Sessions.limited = l.auditLimited
	}
	return l
}

// CredentialChangeAge is how recent the proofs of a session must be to
// bind a new authenticator to its account (a phone change, NIST SP
// 800-63B §6.1.2.3): every method the account signs in with, each proved
// within this time (docs/contract.md, "Account page").
const CredentialChangeAge = 10 * time.Minute

// Step is the outcome of a login step.
type Step struct {
	// Session is the session the client holds from now on (its cookie),
	// or nil to leave the client's as it is.
	Session *Session
	// Code is the challenge of a code just sent (or started, for a
	// decoy), nil when none was.
	Code *Challenge
	// TOTP says the second factor asked next is the authenticator app's
	// code (nothing was sent; Resend texts a code instead).
	TOTP bool
	// Passkey says the second factor asked next is a passkey (nothing
	// was sent; the app's code or a text message may be used instead).
	Passkey bool
}

// NeedsCode reports whether the person signing in as u with session sess
// must still prove a code for where they are going: the gateway's route
// policy, or force_two_factor.
type NeedsCode func(sess *Session, u *User) bool

// PasswordIn is a password step.
type PasswordIn struct {
	Login, Password string    // as typed
	Remember        bool      // remember-me asked
	NeedsCode       NeedsCode // whether a code must follow
	// Accepts returns the second factors the target accepts (MethodSMS,
	// MethodOTP) for u; a nil func or list: every one. When a code must
	// follow and the account has an authenticator app the target
	// accepts, the app's code is asked for rather than a text sent.
	Accepts func(sess *Session, u *User) []string
}

// Password checks the password and signs in with {pwd}; when in.NeedsCode
// says so, it asks for the strongest second factor the account has that
// in.Accepts takes: a passkey (Step.Passkey), the authenticator app's
// code (Step.TOTP), or else sends a code and returns its challenge. Bans and failures
// count against the account the login resolves to, however it was
// spelled (docs/contract.md, "Regulation").
func (l *Login) Password(ctx context.Context, c Client, sess *Session, in PasswordIn) (Step, error) {
	u, subject, err := ResolveLogin(ctx, l.d.Users, in.Login, l.d.Region)
	if err != nil {
		return Step{}, err
	}
	checkCtx, err := l.checkPasswordBan(ctx, c, subject, u != nil)
	if err != nil {
		return Step{}, err
	}
	known := u != nil
	u, err = l.d.Authn.VerifyUser(checkCtx, u, in.Password)
	if err != nil {
		if errors.Is(err, ErrInvalidCredentials) {
			l.obs.Audit(ctx, c, Event{Name: "login_failed", User: ShownSubject(subject, known), Attrs: []any{"reason", "invalid_credentials"}})
			l.obs.Password("failed")
			p, rerr := l.recordFailurePenalty(ctx, c, subject, known, true)
			if rerr != nil {
				return Step{}, rerr
			}
			if p.LastTry {
				// Unknown names are counted alike: this tells nothing.
				return Step{}, ErrLastTryBeforeBan
			}
		}
		return Step{}, err
	}
	if l.d.Regulator != nil {
		if err := l.d.Regulator.Succeed(ctx, subject); err != nil {
			return Step{}, err
		}
	}
	if sess, err = l.begin(ctx, c, sess); err != nil {
		return Step{}, err
	}
	// Remember-me asked with a password that owes a second factor waits
	// for it (docs/contract.md, "Remember me"): the session is saved as
	// one not remembered until the sign-in completes.
	if err := l.d.Sessions.prove(sess, u, Proof{Method: MethodPassword}, Answer(in.Remember)); err != nil {
		return Step{}, err
	}
	complete := in.NeedsCode == nil || !in.NeedsCode(sess, u)
	if complete {
		l.d.Sessions.complete(sess)
	}
	if err := l.d.Sessions.Rotate(ctx, sess); err != nil {
		return Step{}, err
	}
	l.obs.Password("password")
	if complete {
		if err := l.signedIn(ctx, c, sess, u); err != nil {
			return Step{}, err
		}
		l.obs.Audit(ctx, c, Event{Name: "login_succeeded", User: u.Username, Attrs: []any{"methods", "pwd"}})
		return Step{Session: sess}, nil
	}
	var accepted []string
	if in.Accepts != nil {
		accepted = in.Accepts(sess, u)
	}
	switch m, err := l.StrongestSecond(ctx, u, accepted); {
	case err != nil || m != MethodSMS:
		// The password proof is saved.
		return Step{Session: sess, TOTP: m == MethodOTP, Passkey: m == MethodHWK}, err
	}
	return l.startCode(ctx, c, sess, Pending{User: u.Username, Phone: u.Phone, Remember: in.Remember, Purpose: PurposeLogin}, provedSend)
}

// begin returns the session a new login step works on: the client's own
// (a step-up keeps its proofs), or a new one, with any code it was
// waiting for cancelled and the client recorded.
func (l *Login) begin(ctx context.Context, c Client, sess *Session) (*Session, error) {
	if sess == nil {
		var err error
		if sess, err = l.d.Sessions.New(); err != nil {
			return nil, err
		}
	}
	l.cancelPending(ctx, sess)
	c.stamp(sess)
	return sess, nil
}

// startCode sends a code to p.Phone for p.User and records p, with the
// code's challenge, as pending in sess (saved). When sending is refused
// or fails, the session is kept as refused says, so that a password
// proof is not lost and the person can ask again. budget says which of
// the number's send budgets it takes: a code that follows a proof (the
// right password, a signed-in session) the proved one, which anonymous
// triggers cannot spend (docs/contract.md, "Send quotas").
func (l *Login) startCode(ctx context.Context, c Client, sess *Session, p Pending, budget sendBudget) (Step, error) {
	user, phone, purpose := p.User, p.Phone, p.Purpose
	if budget == provedSend && purpose == PurposeLogin {
		// A code its factor's ban would refuse is not sent
		// (docs/contract.md, "Regulation"); the session keeps its proofs.
		if err := l.checkFactorBan(ctx, c, FactorSMS, user); err != nil {
			return l.refused(ctx, sess, err)
		}
	}
	ch, err := l.start(budget)(l.reporting(ctx, c), user, phone, purpose)
	if err != nil {
		l.auditBudget(ctx, c, user, phone, err)
		l.obs.Audit(ctx, c, Event{Name: "otp_send_failed", User: user, Phone: phone, Err: err})
		return l.refused(ctx, sess, err)
	}
	p.Challenge = ch.ID
	sess.Pending = &p
	if ch.sendErr != nil {
		sess.Pending.User = "" // a decoy stood in: a decoy's, as for a number without an account
	}
	if err := l.d.Sessions.Save(ctx, sess); err != nil {
		l.d.OTP.Cancel(ctx, ch.ID)
		return Step{}, err
	}
	if ch.sendErr != nil {
		l.auditStoodIn(ctx, c, user, ch)
		return Step{Session: sess, Code: ch}, nil
	}
	l.obs.Audit(ctx, c, Event{Name: "otp_sent", User: user, Phone: phone, Attempt: budget == anonymousSend})
	l.obs.Code("sent")
	return Step{Session: sess, Code: ch}, nil
}

// VerifyCode checks code against the session's pending challenge and, on
// success, adds the sms proof (activating the account first when the
// code was a sign-up's) and rotates the session id.
func (l *Login) VerifyCode(ctx context.Context, c Client, sess *Session, code string) (Step, error) {
	if sess == nil || sess.Pending == nil {
		return Step{}, ErrNoChallenge
	}
	code, err := l.codeInput(code)
	if err != nil {
		return Step{}, err
	}
	subject, err := l.codeSubject(ctx, sess.Pending)
	if err != nil {
		return Step{}, err
	}
	if err := l.checkBan(ctx, c, subject); err != nil {
		return Step{}, err
	}
	factor, err := l.checkCodeBan(ctx, c, sess, sess.Pending)
	if err != nil {
		return Step{}, err
	}
	ch, err := l.d.OTP.Verify(ctx, sess.Pending.Challenge, code)
	switch {
	case err == nil:
	case errors.Is(err, ErrOTPInvalid), errors.Is(err, ErrOTPExpired):
		l.obs.Audit(ctx, c, codeFailed(sess.Pending.User, err))
		l.obs.Code("failed")
		if errors.Is(err, ErrOTPInvalid) {
			if rerr := l.recordFailure(ctx, c, subject); rerr != nil {
				return Step{}, rerr
			}
			if factor != "" {
				if rerr := l.recordFactorFailure(ctx, c, factor, sess.Pending.User); rerr != nil {
					return Step{}, rerr
				}
			}
		}
		return Step{}, err
	default:
		return Step{}, err
	}
	if ch.User != sess.Pending.User {
		return Step{}, ErrOTPInvalid // not this session's challenge
	}
	remember, purpose := sess.Pending.rememberAnswer(), sess.Pending.Purpose
	sess.Pending = nil
	var u *User
	if purpose == PurposeSignup {
		u, err = l.finishSignup(ctx, c, sess, ch)
	} else {
		u, err = l.d.Users.Lookup(ctx, ch.User)
	}
	switch {
	case errors.Is(err, ErrUserNotFound):
		return Step{}, ErrOTPInvalid // the account went away meanwhile
	case err != nil:
		return Step{}, err
	case u.Disabled, ch.Phone != u.Phone:
		// Disabled meanwhile, or the code went to a number the account
		// has since left (a SIM swapper's code after the owner moved).
		return Step{}, ErrOTPInvalid
	}
	// Under the account's credential generation now: if it changed since
	// the password step, that proof is dropped (docs/contract.md,
	// "Sessions end when credentials change").
	if err := l.d.Sessions.AddProof(ctx, sess, u, MethodSMS, SignIn{Remember: remember, Complete: true}); err != nil {
		return Step{}, err
	}
	if err := l.phoneProved(ctx, sess, u, ch.Phone); err != nil {
		return Step{}, err
	}
	if err := l.smsProved(ctx, u.Username); err != nil {
		return Step{}, err
	}
	if err := l.signedIn(ctx, c, sess, u); err != nil {
		return Step{}, err
	}
	if subject != ch.User {
		// A sign-up's number, now proved: its failures end too.
		if err := l.forgetFailures(ctx, subject); err != nil {
			return Step{}, err
		}
	}
	l.obs.Audit(ctx, c, Event{Name: "otp_verified", User: ch.User, Phone: ch.Phone})
	l.obs.Audit(ctx, c, Event{Name: "login_succeeded", User: ch.User, Phone: ch.Phone, Attrs: []any{"methods", strings.Join(sess.Methods(), ",")}})
	l.obs.Code("verified")
	return Step{Session: sess}, nil
}

// now is the service's clock.
func (l *Login) now() time.Time { return l.d.Clock.Now() }

// CodeTTL is how long a code lives (otp.ttl).
func (l *Login) CodeTTL() time.Duration { return l.d.OTP.Config().TTL }
