package config

// The warning of an admin listener open to every network while the main
// one is not (docs/contract.md, "check-config").

import (
	"net"
	"net/netip"
)

// adminListenOpen warns when server.admin_listen is on every interface
// (":9090", "0.0.0.0:9090", "[::]:9090") while server.listen is kept from
// other machines (a loopback or other single address) or faces browsers
// with its own TLS: /metrics and /readyz then answer whoever reaches the
// machine, without a credential, and the counters of texts sent tell an
// onlooker which numbers have accounts (a decoy sends nothing), which the
// portal's answers never do; each /readyz is a store round trip. Not
// warned when both listen on every interface without TLS, as in a
// container, where the network is the container's and a kubelet's probe
// or a scraper reaches the pod's address.
func (v *validator) adminListenOpen() {
	s := v.c.Server
	if s.AdminListen == "" || !everyInterface(s.AdminListen) {
		return
	}
	if everyInterface(s.Listen) && s.TLS.CertFile == "" {
		return
	}
	v.warn("server.admin_listen", "%q listens on every interface, while server.listen does not (or serves TLS itself): /metrics and /readyz answer anyone who reaches this machine, without a credential, and the count of texts sent tells them which phone numbers have accounts; bind it to 127.0.0.1 or a private address your scraper uses, or firewall the port", s.AdminListen)
}

// everyInterface reports whether a host:port listens on every interface:
// no host, or an unspecified address (0.0.0.0, ::).
func everyInterface(hostPort string) bool {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		return false // reported by server()
	}
	if host == "" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsUnspecified()
}
