// Package frontdoor proves Gatehouse's forward-auth integrations against
// the front doors people run, with the configurations shipped in deploy/.
//
// Its tests build the gatehouse binary, run it with deploy/gateway.yaml,
// and put it behind a real nginx (deploy/nginx), a real Caddy
// (deploy/caddy) and a real Traefik (deploy/traefik), each started on
// free loopback ports with its deploy/ configuration, changed only in
// addresses, ports, file paths and certificates. Through each front door
// a browser-like client signs in (redirect to the portal, password, SMS
// code, back to the app), and the app checks the identity headers it
// receives and verifies the signed assertion against /jwks.json. Then,
// through each: the path-confusion corpus (internal/pathcorpus) sent
// verbatim, absolute-form request lines naming another host, 400 KB
// request bodies, and Gatehouse stopped (the front door must fail
// closed). docs/contract.md is the reference for every expectation.
//
// nginx and caddy come from Debian packages (make test installs them):
// when one is missing its test is skipped, or fails when the CI
// environment variable is set. Traefik has no Debian package:
// scripts/traefik.sh builds it once per machine and make test passes its
// path in GATEHOUSE_TRAEFIK; without it TestTraefik fails (skipped only
// with -short). The package also checks docker-compose.yml and the
// Dockerfile, which cannot be run here, against the repository.
package frontdoor
