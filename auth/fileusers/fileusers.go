package fileusers

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/filesettle"
)

const (
	// maxFileSize bounds how much of the users file is read. A million
	// users would not reach it; a runaway generator or a wrong path might.
	maxFileSize = 16 << 20
	// defaultInterval is Run's polling interval when none is given.
	defaultInterval = 2 * time.Second
	// racyWindow covers file systems with coarse modification times: a file
	// modified this close to when it was last read may change again without
	// its mtime or size changing, so it is re-read until it has been quiet
	// for this long.
	racyWindow = 2 * time.Second
)

// Backend serves users from a YAML file. It is safe for concurrent use.
type Backend struct {
	path   string
	region string
	log    *slog.Logger

	snap atomic.Pointer[snapshot]
	// onDisabled is told about accounts found disabled (OnDisabled).
	onDisabled atomic.Pointer[func(ctx context.Context, usernames []string)]

	// onRemoved is told about accounts seen leaving the file (OnRemoved).
	onRemoved atomic.Pointer[func(ctx context.Context, username string) error]
	// onChanged is told about each reading replacing another (OnChanged).
	onChanged atomic.Pointer[func(ctx context.Context, c auth.UsersChange)]

	mu   sync.Mutex // serialises reloads; guards seen, settle, statErr and pending
	seen fileState  // the file as last taken, valid or not
	// settle takes a change the poll finds once it reads the same twice
	// in a row (a save written in place may be caught half done).
	settle filesettle.Settle
	// pending holds the names seen leaving the file and not forgotten yet
	// (OnRemoved), each with whether a failure to forget it was logged.
	pending map[string]bool
	// forgetMu serialises forgetPending.
	forgetMu sync.Mutex
	// statErr records that the last poll could not read the file, so the
	// error is logged once rather than on every poll.
	statErr bool
	// base is the reading that removals and changes are counted from
	// while the reading served is not confirmed: a configuration
	// reload's reading of the file after it changed (Follow), which may
	// have caught a save half done. The next poll reading the same
	// content confirms it, or a later change the poll takes replaces it
	// (docs/contract.md, "users.yaml (file backend)"). nil otherwise.
	base *snapshot
	// stopped holds the names the store says left the file while no
	// gateway read it (Removed), waiting for a poll to confirm the
	// reading they are missing from (takeStopped).
	stopped []string
}

// snapshot is one immutable version of the file with its indexes.
type snapshot struct {
	byName  map[string]*auth.User
	byEmail map[string]*auth.User // lowercased email
	byPhone map[string]*auth.User // E.164
	// warnings are the file's (Warnings), in line order.
	warnings []string
	// sum is the content hash of the file this snapshot was read from:
	// with the previous snapshot's, it names a change (UsersChange.ID).
	sum filesettle.Sum
}

// fileState identifies a version of the file on disk.
type fileState struct {
	info   os.FileInfo
	sum    [sha256.Size]byte
	readAt time.Time
}

// New loads the users file at path. Phone numbers without a country code
// are read as numbers of defaultRegion (ISO 3166 alpha-2, "" to require
// international format). The file must exist and be valid: otherwise the
// error lists every problem as "FILE:LINE: message". A nil logger discards.
func New(path, defaultRegion string, logger *slog.Logger) (*Backend, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	b := &Backend{path: path, region: defaultRegion, log: logger}
	data, info, err := b.read()
	if err != nil {
		return nil, err
	}
	snap, err := parse(path, data, defaultRegion)
	if err != nil {
		return nil, err
	}
	b.seen = fileState{info: info, sum: sha256.Sum256(data), readAt: time.Now()}
	snap.sum = b.seen.sum
	b.snap.Store(snap)
	b.settle.Take(b.seen.sum)
	b.logWarnings(context.Background(), snap)
	return b, nil
}

