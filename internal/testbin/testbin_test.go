package testbin

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
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
