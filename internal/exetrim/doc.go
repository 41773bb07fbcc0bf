// Package exetrim gives back the pages of the running executable that
// only start-up touched.
//
// A Go binary's code and read-only data are mapped from the executable
// file. Start-up runs a great deal of code once: every package's init (the
// phone-number metadata, validators, protobuf descriptors), configuration
// parsing and template compilation, and the kernel maps a neighbourhood of
// pages around each fault. All of it stays in the process's resident set
// although the serving loop never looks at it again: for gatehouse about
// two thirds of its file-backed RSS. Release unmaps those pages from this
// process; whatever is still used is mapped again on its next access, from
// the page cache, by an ordinary minor fault.
//
// Only mappings of the executable that are not writable are touched: the
// initialised data segment is a private writable mapping whose pages hold
// the program's globals, and dropping them would reset those globals to
// their values in the file.
package exetrim
