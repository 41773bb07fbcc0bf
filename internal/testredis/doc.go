// Package testredis starts a private redis-server for tests.
//
// Each server listens on a free loopback port, keeps nothing on disk
// (no RDB snapshots, no AOF, its directory is the test's TempDir) and is
// stopped when the test ends. Tests that need Redis call Start (or
// NewServer when they also want to stop and restart it to simulate an
// outage).
//
// When redis-server is not on PATH the test is skipped on a developer
// machine and fails in CI (the CI environment variable is non-empty), so a
// missing install can never turn the Redis tests into silent skips there.
package testredis
