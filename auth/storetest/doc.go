// Package storetest is the conformance suite every auth.Store
// implementation passes, plus a fake clock for tests.
//
// An implementation's test calls Run with a constructor and a function
// that moves the store's time forward:
//
//	storetest.Run(t, func(t *testing.T) auth.Store { return memstore.New(clock) },
//		func(t *testing.T, d time.Duration) { clock.Advance(d) })
//
// Stores on real time (Redis) pass a wait that sleeps; the suite therefore
// keeps its TTLs short (a few hundred milliseconds) and only asserts
// bounds that hold however slow the machine is.
package storetest
