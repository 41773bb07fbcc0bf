package fileusers

import (
	"context"
	"maps"
	"slices"
)

// OnRemoved registers f (replacing any earlier one) to be told about each
// account seen leaving the file: a name the previous reading had and a
// reload (Run's or Reload's) no longer finds. The first reading, compared
// with nothing, removes no one, so a name removed and added back while no
// gateway ran, or in one save, keeps what the store has of it
// (docs/contract.md, "users.yaml (file backend)"). The gateway forgets the
// name as `gatehouse user delete` does. A name f fails on is logged (at
// error level the first time) and offered again at each poll until f
// succeeds, also if the name is back in the file meanwhile: it was seen
// leaving, and whatever the old holder's factors are must go. f runs
// once the new users are in place, outside the reload's lock.
func (b *Backend) OnRemoved(f func(ctx context.Context, username string) error) {
	b.onRemoved.Store(&f)
}

// Follow takes over from prev, the reading of the same file that a
// configuration reload replaces with b: the names prev could not forget
// yet are b's to forget at its next poll. When the file changed since
// prev's reading (or, while prev's own reading waits to be confirmed,
// since the reading prev counts from), the names that reading had and b
// has not are b's to forget, and the change from it to b's is told to
// b's OnChanged function, once b's poll reads the file as b read it (or
// takes a later change instead, counted from that reading): a reload may
// catch a save written in place half done. A reading of another file takes over nothing
// (docs/contract.md, "users.yaml (file backend)"): the names missing from
// it are not counted as removed, nor is the difference a change. Call it
// once prev's Run has been stopped.
func (b *Backend) Follow(prev *Backend) {
	if prev == nil || prev == b || prev.path != b.path {
		return
	}
	prev.forgetMu.Lock() // a forgetting in flight ends first
	defer prev.forgetMu.Unlock()
	prev.mu.Lock()
	// prev's own reading may not be confirmed yet (a reload shortly
	// after another): prev counts from its base, and so does b.
	old, carried, stopped := prev.snap.Load(), maps.Clone(prev.pending), slices.Clone(prev.stopped)
	if prev.base != nil {
		old = prev.base
	}
	prev.mu.Unlock()
	b.mu.Lock()
	if b.snap.Load().sum != old.sum && b.base == nil {
		// The file changed since it was last taken, and b's reading may
		// have caught a save half done: what it misses is removed, and
		// the change told, once b's poll confirms it (confirm, install).
		b.base = old
	}
	b.stopped = append(b.stopped, stopped...)
	for name, logged := range carried {
		if b.pending == nil {
			b.pending = map[string]bool{}
		}
		b.pending[name] = b.pending[name] || logged
	}
	b.mu.Unlock()
}

// Removed hands over usernames the store says left the file while no
// gateway read it (auth.UsersChangeEvents, at a start: names the content
// last recorded had and the file has not), to be forgotten as a name seen
// leaving is: told to the OnRemoved function once a poll confirms the
// reading (finds the file as read, or takes a later save read the same
// twice), those of them the file then still lacks (docs/contract.md,
// "users.yaml (file backend)"). A reading caught half done at start is
// not confirmed, so it forgets no one it missed.
func (b *Backend) Removed(usernames []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped = append(b.stopped, usernames...)
}

// takeStopped adds to pending the names handed over by Removed that snap,
// a confirmed reading, has not, and drops the rest. b.mu must be held.
func (b *Backend) takeStopped(snap *snapshot) {
	for _, name := range b.stopped {
		if _, ok := snap.byName[name]; ok {
			continue
		}
		if b.pending == nil {
			b.pending = map[string]bool{}
		}
		if _, ok := b.pending[name]; !ok {
			b.pending[name] = false
		}
	}
	b.stopped = nil
}

// addRemoved adds to pending the names old has and snap has not. b.mu
// must be held.
func (b *Backend) addRemoved(old, snap *snapshot) {
	for name := range old.byName {
		if _, ok := snap.byName[name]; ok {
			continue
		}
		if b.pending == nil {
			b.pending = map[string]bool{}
		}
		if _, ok := b.pending[name]; !ok {
			b.pending[name] = false
		}
	}
}

// forgetPending tells the OnRemoved function about each pending name and
// keeps those it fails on for the next call.
func (b *Backend) forgetPending(ctx context.Context) {
	f := b.onRemoved.Load()
	if f == nil || ctx.Err() != nil {
		return
	}
	b.forgetMu.Lock()
	defer b.forgetMu.Unlock()
	b.mu.Lock()
	names := make([]string, 0, len(b.pending))
	for name := range b.pending {
		names = append(names, name)
	}
	b.mu.Unlock()
	slices.Sort(names)
	for _, name := range names {
		err := (*f)(ctx, name)
		b.mu.Lock()
		logged := b.pending[name]
		if err == nil {
			delete(b.pending, name)
		} else {
			b.pending[name] = true
		}
		b.mu.Unlock()
		switch {
		case err != nil && !logged:
			b.log.ErrorContext(ctx, "an account removed from the users file is not forgotten yet; retrying at each poll",
				"file", b.path, "user", name, "error", err)
		case err != nil:
			b.log.DebugContext(ctx, "an account removed from the users file is still not forgotten", "user", name, "error", err)
		case logged:
			b.log.InfoContext(ctx, "an account removed from the users file is forgotten at last", "user", name)
		}
	}
}
