// Package config reads, defaults and validates gateway.yaml.
//
// The life of a configuration is four steps, each in one place:
//
//  1. Default returns every documented default.
//  2. Load (or Parse) reads the YAML, expands ${VAR} references, rejects
//     unknown keys, decodes the file onto the defaults and reads the secrets
//     given as <key>_file. Every problem is reported at once, each as
//     "FILE:LINE: message".
//  3. Validate checks the values. It does no I/O, changes nothing and again
//     reports every problem at once, each as "FILE:LINE: key.path: message".
//  4. Other packages read the plain structs; Line maps a key path back to
//     the line it was written on, for their own messages.
//
// Problems are *Problem values joined with errors.Join, so printing the
// error gives one problem per line. Messages never contain secret values.
package config
