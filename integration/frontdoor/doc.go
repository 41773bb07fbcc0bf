// Package frontdoor proves Gatehouse's forward-auth integrations against
// the front doors people run, with the configurations shipped in deploy/.
//
// Its tests build the gatehouse binary, run it with deploy/gateway.yaml,
// and put it behind a real nginx (deploy/nginx) and a real Caddy
// (deploy/caddy), each started on free loopback ports with its deploy/
// configuration, changed only in addresses, ports and file paths. Traefik
// has no Debian package: its ForwardAuth middleware is reproduced from
// Traefik's source, header for header, and driven by deploy/traefik/
// dynamic.yml. Through each front door a browser-like client signs in
// (redirect to the portal, password, SMS code, back to the app), and the
// app checks the identity headers it receives and verifies the signed
// assertion against /jwks.json.
//
// nginx and caddy come from Debian packages (make test installs them).
// When one is missing its test is skipped, or fails when the CI
// environment variable is set. The package also checks docker-compose.yml
// and the Dockerfile, which cannot be run here, against the repository.
package frontdoor
