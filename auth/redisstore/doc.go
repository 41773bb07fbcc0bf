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
// Cluster safety: every operation touches exactly one key (the counter's
// Lua script included: KEYS[1] only), so no command can fail with
// CROSSSLOT and keys spread over all masters. Keys that belong together
// still share a hash tag where it is free to do so (an OTP challenge and
// its attempt counter: "otp:{id}:c", "otp:{id}:n"), so a future
// multi-key script over them stays possible. A key_prefix containing
// "{...}" would pin every key to one slot, and so to one master: keep
// braces out of it.
//
// go-redis retries a command after a network error (MaxRetries, within the
// same timeout). A retried write whose first attempt did reach Redis can
// only make the answer more conservative: SetNX and Delete report false,
// Incr counts twice.
//
// Client-side cache (Cached, a decorator over Store; standalone servers): reads of chosen
// key prefixes (sessions, user records) are kept in process memory and
// dropped when Redis's server-assisted invalidation says the key changed.
// A dedicated connection in RESP3 (resp3.go: go-redis has no API for a
// connection that only waits for pushes) runs `CLIENT TRACKING ON BCAST
// PREFIX …` and a heartbeat (tracking.go); the cache (cache.go) serves
// only while that heartbeat is fresh, never past a key's TTL, and refuses
// to keep a value whose fetch raced an invalidation.
package redisstore
