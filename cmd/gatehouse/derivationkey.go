package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// adoptUsage is the usage of `gatehouse derivation-key adopt`.
const adoptUsage = `Usage: gatehouse derivation-key adopt [-c gateway.yaml]

Make the configured derivation key (identity.derivation_key_file, else
the signing key) the one the store's records are kept under, replacing
the fingerprint of the key they were written under: serve and the
operator commands then start again, and every authenticator app,
passkey, recovery code set, ban and known device kept under the old key
is left behind (store.driver: redis). Only for starting over: to keep
them, name the old key's file as identity.derivation_key_file instead.
`

// keyRefused explains err when it is auth.ErrDerivationKeyChanged: what
// happened and the two ways on (docs/contract.md, "Identity headers").
// driver is store.driver: the memory store keeps the key of the running
// process's first configuration, and only a reload can meet another.
func keyRefused(driver string, err error) error {
	if !errors.Is(err, auth.ErrDerivationKeyChanged) {
		return err
	}
	if driver != "redis" {
		return fmt.Errorf("%w (the memory store keeps its records under the key this process started with). Nothing was changed: under this key, the gateway would find none of the accounts' authenticator apps, passkeys, recovery codes, bans or known devices. "+
			"If the signing key was replaced, set identity.derivation_key_file to the file of the key the gateway started with (the old signing key); "+
			"to start over under this key instead, restart the gateway: the memory store starts empty", err)
	}
	return fmt.Errorf("%w (the store keeps the fingerprint of another key). Nothing was changed: started with this key, the gateway would find none of the accounts' authenticator apps, passkeys, recovery codes, bans or known devices. "+
		"If the signing key was replaced, set identity.derivation_key_file to the file of the key they were written under (the old signing key; restore it from your backup); "+
		"to start over under this key instead, leaving all of that behind, run `gatehouse derivation-key adopt` once, with the same configuration", err)
}

// cmdDerivationKey is `gatehouse derivation-key adopt`.
func cmdDerivationKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "adopt" {
		if askedHelp(args) {
			_, _ = fmt.Fprint(stdout, adoptUsage)
			return errHelp
		}
		_, _ = fmt.Fprint(stderr, adoptUsage)
		return errUsage
	}
	fs := newFlags("derivation-key adopt", stderr)
	c := fs.String("c", "", "configuration file")
	if err := parseFlagsOnly(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		_, _ = fmt.Fprint(stderr, adoptUsage)
		return errUsage
	}
	cfg, err := loadConfig(configPath(*c))
	if err != nil {
		printProblems(stderr, err)
		return errProblems
	}
	signer, err := loadSigner(cfg)
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	replaced, err := auth.AdoptDerivationKey(ctx, st, auth.KeyFingerprint(signer.DeriveKey))
	if err != nil {
		return err
	}
	if !replaced {
		_, err = fmt.Fprintln(stdout, "the store's records are kept under the configured derivation key; nothing changed")
		return err
	}
	// Every ban, lock and second factor was just left behind: the trail
	// says who did it (docs/contract.md, "Command line").
	auditOp(ctx, redisAuditLog(st, cfg), auth.AuditRecord{Event: "derivation_key_adopted"})
	_, err = fmt.Fprintln(stdout, "the store now keeps its records under the configured derivation key; what it kept under the previous one (authenticator apps, passkeys, recovery codes, bans, known devices) is left behind")
	return err
}
