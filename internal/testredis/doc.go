// Package testredis starts private Redis deployments for tests: a
// standalone server, a Redis Cluster of masters, or a Sentinel-managed
// master with a replica and three sentinels.
//
// Each server listens on a free loopback port, keeps nothing on disk
// (no RDB snapshots, no AOF, its directory is the test's TempDir) and is
// stopped when the test ends. Tests that need Redis call Start, or
// NewServer when they also want to fail it: Stop and Restart (a clean
// restart, data lost), Kill (a crash), Pause and Resume (a hung host that
// accepts connections and never answers). NewCluster runs `redis-cli
// --cluster create` over fresh cluster-enabled servers; NewSentinel
// returns once a failover can happen at once, and Failover or killing the
// master's Server triggers one.
//
// When redis-server (or redis-cli, for a cluster) is not on PATH the test
// is skipped on a developer machine and fails in CI (the CI environment
// variable is non-empty), so a missing install can never turn the Redis
// tests into silent skips there.
package testredis
