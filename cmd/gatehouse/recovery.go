package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
)

// removeApp removes username's authenticator app, if it has one, for
// reset-2fa (docs/contract.md, "Authenticator apps"). With totp.enabled
// off no app can be used, and none is touched.
func removeApp(ctx context.Context, cfg *config.Config, st auth.Store, signer *auth.Signer, username string, stdout io.Writer) error {
	if !cfg.TOTP.Enabled {
		return nil
	}
	key, err := config.DecodeTOTPKey(cfg.TOTP.SecretKey)
	if err != nil {
		return fmt.Errorf("totp.secret_key: %w", err)
	}
	apps, err := auth.NewTOTP(st, signer.DeriveKey("totp"), key, "", auth.SystemClock{})
	if err != nil {
		return err
	}
	err = apps.Remove(ctx, username)
	if errors.Is(err, auth.ErrTOTPNotEnrolled) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "Its authenticator app was removed.\n")
	return err
}

// recoveryCommand is `gatehouse user issue-recovery|reset-2fa USERNAME`
// (docs/contract.md, "Recovery codes"): an administrator's one-time code
// for username, after clearing the phone binding and removing any
// authenticator app for reset-2fa. The codes
// live in the store, named with a key derived from the signing key, so
// the command needs both, whatever the user backend.
func recoveryCommand(ctx context.Context, cfg *config.Config, sub, username string, stdout io.Writer) error {
	st, closeStore, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	var users auth.UserBackend
	if cfg.Users.Backend == "redis" {
		users = storeusers.New(st, cfg.OTP.DefaultRegion)
	} else {
		if users, err = fileusers.New(cfg.Users.File, cfg.OTP.DefaultRegion, nil); err != nil {
			return err
		}
	}
	u, err := users.Lookup(ctx, username)
	if errors.Is(err, auth.ErrUserNotFound) {
		return fmt.Errorf("no account %q", username)
	}
	if err != nil {
		return err
	}
	if u.Username != username {
		// Lookup also finds accounts by email and phone: the command names
		// the account exactly, so a typo cannot reach someone else.
		return fmt.Errorf("no account %q (that is %s's email or phone; give the username)", username, u.Username)
	}
	key, err := auth.LoadSigningKey(cfg.Identity.SigningKeyFile)
	if err != nil {
		return err
	}
	signer := auth.NewSigner(key, cfg.Server.PublicURL, cfg.Identity.AssertionTTL, auth.SystemClock{})
	rec := auth.NewRecovery(st, signer.DeriveKey("recovery"), auth.SystemClock{})

	if sub == "reset-2fa" {
		reg, ok := users.(*storeusers.Backend)
		if !ok {
			return errors.New("reset-2fa changes the account, which needs users.backend: redis; with the file backend remove the phone from users.file, then run issue-recovery")
		}
		if err := reg.SetPhone(ctx, u.Username, ""); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(stdout, "%s has no phone now; every session of the account has ended.\n", u.Username); err != nil {
			return err
		}
		if err := removeApp(ctx, cfg, st, signer, u.Username, stdout); err != nil {
			return err
		}
	}
	code, err := rec.Issue(ctx, u.Username)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "One-time recovery code for %s (valid %s, works once, after the password):\n\n    %s\n\nGive it to the person by a channel you trust; it stands in for the text-message code.\n",
		u.Username, auth.IssuedCodeTTL, code)
	return err
}
