package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"

	"github.com/gatehouse-auth/gatehouse/config"
)

// warnDev says, on the terminal and in the log, that serve runs in
// development mode (docs/contract.md, "Development mode"). The banner is
// best effort: the log line says it too.
func warnDev(stderr io.Writer, log *slog.Logger, cfg *config.Config) {
	_, _ = fmt.Fprintf(stderr, `
  ************************************************************************
  *  DEVELOPMENT MODE (--dev): NOT FOR PRODUCTION                        *
  *  Plain http on this machine only. Cookies are not Secure and         *
  *  public_url is %-52s*
  *  Never use --dev where people sign in for real.                      *
  ************************************************************************

`, cfg.Server.PublicURL)
	log.Warn("DEVELOPMENT MODE (--dev): not for production; plain http on loopback only, session.secure off",
		"listen", cfg.Server.Listen, "public_url", cfg.Server.PublicURL)
}

// checkDevListeners fails unless every listener is bound to a loopback
// address: with --dev, what config.Dev checked in the configuration is
// checked again on the sockets themselves.
func checkDevListeners(lns ...net.Listener) error {
	for _, ln := range lns {
		if ln == nil {
			continue
		}
		ap, err := netip.ParseAddrPort(ln.Addr().String())
		if err != nil || !ap.Addr().IsLoopback() {
			return fmt.Errorf("--dev: listening on %s, which is not a loopback address; refusing to serve", ln.Addr())
		}
	}
	return nil
}
