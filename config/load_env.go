package config

// ${VAR} references in values, replaced by environment variables
// (docs/contract.md, "Configuration (gateway.yaml)").

import (
	"errors"
	"fmt"
	"strings"
)

// expandEnv replaces ${NAME} with the value of the environment variable
// NAME and "$$" with "$"; any other "$" is kept. Its errors never quote s,
// which may be a secret.
func expandEnv(s string, lookupEnv func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			s = s[i+2:]
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New(`"${" without a closing "}" (write "$$" for a literal "$")`)
			}
			name := s[i+2 : i+2+end]
			if !isEnvName(name) {
				return "", errors.New(`"${...}" must hold a variable name of letters, digits and "_" (write "$$" for a literal "$")`)
			}
			val, ok := lookupEnv(name)
			if !ok {
				return "", fmt.Errorf("environment variable %q is not set", name)
			}
			b.WriteString(val)
			s = s[i+3+end:]
		default:
			b.WriteByte('$')
			s = s[i+1:]
		}
	}
}

func isEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range []byte(s) {
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
