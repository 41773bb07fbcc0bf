package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
)

// recoveryCommand is `gatehouse user issue-recovery|reset-2fa USERNAME`
// (docs/contract.md, "Recovery codes"): an administrator's one-time code
// for username, after clearing the phone binding, removing any
// authenticator app and passkeys, voiding its recovery codes and ending
// every session of the account for reset-2fa. The codes
// live in the store, named with a key derived from the signing key, so
// the command needs both, whatever the user backend.
func recoveryCommand(ctx context.Context, cfg *config.Config, sub, username string, stdout io.Writer) error {
	d, err := openOps(ctx, cfg, username)
	if err != nil {
		return err
	}
	defer d.close()
	u := d.user
	rec := auth.NewRecovery(d.store, d.signer.DeriveKey("recovery"), auth.SystemClock{})
	if sub == "reset-2fa" {
		reg, ok := d.users.(*storeusers.Backend)
		if !ok {
			return errors.New("reset-2fa changes the account, which needs users.backend: redis; with the file backend remove the phone from users.file, then run issue-recovery")
		}
		if err := reg.SetPhone(ctx, u.Username, ""); err != nil {
			return err
		}
		d.audit(ctx, "admin_phone_cleared", u.Username)
		// Whatever features are on: an app or keys left while one is off
		// would come back with it.
		app, keys, codes, err := forgetter(cfg, d).ResetFactors(ctx, u.Username)
		if err != nil {
			return err
		}
		if app {
			d.audit(ctx, "admin_totp_removed", u.Username)
		}
		if keys > 0 {
			auditOp(ctx, d.audits, auth.AuditRecord{Event: "admin_passkey_removed", User: u.Username, Attrs: map[string]string{"keys": strconv.Itoa(keys)}})
		}
		if _, err := fmt.Fprintf(stdout, "%s has no phone now; every session of the account has ended.\n", u.Username); err != nil {
			return err
		}
		if app {
			if _, err := fmt.Fprintf(stdout, "Its authenticator app was removed.\n"); err != nil {
				return err
			}
		}
		if keys > 0 {
			if _, err := fmt.Fprintf(stdout, "Its passkeys (%d) were removed.\n", keys); err != nil {
				return err
			}
		}
		if codes {
			d.audit(ctx, "admin_recovery_codes_voided", u.Username)
			if _, err := fmt.Fprintf(stdout, "Its recovery codes no longer work.\n"); err != nil {
				return err
			}
		}
	}
	code, err := auth.IssueRecoveryCode(ctx, rec, forgetter(cfg, d).Regulator, u.Username)
	if err != nil {
		return err
	}
	d.audit(ctx, "admin_recovery_issued", u.Username)
	_, err = fmt.Fprintf(stdout, "One-time recovery code for %s (valid %s, works once, after the password):\n\n    %s\n\nGive it to the person by a channel you trust; it stands in for the text-message code.\n",
		u.Username, auth.IssuedCodeTTL, code)
	return err
}

// ops is what the operator commands (issue-recovery, reset-2fa, unban,
// sessions, revoke) work with: the store, the account named exactly,
// and the keys derived from the signing key, as the gateway derives them.
type ops struct {
	store  *redisstore.Store
	audits auth.AuditLog
	users  auth.UserBackend
	user   *auth.User
	signer *auth.Signer
	close  func()
}

// openOps connects to the store and finds username (exactAccount).
func openOps(ctx context.Context, cfg *config.Config, username string) (*ops, error) {
	st, signer, closeStore, err := openStoreSigner(ctx, cfg)
	if err != nil {
		return nil, err
	}
	d := &ops{store: st, signer: signer, close: closeStore}
	d.audits = redisAuditLog(st, cfg)
	if cfg.Users.Backend == "redis" {
		d.users = storeusers.New(st, cfg.OTP.DefaultRegion)
	} else if d.users, err = fileusers.New(cfg.Users.File, cfg.OTP.DefaultRegion, nil); err != nil {
		closeStore()
		return nil, err
	}
	u, err := exactAccount(ctx, d.users, username)
	if err != nil {
		closeStore()
		return nil, err
	}
	d.user = u
	return d, nil
}

// exactAccount finds the account named username exactly: Lookup also
// finds accounts by email and phone, and an operator's command must act
// on the account typed, never on another that claimed the address or
// number (docs/contract.md, "Command line").
func exactAccount(ctx context.Context, users auth.UserBackend, username string) (*auth.User, error) {
	u, err := users.Lookup(ctx, username)
	switch {
	case errors.Is(err, auth.ErrUserNotFound):
		return nil, fmt.Errorf("no account %q", username)
	case err != nil:
		return nil, err
	case u.Username != username:
		return nil, fmt.Errorf("no account %q (that is %s's email or phone; give the username)", username, u.Username)
	}
	return u, nil
}

