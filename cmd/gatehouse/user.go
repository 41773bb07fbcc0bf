package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"golang.org/x/term"
)

const userUsage = `Usage: gatehouse user <command> [-c gateway.yaml] [flags] [args]

Commands (users.backend: redis, accounts in the configured Redis; add also
works with users.backend: file, where it writes users.file, creating it):
  add [--email E] [--phone P] [--name N] [--groups a,b] [--force-2fa] [--reuse-name] USERNAME
                             create an account; password on stdin (prompted twice without echo on a terminal);
                             a deleted account's name only with --reuse-name (redis backend)
  list                       list accounts
  show USERNAME              show one account
  delete [--force] USERNAME  delete an account (its name is held: no sign-up gets it); the last
                             administrator who can sign in to the console only with --force
  hold-deleted               hold the names of accounts the audit trail says were deleted, once, after an upgrade
  set-phone USERNAME PHONE   change the phone number (unproved until a code to it follows the password)
  set-email USERNAME EMAIL   set the email, vouching for it: a sign-up's own email is not sent to apps until then
  set-password USERNAME      change the password (stdin, as for add)
  disable [--force] USERNAME refuse the account's logins; the last administrator who can sign
                             in to the console only with --force
  enable USERNAME            allow them again
  issue-recovery USERNAME    print one single-use recovery code, valid 24 h (any user backend)
  reset-2fa USERNAME         clear the phone, remove the app and passkeys, void the recovery codes, end every session, print a one-time code as issue-recovery
  unban USERNAME             lift the account's ban or lock (any user backend)
  sessions USERNAME          list the account's sessions (any user backend)
  revoke USERNAME [SESSION]  end one session of the account, or all (any user backend)
  bans                       list the bans and locks: whom each holds, why, for how long (any user backend)
  lift-ban HANDLE|IP         lift a ban from that list, or an address's (any user backend)
`