// Lookup finds a user by username (exact), email (case-insensitive) or
// phone number (any form NormalizePhone accepts, in the backend's default
// region). It returns a copy the caller may modify, or auth.ErrUserNotFound.
func (b *Backend) Lookup(ctx context.Context, login string) (*auth.User, error) {
	s := b.snap.Load()
	login = strings.TrimSpace(login)
	if u, ok := s.byName[login]; ok && login != "" {
		return clone(u), nil
	}
	if strings.Contains(login, "@") {
		if u, ok := s.byEmail[strings.ToLower(login)]; ok {
			return clone(u), nil
		}
		return nil, auth.ErrUserNotFound
	}
	if auth.LooksLikePhone(login) {
		if phone, err := auth.NormalizePhone(login, b.region); err == nil {
			if u, ok := s.byPhone[phone]; ok {
				return clone(u), nil
			}
		}
	}
	return nil, auth.ErrUserNotFound
}

// Users returns the number of users currently loaded.
func (b *Backend) Users() int { return len(b.snap.Load().byName) }

// List returns every account, sorted by username (the admin console's
// list; the same shape as the redis backend's).
func (b *Backend) List(context.Context) ([]*auth.User, error) {
	snap := b.snap.Load()
	out := make([]*auth.User, 0, len(snap.byName))
	for _, u := range snap.byName {
		c := *u
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *auth.User) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}

// OnDisabled registers f (replacing any earlier one) to be told about
// accounts found disabled: every disabled account when Run starts, and
// after each reload (Run's or Reload's) the accounts the new file disables
// that the previous one did not. The gateway ends their sessions, so that
// enabling an account again does not bring its old sessions back
// (docs/contract.md, "Sessions end when credentials change"). f runs once
// the new users are in place, on the goroutine that loaded them.
func (b *Backend) OnDisabled(f func(ctx context.Context, usernames []string)) {
	b.onDisabled.Store(&f)
}

// notify tells the OnDisabled function about usernames, if any.
func (b *Backend) notify(ctx context.Context, usernames []string) {
	if f := b.onDisabled.Load(); f != nil && len(usernames) > 0 {
		(*f)(ctx, usernames)
	}
}

// applied is what installing a new reading did: the accounts it disables
// that the previous one did not, and the change (nil for none).
type applied struct {
	disabled []string
	change   *auth.UsersChange
}

// install makes snap the current users. The accounts the previous users
// (or the unconfirmed reading's base) had and snap has not are added to
// pending. b.mu must be held.
func (b *Backend) install(snap *snapshot) applied {
	old := b.snap.Swap(snap)
	var out []string
	for name, u := range snap.byName {
		if prev, ok := old.byName[name]; u.Disabled && (!ok || !prev.Disabled) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	from := old
	if b.base != nil {
		from, b.base = b.base, nil
	}
	b.addRemoved(from, snap)
	return applied{disabled: out, change: changeOf(b.path, from, snap)}
}

// confirm takes the reading served as the file's, once a poll found the
// file still as it was read: the accounts base had and it has not are
// added to pending, and the change is returned. Nothing when the reading
// was not waiting to be confirmed. b.mu must be held.
func (b *Backend) confirm() applied {
	b.takeStopped(b.snap.Load())
	if b.base == nil {
		return applied{}
	}
	from, snap := b.base, b.snap.Load()
	b.base = nil
	b.addRemoved(from, snap)
	return applied{change: changeOf(b.path, from, snap)}
}

// tell tells the OnDisabled and OnChanged functions what a reload did.
func (b *Backend) tell(ctx context.Context, a applied) {
	b.changed(ctx, a.change)
	b.notify(ctx, a.disabled)
}

// Reload reads and validates the file now, as on SIGHUP. On success the
// new users replace the old ones; on failure the old ones stay and the
// error lists the problems.
func (b *Backend) Reload() error {
	a, err := b.reload()
	if err != nil {
		return err
	}
	b.tell(context.Background(), a)
	b.forgetPending(context.Background())
	return nil
}

func (b *Backend) reload() (applied, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, info, err := b.read()
	if err != nil {
		return applied{}, err
	}
	b.seen = fileState{info: info, sum: sha256.Sum256(data), readAt: time.Now()}
	b.settle.Take(b.seen.sum)
	snap, err := parse(b.path, data, b.region)
	if err != nil {
		return applied{}, err
	}
	snap.sum = b.seen.sum
	a := b.install(snap)
	b.log.Info("users file reloaded", "file", b.path, "users", len(snap.byName))
	b.logWarnings(context.Background(), snap)
	return a, nil
}

// Run polls the file every interval (2s when interval <= 0) until ctx ends
// and reloads it when it changes, telling OnRemoved about the names that
// left it (and, at each poll, those it could not forget yet). A change is noticed through the file's
// identity, modification time, size and content hash, which covers editors
// that replace the file and Kubernetes ConfigMap symlink swaps. A file that
// fails to load is logged once and the previous users are kept.
func (b *Backend) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = defaultInterval
	}
	var disabled []string
	for name, u := range b.snap.Load().byName {
		if u.Disabled {
			disabled = append(disabled, name)
		}
	}
	slices.Sort(disabled)
	b.notify(ctx, disabled)
	b.forgetPending(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.tell(ctx, b.poll(ctx))
			// Also the names a failure left pending: retried each poll.
			b.forgetPending(ctx)
		}
	}
}