// openStoreSigner connects to the configured Redis store and loads the
// signer whose derived keys name the store's keys, as the gateway does,
// once the store is found to keep that derivation key
// (auth.CheckDerivationKey).
func openStoreSigner(ctx context.Context, cfg *config.Config) (*redisstore.Store, *auth.Signer, func(), error) {
	signer, err := loadSigner(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	st, closeStore, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := auth.CheckDerivationKey(ctx, st, auth.KeyFingerprint(signer.DeriveKey)); err != nil {
		closeStore()
		return nil, nil, nil, keyRefused(cfg.Store.Driver, err)
	}
	return st, signer, closeStore, nil
}

// loadSigner loads the signing key and the derivation key of cfg.
func loadSigner(cfg *config.Config) (*auth.Signer, error) {
	key, err := auth.LoadSigningKey(cfg.Identity.SigningKeyFile)
	if err != nil {
		return nil, err
	}
	return derivingSigner(cfg, auth.NewSigner(key, cfg.Server.PublicURL, cfg.Identity.AssertionTTL, auth.SystemClock{}))
}

// derivingSigner is s deriving its keys from identity.derivation_key_file
// when one is set (docs/contract.md, "Identity headers"), as every
// gateway and operator command must, or the store's names differ.
func derivingSigner(cfg *config.Config, s *auth.Signer) (*auth.Signer, error) {
	if cfg.Identity.DerivationKeyFile == "" {
		return s, nil
	}
	key, err := auth.LoadDerivationKey(cfg.Identity.DerivationKeyFile)
	if err != nil {
		return nil, fmt.Errorf("identity.derivation_key_file: %w", err)
	}
	return s.WithDerivationKey(key), nil
}

// audit keeps an operator command's action on user in the audit trail
// (auditOp).
func (d *ops) audit(ctx context.Context, event, user string) {
	auditOp(ctx, d.audits, auth.AuditRecord{Event: event, User: user})
}

// auditOp keeps r, an operator command's action, in the audit trail log,
// with the operating-system user as the actor and its phone masked
// (docs/contract.md, "Command line"). The change is made by then: an
// interrupt (Ctrl-C, a job's SIGTERM), which ends ctx, does not keep it
// off the trail, as a client hanging up does not keep a console change
// off it (docs/contract.md, "Audit trail"); the store's own timeout
// bounds the append. A failure is reported with the record itself, not
// fatal.
func auditOp(ctx context.Context, log auth.AuditLog, r auth.AuditRecord) {
	r.Actor = cliActor()
	if r.Phone != "" {
		r.Phone = auth.MaskPhone(r.Phone)
	}
	if err := log.Append(context.WithoutCancel(ctx), r); err != nil {
		b, _ := json.Marshal(r)
		fmt.Fprintf(os.Stderr, "gatehouse: audit trail: event not kept (%v): %s\n", err, auth.ShownJSON(b))
	}
}

// redisAuditLog is the audit trail of the configured store.
func redisAuditLog(st *redisstore.Store, cfg *config.Config) auth.AuditLog {
	return redisstore.NewAuditLog(st.Client(), cfg.Store.KeyPrefix, auditRetain(cfg), cfg.Store.Redis.OpTimeout)
}

// auditRetain is audit.retain (docs/contract.md, "Audit trail").
func auditRetain(cfg *config.Config) auth.AuditRetain {
	r := cfg.Audit.Retain
	return auth.AuditRetain{History: r.Events, Attempts: r.AttemptEvents, MaxAge: r.MaxAge}
}

// printRecord writes r as one JSON line, in characters a terminal shows
// (auth.ShownJSON).
func printRecord(w io.Writer, r auth.AuditRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", auth.ShownJSON(b))
	return err
}

// cliActor names the operator of a command in the audit trail: "cli:"
// and $USER, else the name of the process's user, else its uid
// (docs/contract.md, "Command line"). Always with the colon, which no
// account's name holds: a bare "cli" (what $USER unset gave, as in a
// docker exec) is a name sign-up gives anyone, whose history then listed
// the operator's changes as its own.
func cliActor() string {
	name := os.Getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "uid " + strconv.Itoa(os.Getuid())
	}
	return "cli:" + name
}