// cmdUser manages accounts of the redis user backend.
func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if askedHelp(args) {
		_, _ = fmt.Fprint(stdout, userUsage)
		return errHelp
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		_, _ = fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlags("user "+sub, stderr)
	c := fs.String("c", "", "configuration file")
	// Only add takes these: other subcommands do not list them.
	var email, phone, name, groups *string
	var force, reuse, anyway *bool
	if sub == "disable" || sub == "delete" {
		anyway = fs.Bool("force", false, "also the last administrator who can sign in to the console")
	}
	if sub == "add" {
		email = fs.String("email", "", "email address")
		phone = fs.String("phone", "", "mobile number, international form")
		name = fs.String("name", "", "display name")
		groups = fs.String("groups", "", "comma-separated groups")
		force = fs.Bool("force-2fa", false, "always require password and code")
		reuse = fs.Bool("reuse-name", false, "give the account a deleted account's name (the apps may still keep that person's data under it)")
	}
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	want := map[string]int{"add": 1, "list": 0, "show": 1, "delete": 1, "set-phone": 2, "set-email": 2, "set-password": 1, "disable": 1, "enable": 1,
		"hold-deleted": 0, "issue-recovery": 1, "reset-2fa": 1, "unban": 1, "sessions": 1, "revoke": 1, "bans": 0, "lift-ban": 1}
	n, ok := want[sub]
	if !ok {
		_, _ = fmt.Fprintf(stderr, "gatehouse user: unknown command %q\n\n%s", sub, userUsage)
		return errUsage
	}
	if sub == "revoke" && fs.NArg() == 2 {
		n = 2 // revoke USERNAME SESSION: one session
	}
	if fs.NArg() != n {
		_, _ = fmt.Fprintf(stderr, "gatehouse user %s: want %d argument(s), got %d\n\n%s", sub, n, fs.NArg(), userUsage)
		return errUsage
	}
	cfg, err := loadConfig(configPath(*c))
	if err != nil {
		printProblems(stderr, err)
		return errProblems
	}
	switch sub {
	case "issue-recovery", "reset-2fa":
		return recoveryCommand(ctx, cfg, sub, fs.Arg(0), stdout)
	case "unban", "sessions", "revoke":
		return opsCommand(ctx, cfg, sub, fs.Args(), stdout)
	case "bans", "lift-ban":
		return bansCommand(ctx, cfg, sub, fs.Args(), stdout)
	}
	p := cfg.Hashing.Argon2id
	hasher := auth.NewHasher(auth.Argon2Params{MemoryKiB: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism}, 1, time.Minute)
	policy := passwordPolicy(cfg)
	arg := fs.Arg(0)

	newHash := func(u *auth.User) (string, error) {
		pw, err := readNewPassword(stdin, stderr)
		if err != nil {
			return "", err
		}
		if msg := policy.Problem(pw, u); msg != "" {
			return "", fmt.Errorf("password refused: %s", msg)
		}
		return hasher.Hash(ctx, pw)
	}

	var u *auth.User
	if sub == "add" {
		var gs []string
		for _, g := range strings.Split(*groups, ",") {
			if g = strings.TrimSpace(g); g != "" {
				gs = append(gs, g)
			}
		}
		if cfg.Users.Backend == "file" {
			if *reuse {
				// The file is the operator's own record: no name is held.
				return errors.New("--reuse-name is for users.backend: redis; with the file backend no name is held (see \"Names of deleted accounts\")")
			}
			u = &auth.User{Username: arg, Email: strings.ToLower(strings.TrimSpace(*email)), DisplayName: *name, Groups: gs, ForceTwoFactor: *force}
			u.Phone = *phone // fileusers.Add normalises it as the gateway reads the file
			return addFileUser(cfg, u, func() (string, error) { return newHash(u) }, stdout)
		}
		// The rules of the console's create and of sign-up: the username,
		// email, name and groups are what apps are told, the email vouched
		// for (docs/contract.md, "Names an app reads as one").
		if u, err = auth.ValidateAdd(auth.NewAccount{Username: arg, Email: *email, Phone: *phone, Name: *name}, gs, ""); err != nil {
			return err
		}
		u.ForceTwoFactor = *force
	}
	if sub == "delete" {
		return deleteCommand(ctx, cfg, arg, *anyway, stdout, stderr)
	}
	users, st, audits, closeStore, err := openUserStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	// Every change below is audited with the operator as its actor, as
	// the console's are with the administrator (docs/contract.md,
	// "Command line").
	audit := func(event, user, phone string, attrs map[string]string) {
		auditOp(ctx, audits, auth.AuditRecord{Event: event, User: user, Phone: phone, Attrs: attrs})
	}
	// A change acts on the account whose username was typed, never on
	// one whose email or phone it is.
	switch sub {
	case "set-phone", "set-email", "set-password", "disable", "enable":
		if u, err = exactAccount(ctx, users, arg); err != nil {
			return err
		}
	}

	switch sub {
	case "add":
		if u.PasswordHash, err = newHash(u); err != nil {
			return err
		}
		attrs := map[string]string{"groups": strings.Join(u.Groups, ",")}
		if *reuse {
			reused, err := users.AddReusingName(ctx, u)
			if err != nil {
				return err
			}
			if reused {
				attrs["reused_name"] = "true"
			}
		} else if err := users.Add(ctx, u); errors.Is(err, auth.ErrNameHeld) {
			return fmt.Errorf("%s belonged to a deleted account, and an app behind the gateway may still keep that person's data under it: add --reuse-name to give it to this account on purpose", u.Username)
		} else if err != nil {
			return err
		}
		audit("admin_user_created", u.Username, u.Phone, attrs)
		_, err = fmt.Fprintf(stdout, "added %s\n", u.Username)
		return err
	case "hold-deleted":
		return holdDeleted(ctx, users, audits, stdout)
	case "list":
		list, err := users.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		if _, err := fmt.Fprintln(w, "USERNAME\tNAME\tEMAIL\tPHONE\tGROUPS\tFLAGS"); err != nil {
			return err
		}
		for _, u := range list {
			if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", shown(u.Username), shown(u.DisplayName), shown(u.Email), shown(u.Phone), shown(strings.Join(u.Groups, ",")), userFlags(u)); err != nil {
				return err
			}
		}
		return w.Flush()
	case "show":
		u, err := users.Lookup(ctx, arg)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "username: %s\nname: %s\nemail: %s\nphone: %s\ngroups: %s\nflags: %s\n",
			shown(u.Username), shown(u.DisplayName), shown(u.Email), shown(u.Phone), shown(strings.Join(u.Groups, ",")), userFlags(u))
		return err
	case "set-phone":
		e164, err := auth.NormalizePhone(fs.Arg(1), "")
		if err != nil {
			return err
		}
		// The operator's number, which nobody proved: the account is asked
		// a code to it after the password before it counts (a typo, or a
		// caller claiming to be the account's person, would otherwise
		// reset its password by the text code alone).
		if err := users.AssignPhone(ctx, arg, e164); err != nil {
			return err
		}
		audit("admin_phone_set", arg, e164, nil)
		_, err = fmt.Fprintf(stdout, "%s now has phone %s\n", arg, e164)
		return err
	case "set-email":
		// An administrator's email is vouched for, and so asserted to
		// apps (docs/contract.md, "Sign-up").
		email := strings.ToLower(strings.TrimSpace(fs.Arg(1)))
		if !auth.ValidEmail(email) {
			return fmt.Errorf("%q is not an email address", fs.Arg(1))
		}
		if err := users.SetEmail(ctx, arg, email); err != nil {
			return err
		}
		audit("admin_email_set", arg, "", nil)
		_, err = fmt.Fprintf(stdout, "%s now has email %s\n", arg, email)
		return err
	case "set-password":
		hash, err := newHash(u)
		if err != nil {
			return err
		}
		if err := users.SetPassword(ctx, u.Username, hash); err != nil {
			return err
		}
		audit("admin_password_set", u.Username, "", nil)
		_, err = fmt.Fprintf(stdout, "password of %s changed\n", u.Username)
		return err
	case "enable":
		if err := users.SetDisabled(ctx, arg, false); err != nil {
			return err
		}
		audit("admin_enabled", arg, "", nil)
		_, err = fmt.Fprintf(stdout, "enabled %s\n", arg)
		return err
	case "disable":
		err := keepingAnAdmin(ctx, cfg, st, users, arg, *anyway, stderr, func(ctx context.Context, u *auth.User) error {
			if err := users.SetDisabled(ctx, u.Username, true); err != nil {
				return err
			}
			audit("admin_disabled", u.Username, "", nil)
			return nil
		})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "disabled %s\n", arg)
		return err
	}
	return nil
}

