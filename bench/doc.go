// Package bench holds the performance benchmark of Gatehouse: `make bench`
// runs cmd/gatebench, which starts a private Redis, the small reference
// servers of cmd/benchsrv and the built gatehouse binary, drives them with
// wrk in one alternating series and writes results/latest.md. The method
// and the numbers are in docs/performance.md.
package bench
