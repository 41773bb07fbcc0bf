// Package testbin builds the gatehouse binary once for a test package
// whose tests run it as a user would (the integration suites), and starts
// and stops the processes those suites run (Start, Proc).
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BuildTags are the build tags of the binary under test: those of make
// build (TAGS in the Makefile) and of the Dockerfile, so that the suites
// test what ships. TestBuildTagsAgree keeps the three in step.
const BuildTags = "nomsgpack"

// Main builds cmd/gatehouse into a temporary directory, runs the tests
// with the binary's path in *binary, removes the directory and exits. Use
// it as the whole body of TestMain. A build failure exits 1 with the
// compiler's output.
func Main(m *testing.M, binary *string) {
	os.Exit(run(m, binary))
}

func run(m *testing.M, binary *string) int {
	dir, err := os.MkdirTemp("", "gatehouse-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	*binary = filepath.Join(dir, "gatehouse")
	gobin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "these tests build cmd/gatehouse and need the go command on PATH:", err)
		return 1
	}
	out, err := exec.Command(gobin, "build", "-tags", BuildTags, "-o", *binary, "github.com/gatehouse-auth/gatehouse/cmd/gatehouse").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/gatehouse: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}
