// Package docs_test holds the repository's written promises to what they
// cite: every test, fuzz target, benchmark and file that README.md,
// SECURITY.md and the pages of docs/ name must exist, and a test said to
// be in a file must be defined there. SECURITY.md's rule is that each
// claim is backed by a test; a claim whose test was renamed or moved is
// backed by nothing a reader can find.
package docs_test

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// root is the repository, seen from this package's directory.
const root = ".."

var (
	// testFunc is a top-level test, fuzz target or benchmark.
	testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)\w*)\(`)
	// citedTest is a test, fuzz target or benchmark named in prose.
	citedTest = regexp.MustCompile(`\b(?:Test|Fuzz|Benchmark)[A-Z0-9_]\w*`)
	// repoPath is a path with a slash in it; it is a citation when its
	// first segment is one of the repository's top-level entries.
	repoPath = regexp.MustCompile(`(?:^|[^\w./:@-])((?:\./)?[\w.-]+(?:/[\w.*-]+)+)`)
	// mdLink is the target of a Markdown link.
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
)

// definitions maps each test, fuzz target and benchmark of the
// repository's Go test files to the files (slash paths from the root)
// that define one of that name.
func definitions(t *testing.T) map[string][]string {
	t.Helper()
	defs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel := relSlash(t, path)
		for _, m := range testFunc.FindAllStringSubmatch(string(data), -1) {
			defs[m[1]] = append(defs[m[1]], rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) < 100 {
		t.Fatalf("found only %d tests under %s: the walk is broken", len(defs), root)
	}
	return defs
}

// relSlash is path relative to the repository root, with slashes.
func relSlash(t *testing.T, path string) string {
	t.Helper()
	rel, err := filepath.Rel(root, path)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(rel)
}

// documents are the pages whose citations are held: README.md,
// SECURITY.md and every Markdown page under docs/.
func documents(t *testing.T) []string {
	t.Helper()
	docs := []string{"README.md", "SECURITY.md"}
	more, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range more {
		docs = append(docs, relSlash(t, p))
	}
	for _, must := range []string{"docs/contract.md", "docs/operations.md"} {
		if !contains(docs, must) {
			t.Fatalf("%s not found among %v", must, docs)
		}
	}
	return docs
}

// topLevel is the set of the repository's top-level entries (gateway,
// auth, docs, Makefile, …): a path starting with one is a citation.
func topLevel(t *testing.T) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	top := map[string]bool{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") || e.Name() == ".ci" {
			top[e.Name()] = true
		}
	}
	return top
}

// exists reports whether a cited path (slash-separated, from the root;
// a Go package pattern ending in /... or a glob) names something in the
// repository.
func exists(path string) bool {
	path = strings.TrimSuffix(path, "/...")
	if strings.ContainsAny(path, "*?[") {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(path)))
		return err == nil && len(matches) > 0
	}
	_, err := os.Stat(filepath.Join(root, filepath.FromSlash(path)))
	return err == nil
}

// definedIn reports whether one of files is path, or lies directly in
// the directory path.
func definedIn(files []string, path string) bool {
	for _, f := range files {
		if f == path || filepath.ToSlash(filepath.Dir(filepath.FromSlash(f))) == strings.TrimSuffix(path, "/") {
			return true
		}
	}
	return false
}

// TestCitedTestsAndFilesExist fails for every test, fuzz target or
// benchmark a document names that no Go test file defines, every path it
// names (a file or folder from the root, or a link) that does not exist,
// and every "`TestX`, `TestY` in `some/file_test.go`" whose test is
// defined elsewhere: each failure names the document, the line and what
// is missing.
func TestCitedTestsAndFilesExist(t *testing.T) {
	defs := definitions(t)
	top := topLevel(t)
	for _, doc := range documents(t) {
		lines := readLines(t, doc)
		for i, line := range lines {
			at := fmt.Sprintf("%s:%d", doc, i+1)
			for _, name := range citedTest.FindAllString(line, -1) {
				if defs[name] == nil {
					t.Errorf("%s: %s is cited but no Go test file defines it", at, name)
				}
			}
			for _, m := range repoPath.FindAllStringSubmatch(line, -1) {
				path := strings.TrimPrefix(strings.TrimRight(m[1], ".,;:"), "./")
				if first, _, _ := strings.Cut(path, "/"); top[first] && !exists(path) {
					t.Errorf("%s: %s is cited but does not exist", at, path)
				}
			}
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target, _, _ := strings.Cut(m[1], "#")
				if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				linked := filepath.ToSlash(filepath.Join(filepath.Dir(doc), target))
				if !exists(linked) {
					t.Errorf("%s: the link to %s leads nowhere (%s does not exist)", at, m[1], linked)
				}
			}
			for _, c := range placedTests(line) {
				if files := defs[c.name]; files != nil && !definedIn(files, c.path) {
					t.Errorf("%s: %s is cited in %s but is defined in %s", at, c.name, c.path, strings.Join(files, ", "))
				}
			}
		}
	}
}

// placement is a test a document says is in a file or folder.
type placement struct{ name, path string }

// placedTests reads "`TestA` (a note), `TestB` and `TestC` in `path`"
// and "`path` (`TestA`, `TestB`: a note)" in line: each test of the list,
// up to the first item that is no test name or a separator other than
// ", ", " and ", ", and " (in the first form a note in parentheses after
// an item is allowed), is placed in path.
func placedTests(line string) []placement {
	// Odd indices of the split are the code spans.
	parts := strings.Split(line, "`")
	var out []placement
	for i := 3; i < len(parts); i += 2 {
		path := parts[i]
		if !strings.Contains(path, "/") {
			continue
		}
		if i+2 < len(parts) && parts[i+1] == " (" {
			for j := i + 2; j < len(parts) && citedTest.FindString(parts[j]) == parts[j]; j += 2 {
				out = append(out, placement{parts[j], path})
				if j+1 >= len(parts) {
					break
				}
				if sep := parts[j+1]; sep != ", " && sep != " and " && sep != ", and " {
					break
				}
			}
		}
		if skipNote(parts[i-1]) != " in " {
			continue
		}
		for j := i - 2; j >= 1 && citedTest.FindString(parts[j]) == parts[j]; j -= 2 {
			out = append(out, placement{parts[j], path})
			if sep := skipNote(parts[j-1]); j < 3 || (sep != ", " && sep != " and " && sep != ", and ") {
				break
			}
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].name < out[b].name })
	return out
}

// skipNote drops a parenthesised note at the start of the text between
// two code spans: " (memory and Redis) in " reads as " in ".
func skipNote(gap string) string {
	if strings.HasPrefix(gap, " (") {
		if end := strings.Index(gap, ")"); end >= 0 {
			return gap[end+1:]
		}
	}
	return gap
}

func readLines(t *testing.T, doc string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(doc)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
