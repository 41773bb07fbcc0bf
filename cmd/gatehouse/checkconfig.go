package main

// gatehouse check-config: every problem of the configuration and of the
// files it names, and every warning, in the file's line order
// (docs/contract.md, "Command line").

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"slices"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
)

// cmdCheckConfig validates the file, then checks that what it points at
// (signing keys, users file, portal logo and messages) can be loaded,
// and prints every problem and warning found, in file order. A key or
// value the file cannot give hides nothing else it could still check
// (config.LoadAll). Exit 1 on any problem.
func cmdCheckConfig(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check-config", stderr)
	c := fs.String("c", "", "configuration file")
	devOn, listen := devFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dev, err := newDevMode(fs, *devOn, *listen)
	if err != nil {
		return err
	}
	path := configPath(*c)
	cfg, loadErr := config.LoadAll(path)
	if cfg == nil {
		printProblems(stdout, noConfigHint(loadErr))
		return errProblems
	}
	var devErr error
	if dev.on {
		cfg, devErr = cfg.Dev(dev.listen)
	}
	warnings, checkErr := cfg.Check()
	if w := cfg.ConsoleWarning(); w != nil && !dev.on {
		warnings = append(warnings, w)
	}
	// check-config fails whenever serve would: a referenced file that is
	// missing or cannot be used is a problem (serve refuses to start
	// without it). Values beyond what ASVS and NIST advise are warnings.
	files, elsewhere := fileProblems(path, cfg)
	found := slices.Concat(problemsOf(path, devErr), problemsOf(path, checkErr), files, warnings)
	failed := loadErr != nil || devErr != nil || checkErr != nil
	for _, p := range config.Report(problemsOf(path, loadErr), found) {
		failed = failed || !p.Warning
		_, _ = fmt.Fprintln(stdout, p) // a failed write: the exit status reports the outcome
	}
	for _, w := range elsewhere {
		_, _ = fmt.Fprintln(stdout, w)
	}
	if failed {
		return errProblems
	}
	mode := ""
	if dev.on {
		mode = "; --dev: " + cfg.Server.PublicURL
	}
	_, err = fmt.Fprintf(stdout, "%s: OK (%d routes%s)\n", path, len(cfg.Routes), mode)
	return err
}

// problemsOf returns each error joined in err as a *config.Problem, one
// that is not a problem (never expected) as a problem of the file
// without a line, so that nothing is left unprinted.
func problemsOf(path string, err error) []*config.Problem {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*config.Problem
		for _, e := range j.Unwrap() {
			out = append(out, problemsOf(path, e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	var p *config.Problem
	if errors.As(err, &p) {
		return []*config.Problem{p}
	}
	return []*config.Problem{{File: path, Message: err.Error()}}
}

// fileProblems checks the files cfg names (signing keys, users file,
// Redis's TLS files, portal files): the problems (and warnings)
// of the configuration file's keys that name them, and the warnings
// located in those files themselves (the users file's own, "FILE:LINE:
// warning: message"), printed after the configuration's.
func fileProblems(path string, cfg *config.Config) (found []*config.Problem, elsewhere []string) {
	note := func(err error, key string) {
		found = append(found, problemAt(path, cfg, key, err))
	}
	if _, err := auth.LoadSigningKey(cfg.Identity.SigningKeyFile); err != nil {
		note(err, "identity.signing_key_file")
	}
	if f := cfg.Identity.DerivationKeyFile; f != "" {
		if _, err := auth.LoadDerivationKey(f); err != nil {
			note(err, "identity.derivation_key_file")
		}
	}
	for i, f := range cfg.Identity.PreviousKeyFiles {
		if _, err := auth.LoadPublicKey(f); err != nil {
			note(err, fmt.Sprintf("identity.previous_key_files.%d", i))
		}
	}
	if cfg.Users.Backend == "file" {
		fu, err := fileusers.New(cfg.Users.File, cfg.OTP.DefaultRegion, nil)
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				err = fmt.Errorf("%w; create it with `gatehouse user add -c %s USERNAME`, or from users.example.yaml (cp users.example.yaml %s, then put a hash from `gatehouse hash-password` in it)", err, path, cfg.Users.File)
			}
			note(err, "users.file")
		} else {
			if w := fileAdminsWarning(cfg, fu); w != nil {
				found = append(found, w)
			}
			elsewhere = fu.Warnings()
		}
	}
	if cfg.Store.Driver == "redis" {
		tlsFiles := redisstore.CheckTLS(cfg.Store.Redis)
		for _, key := range []string{"store.redis.tls_ca_file", "store.redis.tls_cert_file"} {
			if err := tlsFiles[key]; err != nil {
				note(err, key)
			}
		}
	}
	portal := gateway.CheckPortal(cfg)
	for _, key := range []string{"portal.messages_file", "portal.logo_file"} {
		if err := portal[key]; err != nil {
			found = append(found, &config.Problem{File: path, Line: cfg.Line(key), Message: err.Error()})
		}
	}
	return found, elsewhere
}

// problemAt is err, a problem of key, as check-config prints one:
// "FILE:LINE: key: message". A key the file does not write, whose
// default named what is wrong (gatehouse.key, users.yaml), has no line,
// and says it is the default.
func problemAt(path string, cfg *config.Config, key string, err error) *config.Problem {
	if line := cfg.Line(key); line > 0 {
		return &config.Problem{File: path, Line: line, Key: key, Message: err.Error()}
	}
	return &config.Problem{File: path, Key: key + " (not in this file: the default)", Message: err.Error()}
}

// fileAdminsWarning is check-config's warning for a users file where no
// member of admin.group can sign in to the console (auth.CanAdminister)
// while it is on: a warning, not a problem, the file being the
// operator's own record, whose edit may be a stolen administrator's
// account taken away (docs/contract.md, "users.yaml (file backend)").
func fileAdminsWarning(cfg *config.Config, fu *fileusers.Backend) *config.Problem {
	if !cfg.Admin.Enabled {
		return nil
	}
	list, err := fu.List(context.Background())
	if err != nil || auth.Administrators(slices.Values(list), cfg.Admin.Group) > 0 {
		return nil
	}
	return &config.Problem{File: cfg.File, Line: cfg.Line("users.file"), Key: "users.file", Warning: true,
		Message: fmt.Sprintf("no administrator can sign in to the console: no member of %s in %s is enabled with a password; add one (gatehouse user add --groups %s) or set admin.enabled: false", cfg.Admin.Group, cfg.Users.File, cfg.Admin.Group)}
}
