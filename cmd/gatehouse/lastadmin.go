package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// keepingAnAdmin makes steps, an operator's change that may take username
// out of the administrators who can sign in to the console (`user
// disable`, `user delete`), as the console makes its own
// (auth.KeepingAnAdmin: under the lock on the administrators, never to
// the last; docs/contract.md, "Command line"). Refused, it says why and
// that --force does it; with force it is made all the same, and stderr
// is told that nobody can sign in to the console now. With the console
// off there is nobody to keep.
func keepingAnAdmin(ctx context.Context, cfg *config.Config, st auth.Store, users auth.UserBackend, username string, force bool, stderr io.Writer, steps ...func(ctx context.Context, u *auth.User) error) error {
	if !cfg.Admin.Enabled {
		return runSteps(ctx, users, username, steps)
	}
	err := auth.KeepingAnAdmin(ctx, st, users, cfg.Admin.Group, username, steps...)
	if !errors.Is(err, auth.ErrLastAdmin) {
		return err
	}
	if !force {
		return fmt.Errorf("%s is the last administrator who can sign in to the console (a member of %s, enabled, with a password): make someone else one first, or add --force to do it all the same", username, cfg.Admin.Group)
	}
	if err := runSteps(ctx, users, username, steps); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(stderr, "warning: no administrator can sign in to the console now: give a member of %s a password (gatehouse user set-password), or add one (gatehouse user add --groups %s)\n", cfg.Admin.Group, cfg.Admin.Group)
	return nil
}

// runSteps makes steps on username as read now, without the lock.
func runSteps(ctx context.Context, users auth.UserBackend, username string, steps []func(ctx context.Context, u *auth.User) error) error {
	u, err := exactAccount(ctx, users, username)
	if err != nil {
		return err
	}
	for _, step := range steps {
		if err := step(ctx, u); err != nil {
			return err
		}
	}
	return nil
}
