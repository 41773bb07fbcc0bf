package main

import (
	"fmt"
	"io"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/config"
)

// addFileUser is `gatehouse user add` with users.backend: file: it adds u
// to users.file, creating the file (docs/contract.md, "gatehouse user add
// with the file backend"). hash asks for the password and hashes it; it
// is called only once everything else has been checked.
func addFileUser(cfg *config.Config, u *auth.User, hash func() (string, error), stdout io.Writer) error {
	path := cfg.Users.File
	created, err := fileusers.Add(path, cfg.OTP.DefaultRegion, u, hash)
	if err != nil {
		return err
	}
	what := "added %s to %s\n"
	if created {
		what = "added %s to %s (a new file, mode 0600)\n"
	}
	if _, err := fmt.Fprintf(stdout, what, u.Username, path); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, "A running gatehouse picks this up within seconds (it watches the file): no restart or SIGHUP needed.")
	return err
}
