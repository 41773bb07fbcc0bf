// Package logsink batches log lines into few system calls.
//
// A gateway logs a line per request; written straight to standard error,
// each line is one write system call (and, behind a pipe, one wake-up of
// the reader). A Writer appends each line to a buffer and one background
// goroutine writes whatever has accumulated in a single call: when the
// process is idle a line goes out within microseconds, under load many
// lines share one call. Lines are never split or reordered, memory is
// bounded (writers wait when the buffer is full), and Close writes
// everything that is left.
package logsink
