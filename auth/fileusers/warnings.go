package fileusers

// Warnings: what the file holds that it may, but that is weaker or
// looser than the rest of the gateway allows (docs/contract.md,
// "users.yaml (file backend)"). They never refuse the file.

import (
	"context"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// warnf records a warning at n's line.
func (p *parser) warnf(n *yaml.Node, format string, args ...any) {
	p.warnings = append(p.warnings, problem{n.Line, fmt.Errorf("%s:%d: warning: %s", p.path, n.Line, fmt.Sprintf(format, args...))})
}

// warningLines returns the warnings, in line order, as
// "FILE:LINE: warning: message".
func (p *parser) warningLines() []string {
	slices.SortStableFunc(p.warnings, func(a, b problem) int { return a.line - b.line })
	out := make([]string, len(p.warnings))
	for i, w := range p.warnings {
		out[i] = w.err.Error()
	}
	return out
}

// Warnings returns the warnings of the file as loaded now, in line
// order, each "FILE:LINE: warning: message": nil when there are none.
func (b *Backend) Warnings() []string { return slices.Clone(b.snap.Load().warnings) }

// logWarnings logs each warning of snap, read from the file.
func (b *Backend) logWarnings(ctx context.Context, snap *snapshot) {
	for _, w := range snap.warnings {
		b.log.WarnContext(ctx, "users file warning", "file", b.path, "warning", w)
	}
}
