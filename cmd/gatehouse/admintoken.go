package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

const adminUsage = `Usage: gatehouse admin token <command> [-c gateway.yaml] [flags]

Bearer tokens for scripts that use the admin API (store.driver: redis):
  create --name NAME [--ttl 90d]   print a new token once (kept only as a hash)
  list                             the tokens alive, with when they expire
  revoke NAME                      end a token
`

// cmdAdmin is `gatehouse admin token create|list|revoke` (docs/contract.md,
// "Admin console").
func cmdAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if askedHelp(args) || (len(args) > 0 && args[0] == "token" && askedHelp(args[1:])) {
		_, _ = fmt.Fprint(stdout, adminUsage)
		return errHelp
	}
	if len(args) < 2 || args[0] != "token" {
		_, _ = fmt.Fprint(stderr, adminUsage)
		return errUsage
	}
	sub := args[1]
	fs := newFlags("admin token "+sub, stderr)
	c := fs.String("c", "", "configuration file")
	var name, ttl *string
	if sub == "create" {
		name = fs.String("name", "", "the token's name (lower-case letters, digits, dashes)")
		ttl = fs.String("ttl", "90d", "how long it works: 90d, 12h, …")
	}
	if err := parseFlagsOnly(fs, args[2:]); err != nil {
		return err
	}
	want := map[string]int{"create": 0, "list": 0, "revoke": 1}
	n, ok := want[sub]
	if !ok || fs.NArg() != n {
		_, _ = fmt.Fprint(stderr, adminUsage)
		return errUsage
	}
	var lifetime time.Duration
	if sub == "create" {
		// A --ttl out of bounds is a mistake on the command line: exit 2,
		// before the store is opened (docs/contract.md, "Admin console").
		var err error
		if lifetime, err = parseLifetime(*ttl); err != nil {
			_, _ = fmt.Fprintf(stderr, "gatehouse admin token create: %v\n", err)
			return errUsage
		}
	}
	cfg, err := loadConfig(configPath(*c))
	if err != nil {
		printProblems(stderr, err)
		return errProblems
	}
	st, signer, closeStore, err := openStoreSigner(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	tokens := auth.NewAdminTokens(st, signer.DeriveKey("admin-token"), auth.SystemClock{})
	audits := redisAuditLog(st, cfg)
	switch sub {
	case "create":
		token, err := tokens.Create(ctx, *name, lifetime)
		if err != nil {
			return err
		}
		auditOp(ctx, audits, auth.AuditRecord{Event: "admin_token_created", Attrs: map[string]string{"token": *name}})
		_, err = fmt.Fprintf(stdout, "%s\n", token)
		return err
	case "list":
		list, err := tokens.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		if _, err := fmt.Fprintln(w, "NAME\tCREATED\tEXPIRES"); err != nil {
			return err
		}
		for _, t := range list {
			if _, err := fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.Created.UTC().Format(time.RFC3339), t.Expires.UTC().Format(time.RFC3339)); err != nil {
				return err
			}
		}
		return w.Flush()
	default: // revoke
		ok, err := tokens.Revoke(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no token %q", fs.Arg(0))
		}
		auditOp(ctx, audits, auth.AuditRecord{Event: "admin_token_revoked", Attrs: map[string]string{"token": fs.Arg(0)}})
		_, err = fmt.Fprintf(stdout, "token %s revoked\n", fs.Arg(0))
		return err
	}
}

// minTokenLifetime is the shortest --ttl an admin token takes (one
// second, docs/contract.md "Admin console"): a shorter one is dead before
// a script could use it.
const minTokenLifetime = time.Second

// maxTokenLifetime is the longest --ttl an admin token takes (ten years,
// docs/contract.md "Admin console"): far past any use, and far below
// where a count of days overflows a time.Duration.
const maxTokenLifetime = 3650 * 24 * time.Hour

// parseLifetime reads a duration with days allowed ("90d"), at least
// minTokenLifetime and at most maxTokenLifetime. Before the bound, 213504d overflowed to a lifetime
// of minutes, the token expiring at once without a word.
func parseLifetime(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		switch n, err = strconv.Atoi(days); {
		case err == nil && n > int(maxTokenLifetime/(24*time.Hour)):
			return 0, fmt.Errorf("--ttl %q: at most 3650d (ten years)", s)
		case n < 1:
			n = 0 // refused below; a negative count could wrap around too
		}
		d = time.Duration(n) * 24 * time.Hour
	}
	switch {
	case err != nil || d <= 0:
		return 0, fmt.Errorf("--ttl %q: give days like 90d, or a duration like 12h", s)
	case d < minTokenLifetime:
		return 0, fmt.Errorf("--ttl %q: at least 1s", s)
	case d > maxTokenLifetime:
		return 0, fmt.Errorf("--ttl %q: at most 3650d (ten years)", s)
	}
	return d, nil
}
