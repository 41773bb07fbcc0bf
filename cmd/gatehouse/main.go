// Command gatehouse is the Gatehouse authentication gateway: it proxies
// apps or answers forward-auth, after a password and/or an SMS code.
//
// This package only wires: it loads the configuration, builds the store,
// senders, signer and HTTP server, and runs them until a signal arrives.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gatehouse-auth/gatehouse/internal/hashworker"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Usage: gatehouse <command> [flags]

Commands:
  serve  [-c gateway.yaml]     run the gateway (default command)
         --dev [-listen ADDR]  local try over plain http on a loopback address; NOT FOR PRODUCTION
  demo   [-listen ADDR]        run a self-contained demo (memory store, console SMS, demo app)
  demo-app [-c FILE] [-listen ADDR] [-gateway URL]   run the demo app alone, as a route's upstream
  check-config [-c FILE]       validate the configuration; print FILE:LINE: message per problem
               [--dev [-listen ADDR]]  as serve --dev would run it
  hash-password [-c FILE]      read a password on stdin, print an argon2id PHC string
  keygen [-o FILE]             write a new Ed25519 signing key (PEM, mode 0600)
  user add|list|show|delete|set-phone|set-email|set-password|disable|enable   manage accounts (users.backend: redis; add also writes users.file)
  user issue-recovery|reset-2fa|unban|sessions|revoke USERNAME     operator actions (store.driver: redis)
  user bans | user lift-ban HANDLE|IP   list the bans, lift one (store.driver: redis)
  audit tail [-f] [--user U]   print the kept audit trail as JSON lines
  admin token create|list|revoke   bearer tokens for the admin API
  derivation-key adopt [-c FILE]   start over under the configured derivation key (leaves the store's records behind)
  version                      print the version

-c defaults to $GATEHOUSE_CONFIG, then ./gateway.yaml.
`

// errUsage means the command line was wrong; usage has been printed.
var errUsage = errors.New("usage")

// errHelp means -h was asked for; the command's usage has been printed.
var errHelp = errors.New("help")

func main() {
	ctx, release := stopSignals()
	defer release()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	release()
	os.Exit(code)
}

// run executes one command and returns the process exit code.
//
// What a command writes to stdout is its output: a failed write fails the
// command (exit 1), as coreutils do, so that a script never takes an
// empty or truncated result for a success. stderr is where usage and
// failures go; a failed write there has nowhere to be reported and is
// dropped.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "-version", "--version":
			// The program's own flags, not serve's.
			cmd, args = args[0], args[1:]
		}
	}
	// An operator command's writes are confirmed on the replicas once
	// its stores are closed (replicas.go).
	ctx, replicated := withReplication(ctx)
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, args, stderr)
	case "demo":
		err = cmdDemo(ctx, args, stdout, stderr)
	case "demo-app":
		err = cmdDemoApp(ctx, args, stdout, stderr)
	case "hash-worker": // internal: serve's low-priority password hashing
		err = hashworker.Serve(stdin, stdout)
	case "check-config":
		err = cmdCheckConfig(ctx, args, stdout, stderr)
	case "hash-password":
		err = cmdHashPassword(ctx, args, stdin, stdout, stderr)
	case "keygen":
		err = cmdKeygen(args, stdout, stderr)
	case "user":
		err = cmdUser(ctx, args, stdin, stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, args, stdout, stderr)
	case "admin":
		err = cmdAdmin(ctx, args, stdout, stderr)
	case "derivation-key":
		err = cmdDerivationKey(ctx, args, stdout, stderr)
	case "version", "-version", "--version":
		_, err = fmt.Fprintln(stdout, "gatehouse", version)
	case "help", "-h", "-help", "--help":
		_, err = fmt.Fprint(stdout, usage)
	default:
		_, _ = fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if rerr := replicated(); rerr != nil {
		err = errors.Join(err, rerr)
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0 // help was asked for and printed
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errProblems):
		return 1
	default:
		_, _ = fmt.Fprintln(stderr, "gatehouse:", err) // the exit status says it all the same
		return 1
	}
}

// configPath resolves -c: the flag, then $GATEHOUSE_CONFIG, then ./gateway.yaml.
func configPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if env := os.Getenv("GATEHOUSE_CONFIG"); env != "" {
		return env
	}
	return "gateway.yaml"
}