// shown is what an account or a session holds, as an operator command
// prints it on a terminal (auth.ShownText): a display name or an agent
// kept before they were checked may hold controls.
func shown(s string) string { return auth.ShownText(s) }

func userFlags(u *auth.User) string {
	var f []string
	if u.Disabled {
		f = append(f, "disabled")
	}
	if u.ForceTwoFactor {
		f = append(f, "force-2fa")
	}
	if u.Phone == "" {
		f = append(f, "no-phone")
	}
	if u.PhoneUnproved {
		f = append(f, "phone-unproved")
	}
	if u.EmailUnverified {
		f = append(f, "email-unverified")
	}
	return strings.Join(f, ",")
}

// openUserStore connects to the configured Redis for the user backend and
// its audit trail.
func openUserStore(ctx context.Context, cfg *config.Config) (*storeusers.Backend, auth.Store, auth.AuditLog, func(), error) {
	if cfg.Users.Backend != "redis" {
		return nil, nil, nil, nil, errors.New("with users.backend: file, gatehouse user only adds people (gatehouse user add) and issues recovery codes (issue-recovery); for the rest edit users.yaml (gatehouse hash-password makes the hashes)")
	}
	st, closeStore, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return storeusers.New(st, ""), st, redisAuditLog(st, cfg), closeStore, nil
}

// openStore connects to the configured Redis store and checks that it
// answers. Its close waits until the replicas the master has now confirm
// what the command wrote (confirmReplicated): the client keeps one
// connection per master, the one their WAIT is asked on.
func openStore(ctx context.Context, cfg *config.Config) (*redisstore.Store, func(), error) {
	if cfg.Store.Driver != "redis" {
		return nil, nil, errors.New("gatehouse user needs store.driver: redis: a memory store lives inside one gatehouse process only")
	}
	client, err := redisstore.NewClient(cfg.Store.Redis, redisstore.OneConnection())
	if err != nil {
		return nil, nil, err
	}
	// A journal never replayed (the command exits right after its
	// writes): what it ends is ended as a gateway ends it, a session with
	// its tombstone, a ban with its lift mark, which the running
	// gateways' journals respect (docs/contract.md, "Failover
	// durability").
	st := redisstore.New(client, cfg.Store.KeyPrefix, cfg.Store.Redis.OpTimeout).WithJournal(storeJournal(cfg.Store.Redis, nil))
	pctx, cancel := context.WithTimeout(ctx, cfg.Store.Redis.DialTimeout+cfg.Store.Redis.OpTimeout)
	defer cancel()
	// Closing the client only drops its idle connections: nothing to
	// report, on failure as after the command.
	if err := st.Ping(pctx); err != nil {
		_ = client.Close()
		return nil, nil, fmt.Errorf("redis: %w", err)
	}
	mark, err := st.MarkReplicas(pctx)
	if err != nil {
		_ = client.Close()
		return nil, nil, fmt.Errorf("redis: %w", err)
	}
	return st, func() {
		confirmReplicated(ctx, st, mark)
		_ = client.Close()
	}, nil
}

// readNewPassword reads a password: prompted twice without echo when
// stdin is a terminal, else one line from stdin.
func readNewPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// Prompts go to stderr, best effort.
		_, _ = fmt.Fprint(stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		_, _ = fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		_, _ = fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		_, _ = fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords do not match")
		}
		return string(a), nil
	}
	return readPassword(stdin)
}
