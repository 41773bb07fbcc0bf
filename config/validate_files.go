package config

// Files others may read: a signing key, TLS key or secret file whose mode
// lets any user of the machine read or write it is a warning
// (docs/contract.md, "check-config"). Load notes the modes; Check warns.

import (
	"fmt"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"strings"
)

// exposedPerm are the read and write bits of other users (not the owner, not
// the group): a key or secret with any of them is exposed.
const exposedPerm fs.FileMode = 0o006

// secretFiles lists the key and path of every file whose content is a
// secret: the signing key, the TLS key, and each <key>_file secret.
func (c *Config) secretFiles() map[string]string {
	files := map[string]string{
		"identity.signing_key_file": c.Identity.SigningKeyFile,
		"server.tls.key_file":       c.Server.TLS.KeyFile,
	}
	if c.Store.Redis.TLSKeyFile != "" {
		files["store.redis.tls_key_file"] = c.Store.Redis.TLSKeyFile
	}
	if c.Identity.DerivationKeyFile != "" {
		files["identity.derivation_key_file"] = c.Identity.DerivationKeyFile
	}
	for _, s := range c.secrets() {
		files[s.key+"_file"] = *s.file
	}
	return files
}

// previousKeyPrefix is the key of identity.previous_key_files' items,
// less the index.
const previousKeyPrefix = "identity.previous_key_files."

// previousPrivateKeys lists the key and path of each previous signing key
// file that holds a private key (read, not only stat'ed): it still signs
// whatever its holder likes, while only the verifiers' trust in it is
// meant to be winding down. One holding the public key alone is no
// secret.
func (c *Config) previousPrivateKeys(readFile func(string) (string, error)) map[string]string {
	files := map[string]string{}
	for i, path := range c.Identity.PreviousKeyFiles {
		if data, err := readFile(path); err == nil && strings.Contains(data, "PRIVATE KEY") {
			files[fmt.Sprintf("%s%d", previousKeyPrefix, i)] = path
		}
	}
	return files
}

// noteExposedFiles records, for Check, the mode of each secret file that
// others may read or write. A file stat cannot read is left to whatever
// loads it (a missing signing key is a problem there). Windows has no
// such bits to check.
func (c *Config) noteExposedFiles(stat func(string) (fs.FileInfo, error), readFile func(string) (string, error)) {
	if runtime.GOOS == "windows" {
		return
	}
	files := c.secretFiles()
	maps.Copy(files, c.previousPrivateKeys(readFile))
	for key, path := range files {
		if path == "" {
			continue
		}
		fi, err := stat(path)
		if err != nil || fi.Mode().Perm()&exposedPerm == 0 {
			continue
		}
		if c.exposed == nil {
			c.exposed = map[string]fs.FileMode{}
		}
		c.exposed[key] = fi.Mode().Perm()
	}
}

// noteInlineSecrets records, for Check, each secret written in the
// configuration file itself (neither <key>_file nor ${VAR}) when the
// file's mode lets others read or write it: whoever may read the file
// has the secret. Load calls it with the file it read.
func (c *Config) noteInlineSecrets(stat func(string) (fs.FileInfo, error)) {
	if runtime.GOOS == "windows" || c.File == "" {
		return
	}
	fi, err := stat(c.File)
	if err != nil || fi.Mode().Perm()&exposedPerm == 0 {
		return
	}
	for _, s := range c.secrets() {
		if *s.value == "" || c.lines[s.key] == 0 || c.fromEnv[s.key] {
			continue
		}
		if c.inline == nil {
			c.inline = map[string]fs.FileMode{}
		}
		c.inline[s.key] = fi.Mode().Perm()
	}
}

// exposedFiles warns of each secret file Load found others may read or
// write, and of each secret written in a configuration file they may.
func (v *validator) exposedFiles() {
	for _, key := range slices.Sorted(maps.Keys(v.c.inline)) {
		mode := v.c.inline[key]
		name := key[strings.LastIndexByte(key, '.')+1:]
		v.warn(key, "is written in this file, which every user of this machine may %s (mode %04o): give it as %s_file, a file only the service reads, or as ${VAR}, or chmod o= this file", othersMay(mode), mode, name)
	}
	for _, key := range slices.Sorted(maps.Keys(v.c.exposed)) {
		mode := v.c.exposed[key]
		what := "a secret"
		switch key {
		case "identity.signing_key_file":
			what = "the key every assertion is signed with"
		case "server.tls.key_file":
			what = "the TLS private key"
		}
		if strings.HasPrefix(key, previousKeyPrefix) {
			what = "a previous signing key, which still signs assertions apps accept"
		}
		v.warn(key, "every user of this machine may %s %s (mode %04o): chmod o= the file (0600, or 0640 for the service's group)", othersMay(mode), what, mode)
	}
}

// othersMay says what mode lets other users do to a file.
func othersMay(mode fs.FileMode) string {
	switch {
	case mode&0o004 == 0:
		return "change"
	case mode&0o002 != 0:
		return "read and change"
	}
	return "read"
}
