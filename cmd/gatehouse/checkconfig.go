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
// and prints every problem and warning found, in file order
// (checkAll). Exit 1 on any problem.
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
	r := checkAll(path, dev)
	r.print(stdout)
	if r.failed {
		return errProblems
	}
	mode := ""
	if dev.on {
		mode = "; --dev: " + r.cfg.Server.PublicURL
	}
	_, err = fmt.Fprintf(stdout, "%s: OK (%d routes%s)\n", path, len(r.cfg.Routes), mode)
	return err
}

// configReport is what check-config, serve and a reload find in a
// configuration file: one list, one order (docs/contract.md, "Command
// line").
type configReport struct {
	// cfg is the configuration, with --dev applied; serve it only when
	// failed is false. nil when the file could not be read or is not YAML.
	cfg *config.Config
	// unread is why cfg is nil.
	unread error
	// found is every problem and warning of the configuration and of the
	// files it names, in file order (config.Report).
	found []*config.Problem
	// warnings are the configuration's own warnings (config.Check, and
	// without --dev config.ConsoleWarning), which serve and a reload log
	// when they go on; the users file's are logged as it is loaded.
	warnings []*config.Problem
	// elsewhere are the warnings located in the users file itself
	// ("FILE:LINE: warning: message"), listed after found.
	elsewhere []string
	// failed is set when the configuration must not be served: a
	// problem, not a warning, was found.
	failed bool
}

// checkAll reads and checks the configuration at path, with the changes
// of --dev when dev is on, and the files it names. A key or value the
// file cannot give hides nothing else it could still check
// (config.LoadAll); a missing signing key or users file is found with
// the rest, not after it.
func checkAll(path string, dev devMode) configReport {
	cfg, loadErr := config.LoadAll(path)
	if cfg == nil {
		return configReport{unread: noConfigHint(loadErr), failed: true}
	}
	var devErr error
	if dev.on {
		cfg, devErr = cfg.Dev(dev.listen)
	}
	warnings, checkErr := cfg.Check()
	if w := cfg.ConsoleWarning(); w != nil && !dev.on {
		warnings = append(warnings, w)
	}
	// A referenced file that is missing or cannot be used is a problem:
	// serve cannot start without it. Values beyond what ASVS and NIST
	// advise are warnings.
	files, elsewhere := fileProblems(path, cfg)
	found := slices.Concat(problemsOf(path, devErr), problemsOf(path, checkErr), files, warnings)
	r := configReport{cfg: cfg, warnings: warnings, elsewhere: elsewhere,
		failed: loadErr != nil || devErr != nil || checkErr != nil}
	r.found = config.Report(problemsOf(path, loadErr), found)
	for _, p := range r.found {
		r.failed = r.failed || !p.Warning
	}
	return r
}

// lines returns what check-config prints, one string a line.
func (r configReport) lines() []string {
	if r.cfg == nil {
		return problemList(r.unread)
	}
	out := make([]string, 0, len(r.found)+len(r.elsewhere))
	for _, p := range r.found {
		out = append(out, p.Error())
	}
	return append(out, r.elsewhere...)
}

// print writes lines to w. A failed write is dropped: the exit status
// reports the outcome.
func (r configReport) print(w io.Writer) {
	for _, l := range r.lines() {
		_, _ = fmt.Fprintln(w, l)
	}
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
