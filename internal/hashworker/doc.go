// Package hashworker computes argon2id keys in a child process that runs at
// the lowest CPU priority.
//
// Password hashing is the one CPU-heavy thing a gateway does, and anyone
// can make it do it: a flood of wrong passwords (spread over many names
// and addresses so that regulation does not stop it) keeps every hashing
// slot busy. Inside the gateway's process those hashes compete with the
// requests of people already signed in, whom Go's scheduler cannot favour.
// In a child process whose every thread runs under SCHED_IDLE (nice 19
// where that is refused) they only get the CPU the gateway leaves
// idle: signed-in traffic keeps its throughput and logins slow down
// instead. The argon2id work buffers (64 MiB each by default) live in the
// child too, so logins no longer inflate the gateway's own memory.
//
// Serve is the child's side (`gatehouse hash-worker`); Client is the
// gateway's, an auth.Argon2Deriver. The protocol is private to one binary:
// length-prefixed binary frames over the child's standard input and
// output. The child inherits the parent's privileges and nothing else.
package hashworker