// poll reloads the file if it changed since it was last taken and the
// previous poll read it the same (filesettle), and returns what the
// reload did.
func (b *Backend) poll(ctx context.Context) applied {
	b.mu.Lock()
	defer b.mu.Unlock()
	if info, err := os.Stat(b.path); err == nil && b.unchanged(info) {
		b.statErr = false
		return b.confirm()
	}
	data, info, err := b.read()
	if err != nil {
		if !b.statErr {
			b.log.ErrorContext(ctx, "users file unreadable; keeping the previous users",
				"file", b.path, "users", b.Users(), "error", err)
		}
		b.statErr = true
		return applied{}
	}
	b.statErr = false
	sum := sha256.Sum256(data)
	switch {
	case b.settle.Taken(sum):
		b.seen = fileState{info: info, sum: sum, readAt: time.Now()}
		b.settle.Poll(sum) // back to the content taken: nothing pending
		return b.confirm()
	case !b.settle.Poll(sum):
		// Changed since the last poll: b.seen stays, so the next poll
		// reads the file again and takes it if it reads the same.
		return applied{}
	}
	b.seen = fileState{info: info, sum: sum, readAt: time.Now()}
	snap, err := parse(b.path, data, b.region)
	if err != nil {
		b.log.ErrorContext(ctx, "users file invalid; keeping the previous users",
			"file", b.path, "users", b.Users(), "error", err)
		return applied{}
	}
	snap.sum = sum
	a := b.install(snap)
	b.takeStopped(snap) // read the same twice: confirmed
	b.log.InfoContext(ctx, "users file reloaded", "file", b.path, "users", len(snap.byName))
	b.logWarnings(ctx, snap)
	return a
}

// unchanged reports whether info describes the file as last read, and the
// last read was not so close to its modification that a same-size rewrite
// within the file system's time granularity could have gone unnoticed.
func (b *Backend) unchanged(info os.FileInfo) bool {
	s := b.seen
	if s.info == nil || !os.SameFile(info, s.info) ||
		!info.ModTime().Equal(s.info.ModTime()) || info.Size() != s.info.Size() {
		return false
	}
	return info.ModTime().Before(s.readAt.Add(-racyWindow))
}

// read returns the file's content and the FileInfo of the very file read.
func (b *Backend) read() ([]byte, os.FileInfo, error) {
	f, err := os.Open(b.path)
	if err != nil {
		return nil, nil, fmt.Errorf("users file: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to flush
	info, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("users file: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("users file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, nil, fmt.Errorf("%s: larger than %d MiB", b.path, maxFileSize>>20)
	}
	return data, info, nil
}

func clone(u *auth.User) *auth.User {
	c := *u
	c.Groups = slices.Clone(u.Groups)
	return &c
}

// Interface guards.
var (
	_ auth.UserBackend     = (*Backend)(nil)
	_ auth.DisableNotifier = (*Backend)(nil)
	_ auth.RemoveNotifier  = (*Backend)(nil)
	_ auth.ChangeNotifier  = (*Backend)(nil)
)
