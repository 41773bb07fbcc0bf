package auth

// The login service's side of regulation (docs/contract.md,
// "Regulation"): checking bans before anything is looked at, counting
// failures, and what the audit shows of a subject.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// checkBan refuses a banned or locked subject (Subject) or a banned
// client (a RateLimitError), before any password or code is looked at
// (docs/contract.md, "Regulation").
func (l *Login) checkBan(ctx context.Context, c Client, subject string) error {
	return l.checkBanOf(ctx, c, subject, true, false)
}

// checkBanOf is checkBan for a subject that may be a name no account has
// (known false), which the audit never shows (ShownSubject), of a
// password attempt or not (password: see deviceFor).
func (l *Login) checkBanOf(ctx context.Context, c Client, subject string, known, password bool) error {
	_, err := l.bannedAs(ctx, c, subject, known, password)
	return err
}

// checkPasswordBan is checkBanOf for a password attempt, returning ctx
// marked when it comes from a known device of the account, whose check
// may take a kept hashing slot, as the account's share allows (docs/contract.md, "Password hashing").
func (l *Login) checkPasswordBan(ctx context.Context, c Client, subject string, known bool) (context.Context, error) {
	id, err := l.bannedAs(ctx, c, subject, known, true)
	if err != nil || id == "" {
		return ctx, err
	}
	return withKnownDevice(ctx, subject), nil
}

// bannedAs is checkBanOf, returning the known device judged ("" none).
func (l *Login) bannedAs(ctx context.Context, c Client, subject string, known, password bool) (string, error) {
	if l.d.Regulator == nil {
		return "", nil
	}
	id, err := l.deviceFor(ctx, c, subject, known, password)
	if err != nil {
		return "", err
	}
	var attrs []any
	if id != "" {
		// The account's ban and lock may be anyone's doing: this
		// browser signed in as the account before, and answers for its
		// own failures (and its address's ban).
		err = l.d.Regulator.CheckDevice(ctx, id, c.IP)
		attrs = append(attrs, "known_device", "true")
	} else {
		err = l.d.Regulator.Check(ctx, subject, c.IP)
	}
	var rl *RateLimitError
	if errors.As(err, &rl) && rl.Banned {
		l.obs.Audit(ctx, c, Event{Name: "login_failed", User: ShownSubject(subject, known), Attrs: append(attrs, "reason", rl.Reason)})
	}
	return id, err
}

