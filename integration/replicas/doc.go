// Package replicas holds the integration tests that run the real
// gatehouse binary, several processes at once, against real Redis
// deployments (standalone, Sentinel, Cluster): shared state across
// replicas, Redis outages and failovers mid-traffic, graceful shutdown
// and configuration reloads by signal and by file change.
//
// The tests build the binary once (TestMain, `go build` into a temporary
// directory) and talk to each process over HTTP, like an operator's load
// balancer and monitoring would. They need redis-server and redis-cli
// (`make test` installs them); see internal/testredis.
package replicas
