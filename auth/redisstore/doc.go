// Package redisstore is the auth.Store on Redis (store.driver: redis),
// shared by every gateway replica. It works with a standalone server, a
// Sentinel-managed master or a cluster, through go-redis's UniversalClient.
//
// Every key is written under the configured prefix (store.key_prefix).
// Every call runs under its own timeout (store.redis.op_timeout), so a slow
// or unreachable Redis costs a request at most about that long. A missing
// key is auth.ErrNotFound; every other failure, timeouts included, wraps
// auth.ErrStoreUnavailable, on which the gateway fails closed.
//
// go-redis retries a command after a network error (MaxRetries, within the
// same timeout). A retried write whose first attempt did reach Redis can
// only make the answer more conservative: SetNX and Delete report false,
// Incr counts twice.
package redisstore
