// Package headername folds HTTP header names the one way Gatehouse
// compares them (docs/contract.md, "Identity headers"): the gateway when
// it deletes a client's copies of the headers it owns, and the
// configuration check when it refuses an identity header that another
// one, or a header of the request itself, already names.
package headername

// Fold is c as a header name's byte is compared: a letter in lower case,
// a digit as it is, and any other byte '-'. CGI, FastCGI and SCGI
// servers name a header's variable so (lighttpd maps every byte that is
// neither a letter nor a digit to '_', and PHP reads '.' and ' ' in a
// variable's name as '_'), and Rack and WSGI read '_' for '-': to an app
// behind them "X.Auth.User", "X~Auth~User" and "X_Auth_User" are all
// X-Auth-User.
func Fold(c byte) byte {
	switch {
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return c
	default:
		return '-'
	}
}

// Normal is name with every byte folded (Fold).
func Normal(name string) string {
	b := []byte(name)
	for i, c := range b {
		b[i] = Fold(c)
	}
	return string(b)
}
