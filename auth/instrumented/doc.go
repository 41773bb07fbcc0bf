// Package instrumented wraps the gateway's state store in a decorator
// that records Prometheus metrics: how long each call takes and whether it
// failed. (The SMS providers have their own decorator, sms.Instrument.)
//
// The decorator adds no behaviour: every call and every error passes
// through unchanged, and the optional auth.SetStore of the wrapped store
// is kept, so code that discovers it with a type assertion sees the same
// capabilities. The label values are resolved once, when the decorator is
// built: a call costs two clock reads and an atomic histogram update, and
// allocates nothing.
package instrumented
