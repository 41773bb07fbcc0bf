package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// errProblems means problems were already printed; exit 1 quietly.
var errProblems = errors.New("problems reported")

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gatehouse "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp // flag printed the usage; asking for it is no error
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0)) // stderr
		return errUsage
	}
	return nil
}

// askedHelp reports whether args start with -h, -help or --help, the
// spellings the flag package takes: a command that reads its subcommand
// before its flags answers them with its usage and exit 0, as every
// flag set does (docs/contract.md, "Command line").
func askedHelp(args []string) bool {
	return len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help")
}

// parseFlagsOnly is parseFlags for a command that takes arguments too.
func parseFlagsOnly(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	return nil
}

// loadConfig loads and validates the configuration, for the commands
// that work on the store or users file, not on the files it names (user
// add creates the users file); serve and check-config use checkAll.
func loadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, noConfigHint(err)
	}
	if _, err := cfg.Check(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// devMode is --dev and its -listen (docs/contract.md, "Development
// mode"): never on unless asked for on the command line.
type devMode struct {
	on     bool
	listen string // -listen; "" keeps server.listen
}

// devFlags adds --dev and -listen to a command's flags.
func devFlags(fs *flag.FlagSet) (on *bool, listen *string) {
	on = fs.Bool("dev", false, "development mode, NOT FOR PRODUCTION: plain http on a loopback address (docs/contract.md)")
	listen = fs.String("listen", "", "with --dev: listen on this loopback address instead of server.listen, e.g. 127.0.0.1:8080")
	return on, listen
}

// newDevMode checks the --dev flags: -listen only goes with --dev.
func newDevMode(fs *flag.FlagSet, on bool, listen string) (devMode, error) {
	if listen != "" && !on {
		_, _ = fmt.Fprintf(fs.Output(), "%s: -listen goes with --dev only; set server.listen in the configuration\n", fs.Name()) // stderr
		return devMode{}, errUsage
	}
	return devMode{on: on, listen: listen}, nil
}

// noConfigHint adds to err, when the configuration file does not exist,
// how to name one.
func noConfigHint(err error) error {
	if errors.Is(err, iofs.ErrNotExist) {
		return fmt.Errorf("%w (name the configuration with -c FILE or $GATEHOUSE_CONFIG; the repository's gateway.yaml is a complete example)", err)
	}
	return err
}

// logWarnings logs the configuration's warnings, one line each.
func logWarnings(log *slog.Logger, warnings []*config.Problem) {
	for _, w := range warnings {
		log.Warn("configuration warning", "file", w.File, "line", w.Line, "key", w.Key, "warning", w.Message)
	}
}

// printProblems prints one line per joined error. A failed write is
// dropped: the exit status (1 with problems) reports the outcome.
func printProblems(w io.Writer, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			printProblems(w, e)
		}
		return
	}
	_, _ = fmt.Fprintln(w, err)
}

// cmdHashPassword reads one password from stdin (one trailing newline
// ignored) and prints its argon2id PHC string with the configured (or
// default) parameters, once it passes users.password_policy.
func cmdHashPassword(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("hash-password", stderr)
	c := fs.String("c", "", "configuration file for the argon2id parameters (default: built-in defaults)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg := config.Default()
	if *c != "" {
		var err error
		if cfg, err = loadConfig(*c); err != nil {
			printProblems(stderr, err)
			return errProblems
		}
	}
	params := cfg.Hashing.Argon2id
	// On a terminal: a prompt, twice, without echo (as user add); from
	// a pipe or file: everything up to EOF.
	pw, err := readNewPassword(stdin, stderr)
	if err != nil {
		return err
	}
	// The rules every other way of setting a password keeps
	// (docs/contract.md, "Password rules"); no account is named here,
	// so not the personal one.
	if msg := passwordPolicy(cfg).Problem(pw, nil); msg != "" {
		return fmt.Errorf("password refused: %s", msg)
	}
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: params.MemoryKiB, Iterations: params.Iterations, Parallelism: params.Parallelism}, 1, time.Minute)
	enc, err := h.Hash(ctx, pw)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, enc)
	return err
}

// passwordPolicy is cfg's users.password_policy, which every command
// that sets a password keeps.
func passwordPolicy(cfg *config.Config) auth.PasswordPolicy {
	return auth.PasswordPolicy{MinLength: cfg.Users.PasswordPolicy.MinLength, MaxLength: cfg.Users.PasswordPolicy.MaxLength, Service: cfg.ServiceNames()}
}

// readPassword reads everything up to EOF, dropping one trailing newline
// (\n or \r\n). An empty password is refused.
func readPassword(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(bufio.NewReader(r), 4097))
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if len(b) > 4096 {
		return "", errors.New("password too long (over 4096 bytes)")
	}
	s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if s == "" {
		return "", errors.New("empty password on standard input")
	}
	return s, nil
}

// cmdKeygen writes a new signing key.
func cmdKeygen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keygen", stderr)
	o := fs.String("o", "gatehouse.key", "output file (refuses to overwrite)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := auth.WriteKeyFile(*o); err != nil {
		return err
	}
	key, err := auth.LoadSigningKey(*o)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s (kid %s)\n", *o, auth.Thumbprint(key.Public().(ed25519.PublicKey)))
	return err
}
