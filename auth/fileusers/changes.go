package fileusers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// OnChanged registers f (replacing any earlier one) to be told about each
// reading of the file that replaces another with different content: a
// reload (Run's or Reload's), or a configuration reload's reading of the
// same file taking over (Follow). The first reading, compared with
// nothing, tells nothing. The gateway puts the change on the audit trail
// (docs/contract.md, "users.yaml (file backend)"). f runs once the new
// users are in place, outside the reload's lock.
func (b *Backend) OnChanged(f func(ctx context.Context, c auth.UsersChange)) {
	b.onChanged.Store(&f)
}

// changed tells the OnChanged function about c, if any.
func (b *Backend) changed(ctx context.Context, c *auth.UsersChange) {
	if f := b.onChanged.Load(); f != nil && c != nil {
		(*f)(ctx, *c)
	}
}

// changeOf is the change from the reading old to snap; nil when both were
// read from the same content.
func changeOf(old, snap *snapshot) *auth.UsersChange {
	if old == nil || old.sum == snap.sum {
		return nil
	}
	h := sha256.New()
	h.Write([]byte("gatehouse users file change v1\x00"))
	h.Write(old.sum[:])
	h.Write(snap.sum[:])
	return &auth.UsersChange{Before: old.byName, After: snap.byName, ID: base64.RawURLEncoding.EncodeToString(h.Sum(nil))}
}
