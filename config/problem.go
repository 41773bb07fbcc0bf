package config

// Problem, one thing wrong with a configuration, and how problems are
// collected, ordered, joined and located at their lines.

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a configuration, located in its file.
// Load, Parse and Validate return problems joined with errors.Join; use
// errors.As to reach the first, or the Unwrap() []error method of the
// joined error to reach them all.
type Problem struct {
	// File is the configuration's path as given, or "config" when the
	// configuration was not read from a file.
	File string
	// Line is the 1-based line the problem is on, or 0 when unknown.
	Line int
	// Key is the dotted key path ("session.idle_timeout", "routes.1.host")
	// the problem is about; for an unknown key, the path of the mapping it
	// was found in. "" when the problem is about the top level.
	Key string
	// Message says what is wrong. It never contains a secret value.
	Message string
	// Warning marks a value that is valid but weaker than the standards
	// Gatehouse follows (ASVS, NIST SP 800-63B) advise: Check returns
	// warnings apart from problems, and they do not fail a check.
	Warning bool
}

// Error formats the problem as "FILE:LINE: key.path: message", leaving out
// the line when it is unknown and the key when there is none; a warning is
// "FILE:LINE: warning: key.path: message".
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("warning: ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// problems collects the problems, and the warnings, of one Parse or
// Validate call.
type problems struct {
	file     string
	list     []*Problem
	warnings []*Problem
}

func newProblems(file string) *problems {
	if file == "" {
		file = "config"
	}
	return &problems{file: file}
}

// at records a problem on a known line (0 for none).
func (ps *problems) at(line int, key, format string, args ...any) {
	ps.list = append(ps.list, &Problem{
		File:    ps.file,
		Line:    line,
		Key:     key,
		Message: fmt.Sprintf(format, args...),
	})
}

// warnAt records a warning on a known line (0 for none).
func (ps *problems) warnAt(line int, key, format string, args ...any) {
	ps.warnings = append(ps.warnings, &Problem{
		File:    ps.file,
		Line:    line,
		Key:     key,
		Message: fmt.Sprintf(format, args...),
		Warning: true,
	})
}

// inFileOrder returns list sorted by line, those without a line last, in
// the order they were found.
func inFileOrder(list []*Problem) []*Problem {
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, func(a, b *Problem) int {
		switch {
		case a.Line == b.Line:
			return 0
		case a.Line == 0:
			return 1
		case b.Line == 0:
			return -1
		}
		return cmp.Compare(a.Line, b.Line)
	})
	return sorted
}

// Report returns what `gatehouse check-config` prints: the problems
// LoadAll found, then found, every other problem and warning of the
// configuration it returned (Check's, and those of the files it
// names), all in file order, those without a line last in the order
// given (docs/contract.md, "Command line"). A problem in found on the
// line or key of one of loaded is left out: that value could not be
// read and was checked as its default, whose problem says nothing more.
func Report(loaded, found []*Problem) []*Problem {
	lines, keys := map[int]bool{}, map[string]bool{}
	for _, p := range loaded {
		if p.Line > 0 {
			lines[p.Line] = true
		}
		if p.Key != "" {
			keys[p.Key] = true
		}
	}
	all := slices.Clone(loaded)
	for _, p := range found {
		if !lines[p.Line] && !keys[p.Key] {
			all = append(all, p)
		}
	}
	return inFileOrder(all)
}

// err returns every problem joined, in file order (problems without a line
// last, in the order they were found), or nil when there is none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	sorted := inFileOrder(ps.list)
	errs := make([]error, len(sorted))
	for i, p := range sorted {
		errs[i] = p
	}
	return errors.Join(errs...)
}

// Line returns the line of the file on which the dotted key path was
// written ("session.idle_timeout", "routes.1.host",
// "server.trusted_proxies.0"), or 0 when the key was not in the file or
// the configuration was not read from one.
func (c *Config) Line(path string) int {
	return c.lines[path]
}

// lineOf returns the line of path or, when path was not written, of its
// nearest parent that was; 0 when none was.
func (c *Config) lineOf(path string) int {
	for path != "" {
		if line, ok := c.lines[path]; ok {
			return line
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// Problems returns every *Problem in err, which may be a single problem or
// problems joined with errors.Join (as returned by Parse, Load and
// Validate), in order. Errors that are not problems are left out.
func Problems(err error) []*Problem {
	var out []*Problem
	var walk func(error)
	walk = func(err error) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
			return
		}
		var p *Problem
		if errors.As(err, &p) {
			out = append(out, p)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}
