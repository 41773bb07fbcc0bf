package storeusers

// StoreOf exposes a backend's store to the tests.
func StoreOf(b *Backend) Store { return b.st }