// deviceFor is the id of the known device c signs in from when its
// cookie was made for the account subject names (known: a name an
// account has, not a number or a name typed), "" otherwise
// (docs/contract.md, "Known devices"). For a password attempt
// (password), only a device whose sign-in proved the password answers
// in the account's place: one a code-only sign-in made shows that its
// browser holds the number, not the password, and each such sign-in
// would make a new one, with a count of its own. Only a request carrying
// a cookie looks the account up.
func (l *Login) deviceFor(ctx context.Context, c Client, subject string, known, password bool) (string, error) {
	if l.d.Devices == nil || len(c.Devices) == 0 || !known || subject == "" || ShownSubject(subject, true) != subject {
		return "", nil
	}
	u, err := l.d.Users.Lookup(ctx, subject)
	switch {
	case errors.Is(err, ErrUserNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("known device: %w", err)
	case u.Username != subject:
		return "", nil // another account's email or number
	}
	id, proved := l.knownDeviceOf(c, u)
	if password && !proved {
		return "", nil
	}
	return id, nil
}

// knownDevice is the id of the known device c signs in from when one of
// its cookies was made for u's account as it is now, "" otherwise.
func (l *Login) knownDevice(c Client, u *User) string {
	id, _ := l.knownDeviceOf(c, u)
	return id
}

// knownDeviceOf is knownDevice, also saying whether the device's sign-in
// proved the password (KnownDevices.Recognised): of c's cookies for u,
// the first that did, else the first that is u's.
func (l *Login) knownDeviceOf(c Client, u *User) (id string, password bool) {
	if l.d.Devices == nil || l.d.Regulator == nil || u == nil || u.Disabled {
		return "", false
	}
	for _, v := range c.Devices {
		switch did, pwd, ok := l.d.Devices.Recognised(v, u); {
		case ok && pwd:
			return did, true
		case ok && id == "":
			id = did
		}
	}
	return id, false
}

// checkSendBan refuses to send (or start at the provider, or stand a
// decoy for) a code that the ban would refuse when it is typed: the code
// of pending p, or with p nil a step-up code for the signed-in user u.
// Its subject is the one that code's check reads (codeSubject), so an
// account and a number or name no account has answer alike, and the
// client's ban is read with it (docs/contract.md, "Regulation": a banned
// client or subject is sent nothing).
func (l *Login) checkSendBan(ctx context.Context, c Client, p *Pending, u *User) error {
	switch {
	case p != nil:
		subject, err := l.codeSubject(ctx, p)
		if err != nil {
			return err
		}
		return l.checkBan(ctx, c, subject) // an account, or a number
	case u != nil:
		return l.checkBan(ctx, c, u.Username)
	}
	return nil
}

// codeSubject is what the wrong codes of the pending login p count
// against (docs/contract.md, "Regulation"): its account, or for a decoy
// what a sign-in with its number counts against (the account that has
// the number, a disabled one too, else the number), so that bans do not
// tell them apart. A sign-up's code counts against that too, never the
// username chosen, which is the asker's own, new at each sign-up.
// Counted by username, a brute force of one number's code with a new
// name per sign-up met no ban or lock, and its bans differed from those
// of a taken number's decoy, telling which numbers have accounts; a
// disabled account's decoy counted against its number as typed, while
// its password sign-in counted against the account. The number is
// looked up for every code, so that a decoy takes a real one's time.
func (l *Login) codeSubject(ctx context.Context, p *Pending) (string, error) {
	_, subject, err := ResolveLogin(ctx, l.d.Users, p.Phone, l.d.Region)
	if err != nil {
		return "", err
	}
	if p.Purpose != PurposeSignup && p.User != "" {
		return p.User, nil
	}
	return subject, nil
}

// recordFailure counts a failed password or code against subject (an
// account, or a phone number) and the client, and audits a new ban or
// lock.
func (l *Login) recordFailure(ctx context.Context, c Client, subject string) error {
	_, err := l.recordFailurePenalty(ctx, c, subject, true, false)
	return err
}

// recordFailurePenalty is recordFailure, for a subject that may be a name
// no account has (known false), of a password or not (password: see
// deviceFor), also saying what it caused. The ban or
// lock of an account is history; one of an address, a phone number or a
// name no account has, which anyone can cause at will, is an attempt
// (docs/contract.md, "Audit trail").
func (l *Login) recordFailurePenalty(ctx context.Context, c Client, subject string, known, password bool) (Penalty, error) {
	if l.d.Regulator == nil {
		return Penalty{}, nil
	}
	shown := ShownSubject(subject, known)
	account := known && shown == subject // not a number, not a typed name
	id, err := l.deviceFor(ctx, c, subject, known, password)
	if err != nil {
		return Penalty{}, err
	}
	if id != "" {
		return l.recordDeviceFailure(ctx, c, id, subject)
	}
	p, err := l.d.Regulator.FailAs(ctx, subject, shown, c.IP)
	l.auditPenalty(ctx, c, p, shown, nil, !account || !p.SubjectBanned, !account)
	return p, err
}

// auditPenalty audits the ban and the lock p caused, each an event
// "banned" of user (as shown) with attrs (the lock's led by its reason);
// banAttempt and lockAttempt say which is an attempt rather than history
// (docs/contract.md, "Audit trail").
func (l *Login) auditPenalty(ctx context.Context, c Client, p Penalty, user string, attrs []any, banAttempt, lockAttempt bool) {
	if p.Banned {
		l.obs.Audit(ctx, c, Event{Name: "banned", User: user, Attrs: attrs, Attempt: banAttempt})
		l.obs.Ban()
	}
	if p.Locked {
		l.obs.Audit(ctx, c, Event{Name: "banned", User: user, Attrs: append([]any{"reason", ReasonLocked}, attrs...), Attempt: lockAttempt})
		l.obs.Ban()
	}
}

// UnknownName is what logs, audit events and the console's bans show
// for a name typed that no account has: it may be a password typed in
// the wrong field, so it is never shown.
const UnknownName = "(a name no account has)"

// ShownSubject is a regulation subject fit for logs, audit events and the
// console: a phone number masked, an account's name (known), else
// UnknownName.
func ShownSubject(subject string, known bool) string {
	switch {
	case strings.HasPrefix(subject, "+") && LooksLikePhone(subject):
		return MaskPhone(subject)
	case known:
		return subject
	}
	return UnknownName
}

// recordDeviceFailure counts a failure of the known device id of user
// against the device (not the account) and the client, and audits a new
// ban or lock (the device's is the account's history: it signed in as
// the account before).
func (l *Login) recordDeviceFailure(ctx context.Context, c Client, id, user string) (Penalty, error) {
	p, err := l.d.Regulator.FailDevice(ctx, id, user, c.IP)
	l.auditPenalty(ctx, c, p, user, []any{"known_device", "true"}, !p.SubjectBanned, false)
	return p, err
}

// signedIn tells regulation that u completed a sign-in in sess from c,
// and has sess carry a new known-device cookie for the browser
// (docs/contract.md, "Known devices"). A sign-in in a session that typed
// the account's password forgets the failures against the account, its
// run towards a lock included, and those of the known device c signed
// in from. One that did not (a code-only sign-in, which proved a code to
// the account's number, or a user-verified passkey alone, which stands
// in for the password on routes but shows nothing of it) forgets the
// account's failures of the window, not its run, and a device's only
// when that device did not type the password either; its cookie says
// so, and a browser that holds one that typed the password keeps that
// one. Before, whoever held the number, or a synced passkey unlocked by
// their own fingerprint, ended the account's run, and got a new device
// with a count of its own, at each such sign-in, and so guessed the
// password a few at a time without end.
func (l *Login) signedIn(ctx context.Context, c Client, sess *Session, u *User) error {
	password := sess.Has(MethodPassword, time.Time{}) // typed: not a key standing in
	switch {
	case password:
		if err := l.forgetFailures(ctx, u.Username); err != nil {
			return err
		}
	case l.d.Regulator != nil:
		if err := l.d.Regulator.Succeed(ctx, u.Username); err != nil {
			return err
		}
	}
	if l.d.Devices == nil {
		return nil
	}
	id, proved := l.knownDeviceOf(c, u)
	if id != "" && (password || !proved) {
		if err := l.d.Regulator.DeviceSignedIn(ctx, id); err != nil {
			return err
		}
	}
	if !password && proved {
		return nil // the browser keeps the cookie that proved the password
	}
	return l.giveDevice(c, sess, u, nil, password)
}

// giveDevice has sess carry a new known-device cookie for u's account as
// it is now, for the browser of sess, c (docs/contract.md, "Known
// devices"): after a completed sign-in, or a credential change that sess
// made and survives (which proves the password: the current one, or the
// new one chosen). password says whether the sign-in proved the password
// (KnownDevices.IssueCodeOnly when not). The cookie keeps what c's
// cookies hold for other accounts (KnownDevices.Keep); before, when not
// nil, is the account as it was before the credential change sess made,
// whose values it drops too.
func (l *Login) giveDevice(c Client, sess *Session, u, before *User, password bool) error {
	if l.d.Devices == nil {
		return nil
	}
	issue := l.d.Devices.Issue
	if !password {
		issue = l.d.Devices.IssueCodeOnly
	}
	dev, err := issue(u)
	if err != nil {
		return err
	}
	mine := []*User{u}
	if before != nil {
		mine = append(mine, before)
	}
	sess.Device = l.d.Devices.Keep(dev, c.Devices, mine...)
	return nil
}

// forgetFailures forgets the failures against subject, its run towards a
// lock included (a completed sign-in or password reset).
func (l *Login) forgetFailures(ctx context.Context, subject string) error {
	if l.d.Regulator == nil {
		return nil
	}
	return l.d.Regulator.SignedIn(ctx, subject)
}
