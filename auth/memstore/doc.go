// Package memstore is the in-process auth.Store behind store.driver:
// memory. It suits a single gateway process: nothing is shared between
// replicas and everything is lost on restart.
//
// Keys live in a fixed number of shards, each a map behind its own mutex,
// so unrelated keys rarely contend. Values are copied on the way in and on
// the way out, so callers may reuse their slices.
//
// Expiry is decided against the injected auth.Clock at the moment of each
// operation: an expired key is invisible to every method even if it is
// still held. Expired keys are reclaimed without a background goroutine:
// every operation that may add a key also inspects a small sample of its
// shard and drops the expired keys it finds (the way Redis samples keys
// for active expiry), and any operation that meets an expired key drops
// it. A shard whose keys fell below a quarter of their peak is copied to
// a map of its size, since a Go map keeps the room it once grew to.
// Memory therefore follows the number of live keys, give or take a small
// fraction, also after a burst, and there is nothing to start or Close.
package memstore
