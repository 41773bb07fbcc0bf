package config

// Dev, the configuration of `gatehouse serve --dev` (docs/contract.md,
// "Development mode").

import (
	"net/netip"
)

// Dev returns a copy of c for `gatehouse serve --dev`, the local-try mode
// of docs/contract.md ("Development mode"), and the problems that forbid
// it. It changes exactly what blocks plain http on this machine:
//
//   - server.listen becomes listen when listen is not "" (the -listen flag);
//   - server.public_url becomes "http://" + the listen address;
//   - session.secure becomes false (no Secure attribute, no __Host- or
//     __Secure- cookie names added by the gateway);
//
// the last two only when the listen address is one --dev takes, so that
// a refused address is the one problem said of it.
//
// It fails closed: the listen address and admin_listen (when set) must be
// a literal loopback IP address with a port other than 0 (no host names,
// which could resolve elsewhere; no ":8080", which is every interface),
// and server.tls must be unset (--dev is plain http). Every other value is
// kept and checked as usual by Check on the result. Like Check, Dev does
// no I/O and does not change c.
func (c *Config) Dev(listen string) (*Config, error) {
	d := *c
	ps := newProblems(c.File)
	key, line := "server.listen", c.lineOf("server.listen")
	if listen != "" {
		d.Server.Listen = listen
		key, line = "-listen", 0
	}
	if devLoopback(d.Server.Listen) {
		d.Server.PublicURL = "http://" + d.Server.Listen
		d.Session.Secure = false
	} else {
		// The file's public_url and secure are kept: a public_url made
		// of a refused address would be a second problem, reported on
		// public_url's line, which the file has right.
		ps.at(line, key, "--dev serves this machine only: %q is not a loopback address with a port; use e.g. -listen 127.0.0.1:8080", d.Server.Listen)
	}
	if a := d.Server.AdminListen; a != "" && !devLoopback(a) {
		ps.at(c.lineOf("server.admin_listen"), "server.admin_listen", "--dev serves this machine only: %q is not a loopback address with a port; use e.g. \"127.0.0.1:9090\", or \"\" for none", a)
	}
	if d.Server.TLS.CertFile != "" || d.Server.TLS.KeyFile != "" {
		ps.at(c.lineOf("server.tls"), "server.tls", "--dev serves plain http; remove server.tls, or run without --dev")
	}
	return &d, ps.err()
}

// devLoopback reports whether hostPort is a literal loopback IP address
// (127.0.0.0/8, ::1) with a port other than 0.
func devLoopback(hostPort string) bool {
	ap, err := netip.ParseAddrPort(hostPort)
	return err == nil && ap.Addr().IsLoopback() && ap.Addr().Zone() == "" && ap.Port() != 0
}
