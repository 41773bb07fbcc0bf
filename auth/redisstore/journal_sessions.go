package redisstore

// Sessions in the journal: a deleted session is replayed at once with
// its tombstone, a written one later, unless a tombstone says it was
// deleted since (docs/contract.md, "Failover durability").

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// deferredLogin is a session write waiting for its replay.
type deferredLogin struct {
	e   entry
	due time.Time
}

// sessionReplayDelay is how long a replayed login waits: every gateway
// pings every clusterWatchEvery, so by then each has replayed its
// logouts (and their tombstones) to the new master, and a login is never
// written back over a logout another gateway acknowledged.
const sessionReplayDelay = 2 * time.Second

// tombstoneSlack is how much longer than the replay window a session's
// tombstone lives. A login is written again up to the window after it was
// journaled (a catch-up replays the window), plus sessionReplayDelay,
// plus a watcher's tick; the tombstone of a delete that followed it must
// still be there then, whichever gateway wrote it. With the window alone,
// a window shorter than sessionReplayDelay (or a login journaled just
// before its logout, at the window's edge) let the login come back over
// the logout (docs/contract.md, "Failover durability").
const tombstoneSlack = sessionReplayDelay + 5*time.Second

// tombstoneLife is how long a session's tombstone lives with a journal
// of window: every session delete, and its replay, writes it for that.
func tombstoneLife(window time.Duration) time.Duration { return window + tombstoneSlack }

// staleLogin reports whether a login journaled at at is too old to be
// written again at now: the tombstones of the deletes that followed it
// may be gone (one second kept for a delete that reached Redis just
// before the login was journaled). Not written, the session answers 401:
// sign in again, never a logout undone.
func staleLogin(window time.Duration, at, now time.Time) bool {
	return now.Sub(at) >= tombstoneLife(window)-time.Second
}

// deferLogins queues the logins among entries for their delayed replay.
func (j *Journal) deferLogins(entries []entry) {
	due := j.now().Add(sessionReplayDelay)
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range entries {
		if e.op == opSetSession {
			j.deferred[e.key] = deferredLogin{e: e, due: due}
		}
	}
}

// replayLogins writes again the deferred logins that are due, through
// client (which routes each key to its master), and reports how many.
func (j *Journal) replayLogins(ctx context.Context, client redis.UniversalClient) int {
	now := j.now()
	var due []entry
	j.mu.Lock()
	for k, d := range j.deferred {
		if !d.due.After(now) {
			due = append(due, d.e)
			delete(j.deferred, k)
		}
	}
	j.mu.Unlock()
	n := 0
	for _, e := range due {
		if !e.deadline.After(now) || staleLogin(j.window, e.at, now) {
			continue
		}
		err := setSessionScript.Run(ctx, client, []string{e.key, tombstone(e.key)}, e.val, e.deadline.UnixMilli(), legacyTombstone(e.key)).Err()
		if err != nil && !errors.Is(err, redis.Nil) {
			j.log.WarnContext(ctx, "redis: a login was not written again after the failover", "error", err)
			continue
		}
		n++
	}
	return n
}

// tombstone is the key that marks a session deleted, for
// tombstoneLife.
// It starts with the session key, so with the store's key_prefix too
// (a Redis user limited to the deployment's keys may write it, and a
// SCAN of the prefix finds it: docs/contract.md, "Store housekeeping"),
// and it hashes to the session key's cluster slot (its hash tag is the
// session key itself, or the tag that key already has), so one script
// can read both.
func tombstone(key string) string {
	if strings.Contains(key, "{") {
		return key + ":gone"
	}
	return key + ":gone{" + key + "}"
}

// legacyTombstone is where versions before the tombstone carried the
// key_prefix wrote it ("{" + key + "}:gone", same slot): still read by a
// replayed login while one of them may share the deployment (it lives
// for the window only, and is never written).
func legacyTombstone(key string) string {
	if strings.Contains(key, "{") {
		return key + ":gone"
	}
	return "{" + key + "}:gone"
}

// setSessionScript writes a session again (KEYS[1] = ARGV[1] until
// ARGV[2] unix ms) unless it exists or its tombstone KEYS[2] (or the
// legacy one, ARGV[3]: not a declared key, which a Redis user limited to
// the prefix could not name; same slot, read where that user may) says
// it was deleted since.
var setSessionScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 or redis.pcall('EXISTS', ARGV[3]) == 1 then
  return 0
end
local ok = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PXAT', ARGV[2])
if ok then return 1 end
return 0`)

// delSessionScript deletes a session again and leaves its tombstone for
// ARGV[1] milliseconds.
var delSessionScript = redis.NewScript(`
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
return 1`)
