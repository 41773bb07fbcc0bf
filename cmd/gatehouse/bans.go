package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"text/tabwriter"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// bansCommand is `gatehouse user bans` and `gatehouse user lift-ban
// HANDLE|IP` (docs/contract.md, "Admin console"): the console's list of
// bans and its lift, on the configured Redis store, audited with the
// operating-system user as the actor.
func bansCommand(ctx context.Context, cfg *config.Config, sub string, args []string, stdout io.Writer) error {
	st, signer, closeStore, err := openStoreSigner(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	reg := auth.NewRegulator(st, signer.DeriveKey("regulation"), regulationConfig(cfg))
	if sub == "bans" {
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		if _, err := fmt.Fprintln(w, "HANDLE\tKIND\tSUBJECT\tREASON\tREMAINING"); err != nil {
			return err
		}
		for cursor := ""; ; {
			page, next, err := reg.Bans(ctx, cursor, 500)
			if err != nil {
				return err
			}
			for _, b := range page {
				if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", b.Handle, b.Kind, shown(b.Subject), b.Reason, b.Remaining.Round(1e9)); err != nil {
					return err
				}
			}
			if cursor = next; cursor == "" {
				return w.Flush()
			}
		}
	}
	what := args[0]
	var b auth.Ban
	lifted := true
	if a, perr := netip.ParseAddr(what); perr == nil {
		b = auth.Ban{Kind: auth.BanAddress, Subject: a.String()}
		lifted, err = reg.Lift(ctx, "", a.String())
	} else {
		b, err = reg.LiftHandle(ctx, what)
		if errors.Is(err, auth.ErrNotFound) {
			lifted, err = false, nil
		}
	}
	if errors.Is(err, auth.ErrInvalidInput) {
		return fmt.Errorf("%q is neither an address nor a ban's handle (gatehouse user bans lists them)", what)
	}
	if err != nil {
		return err
	}
	if lifted {
		user := ""
		if b.Kind == auth.BanAccount {
			user = b.Subject
		}
		auditOp(ctx, redisAuditLog(st, cfg), auth.AuditRecord{Event: "admin_ban_lifted", User: user, Attrs: map[string]string{"kind": b.Kind, "subject": b.Subject}})
		_, err = fmt.Fprintf(stdout, "the ban on %s is lifted\n", shown(b.Subject))
		return err
	}
	_, err = fmt.Fprintf(stdout, "no ban on %s to lift\n", what)
	return err
}

// regulationConfig is cfg's regulation, as the gateway builds it.
func regulationConfig(cfg *config.Config) auth.RegulationConfig {
	r := cfg.Regulation
	return auth.RegulationConfig{
		MaxFailures: r.MaxFailures, FindTime: r.FindTime, BanTime: r.BanTime,
		MaxAccountFailures: r.MaxAccountFailures, AccountLockTime: r.AccountLockTime,
	}
}
