// Package mapshrink gives back the memory of a burst gone by to a Go map
// that lives as long as the process (docs/contract.md, "Store
// housekeeping"): a map keeps the room it once grew to, so one that held
// a burst's worth of keys and then emptied still holds the burst's
// memory. The memory store's shards and the sessions' idle-refresh memo
// follow the one rule here.
package mapshrink

import "maps"

// Min is the peak below which a map is never rebuilt: small maps cost
// little.
const Min = 1024

// Shrunk returns m, or once m holds under a quarter of peak (the most
// keys m held since it was made, at least Min) a copy of m of its size,
// with the peak that goes with the map returned. The copy is of at most
// a quarter of the keys, after at least three quarters were dropped: its
// cost, amortised over the deletes, is constant per key. The caller
// notes its map's size in peak (peak = max(peak, len(m))) before it
// deletes, and calls Shrunk after.
func Shrunk[K comparable, V any](m map[K]V, peak int) (map[K]V, int) {
	if peak < Min || len(m) >= peak/4 {
		return m, peak
	}
	c := make(map[K]V, len(m))
	maps.Copy(c, m)
	return c, len(c)
}
