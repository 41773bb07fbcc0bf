package main

import (
	"os"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/hashworker"
)

// TestMain lets the test binary stand in for gatehouse as its own hash
// worker: serve and demo start `<executable> hash-worker` (hashing.worker
// is on by default), so the tests run logins through the real worker
// process.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "hash-worker" {
		if err := hashworker.Serve(os.Stdin, os.Stdout); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
