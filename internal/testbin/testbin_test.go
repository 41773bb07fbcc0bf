package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestBuildTagsAgree checks that the Makefile and the Dockerfile build
// gatehouse with BuildTags, the tags the integration suites build it with.
func TestBuildTagsAgree(t *testing.T) {
	for _, c := range []struct {
		file string
		re   *regexp.Regexp // the tags are its first group
	}{
		{"Makefile", regexp.MustCompile(`(?m)^TAGS\s*:?=\s*(.*?)\s*$`)},
		{"Dockerfile", regexp.MustCompile(`go build [^\n]*-tags[ =]"?([^"\s]*)"?`)},
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", c.file))
		if err != nil {
			t.Fatal(err)
		}
		m := c.re.FindSubmatch(b)
		if m == nil {
			t.Errorf("%s: no build tags found (want %q, as internal/testbin builds with)", c.file, BuildTags)
			continue
		}
		if got := string(m[1]); got != BuildTags {
			t.Errorf("%s builds with tags %q, internal/testbin with %q", c.file, got, BuildTags)
		}
	}
}

func TestProcStopsAProcessThatIgnoresTheSignal(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	log := filepath.Join(t.TempDir(), "out.log")
	p, err := Start(exec.Command(sh, "-c", `trap "" TERM; echo one; echo two; echo ready; exec sleep 30`), log)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for p.Tail(1) != "ready" {
		if time.Now().After(deadline) {
			t.Fatalf("log = %q", p.Tail(5))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := p.Tail(2); got != "two\nready" {
		t.Errorf("Tail(2) = %q", got)
	}
	start := time.Now()
	p.Stop(syscall.SIGTERM, 200*time.Millisecond)
	if !p.Exited() || time.Since(start) > 3*time.Second {
		t.Fatalf("not stopped after %v", time.Since(start))
	}
	if p.Err() == nil {
		t.Error("a killed process reported success")
	}
	p.Stop(syscall.SIGTERM, time.Second) // stopping again does nothing
}
