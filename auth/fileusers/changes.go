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

// Reading implements auth.ChangeNotifier: the users as read now, Before
// nil; while a configuration reload's reading waits to be confirmed
// (Follow), the reading it follows.
func (b *Backend) Reading() auth.UsersChange {
	b.mu.Lock()
	snap := b.base
	b.mu.Unlock()
	if snap == nil {
		snap = b.snap.Load()
	}
	return auth.UsersChange{After: snap.byName, Source: tag("path", []byte(b.path)), To: tag("content", snap.sum[:])}
}

// changed tells the OnChanged function about c, if any.
func (b *Backend) changed(ctx context.Context, c *auth.UsersChange) {
	if f := b.onChanged.Load(); f != nil && c != nil {
		(*f)(ctx, *c)
	}
}

// changeOf is the change from the reading old to snap of the file at
// path; nil when both were read from the same content.
func changeOf(path string, old, snap *snapshot) *auth.UsersChange {
	if old == nil || old.sum == snap.sum {
		return nil
	}
	return &auth.UsersChange{Before: old.byName, After: snap.byName, Source: tag("path", []byte(path)), To: tag("content", snap.sum[:])}
}

// tag names v, a kind of thing, in a UsersChange: a short hash. The file's
// content holds a salted password hash per account, so its hash gives
// nothing away.
func tag(kind string, v []byte) string {
	h := sha256.New()
	h.Write([]byte("gatehouse users file " + kind + "\x00"))
	h.Write(v)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}
