package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
)

// opsCommand is `gatehouse user unban|sessions|revoke USERNAME [SESSION]`
// (docs/contract.md, "Admin console"): the console's actions for scripts
// and emergencies, on the configured Redis store, audited with the
// operating-system user as the actor.
func opsCommand(ctx context.Context, cfg *config.Config, sub string, args []string, stdout io.Writer) error {
	d, err := openOps(ctx, cfg, args[0])
	if err != nil {
		return err
	}
	defer d.close()
	u := d.user
	sessions := auth.NewSessions(d.store, sessionConfig(cfg), nil, nil)
	switch sub {
	case "unban":
		reg := auth.NewRegulator(d.store, d.signer.DeriveKey("regulation"), regulationConfig(cfg))
		lifted, err := reg.Lift(ctx, u.Username, "")
		if err != nil {
			return err
		}
		d.audit(ctx, "admin_unbanned", u.Username)
		if !lifted {
			_, err = fmt.Fprintf(stdout, "%s was not banned; its failures are forgotten\n", u.Username)
			return err
		}
		_, err = fmt.Fprintf(stdout, "the ban on %s is lifted\n", u.Username)
		return err
	case "sessions":
		list, err := sessions.ListUser(ctx, u, "")
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		if _, err := fmt.Fprintln(w, "SESSION\tSIGNED IN\tLAST SEEN\tIP\tDEVICE"); err != nil {
			return err
		}
		for _, s := range list {
			if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Handle, s.Created.UTC().Format(time.RFC3339), s.LastSeen.UTC().Format(time.RFC3339), shown(s.IP), shown(s.Agent)); err != nil {
				return err
			}
		}
		return w.Flush()
	case "revoke":
		n := 0
		if len(args) == 2 {
			ok, err := sessions.RevokeOne(ctx, u.Username, args[1])
			if err != nil {
				return err
			}
			if ok {
				n = 1
			}
		} else if n, err = sessions.RevokeUser(ctx, u.Username, ""); err != nil {
			return err
		}
		d.audit(ctx, "admin_sessions_revoked", u.Username)
		_, err = fmt.Fprintf(stdout, "%d session(s) of %s ended\n", n, u.Username)
		return err
	}
	return nil
}

const auditUsage = `Usage: gatehouse audit tail [-c gateway.yaml] [-f] [--user U] [--event E] [--class C] [-n N]

Print the newest N (default 20) events of the kept audit trail as JSON
lines, oldest first; -f keeps printing new ones (store.driver: redis).
--class history or attempt shows one part of the trail only.
`

// cmdAudit is `gatehouse audit tail`.
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "tail" {
		if askedHelp(args) {
			_, _ = fmt.Fprint(stdout, auditUsage)
			return errHelp
		}
		_, _ = fmt.Fprint(stderr, auditUsage)
		return errUsage
	}
	fs := newFlags("audit tail", stderr)
	c := fs.String("c", "", "configuration file")
	follow := fs.Bool("f", false, "keep printing new events")
	user := fs.String("user", "", "only this user's events (as subject or actor)")
	event := fs.String("event", "", "only this event")
	class := fs.String("class", "", "only this class: history or attempt")
	n := fs.Int("n", 20, "how many of the newest events to print first")
	if err := parseFlagsOnly(fs, args[1:]); err != nil {
		return err
	}
	if *class != "" && !auth.AuditClassValid(*class) {
		_, _ = fmt.Fprintf(stderr, "gatehouse audit tail: --class is history or attempt, not %q\n", *class)
		return errUsage
	}
	cfg, err := loadConfig(configPath(*c))
	if err != nil {
		printProblems(stderr, err)
		return errProblems
	}
	st, closeStore, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	log := redisAuditLog(st, cfg)
	f := auth.AuditFilter{User: *user, Event: *event, Class: *class}
	recs, _, err := log.Page(ctx, f, "", max(1, *n))
	if err != nil {
		return err
	}
	last := ""
	for i := len(recs) - 1; i >= 0; i-- {
		if err := printRecord(stdout, recs[i]); err != nil {
			return err
		}
		last = recs[i].ID
	}
	for *follow {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		recs, _, err := log.Page(ctx, f, "", 1000)
		if err != nil {
			return err
		}
		for i := len(recs) - 1; i >= 0; i-- {
			if last == "" || redisstore.AuditIDAfter(recs[i].ID, last) {
				if err := printRecord(stdout, recs[i]); err != nil {
					return err
				}
				last = recs[i].ID
			}
		}
	}
	return nil
}

// deleteCommand is `gatehouse user delete USERNAME`: the console's delete
// (docs/contract.md, "Admin console"): the account's sessions,
// authenticator app, passkeys, recovery codes and bans go with it
// (auth.Forget), so that an account later made under the same name
// inherits none of them; audited as admin_user_deleted. With the file
// backend the record is in the operator's file: it forgets what the
// store keeps of the name, whether or not the file still lists it, and
// leaves the file to the operator.
func deleteCommand(ctx context.Context, cfg *config.Config, username string, force bool, stdout, stderr io.Writer) error {
	if cfg.Users.Backend == "file" {
		st, signer, closeStore, err := openStoreSigner(ctx, cfg)
		if err != nil {
			return err
		}
		defer closeStore()
		d := &ops{store: st, signer: signer, audits: redisAuditLog(st, cfg)}
		n, err := forgetter(cfg, d).Account(ctx, username)
		if err != nil {
			return err
		}
		d.audit(ctx, "admin_user_deleted", username)
		_, err = fmt.Fprintf(stdout, "forgot %s's sessions, app, passkeys, recovery codes and bans (%d sessions ended); remove the person from %s if not done yet\n", username, n, cfg.Users.File)
		return err
	}
	d, err := openOps(ctx, cfg, username)
	if err != nil {
		return err
	}
	defer d.close()
	users, ok := d.users.(*storeusers.Backend)
	if !ok {
		return errors.New("gatehouse user delete: the account is not in the redis user backend")
	}
	// Everything but the record first, then the record, as the console's
	// delete: a failure leaves the account, which a second delete
	// finishes.
	var n int
	err = keepingAnAdmin(ctx, cfg, d.store, users, d.user.Username, force, stderr, func(ctx context.Context, u *auth.User) (err error) {
		n, err = forgetter(cfg, d).Account(ctx, u.Username)
		return err
	}, func(ctx context.Context, u *auth.User) error {
		if err := users.Delete(ctx, u.Username); err != nil && !errors.Is(err, auth.ErrUserNotFound) {
			return err
		}
		d.audit(ctx, "admin_user_deleted", u.Username)
		return nil
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "deleted %s (%d sessions ended; its app, passkeys, recovery codes and bans are gone too)\n", d.user.Username, n)
	return err
}

// forgetter is auth.Forget over d's store, as the gateway configures it.
func forgetter(cfg *config.Config, d *ops) *auth.Forget {
	return &auth.Forget{
		Store:     d.store,
		Sessions:  auth.NewSessions(d.store, sessionConfig(cfg), nil, nil),
		DeriveKey: d.signer.DeriveKey,
		Regulator: auth.NewRegulator(d.store, d.signer.DeriveKey("regulation"), regulationConfig(cfg)),
	}
}
