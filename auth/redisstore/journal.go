package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Journal keeps the store's recent security-relevant writes (auth.ClassOf:
// revocations, sessions, account records, bans) and writes them again on
// a Redis master it has not written to before (docs/contract.md,
// "Failover durability"). Redis replicates asynchronously: a write a
// master acknowledged can be lost when a replica is promoted (the old
// master keeps taking writes until the sentinels tell the clients, about
// a second in a planned failover, and a crash loses what was not yet
// sent), or when a standalone Redis restarts from an AOF written every
// second. Every new connection goes through OnConnect, which asks the
// server who it is; the first connection to a master with an unknown
// run_id replays the journal's last window on that connection before any
// command of the gateway can use it (and every later new connection what
// was written since), so a logout, a spent code or a password change
// acknowledged before the failover holds after it.
//
// What is replayed at once only makes answers stricter, so the gateways'
// journals can be replayed in any order: deletes are of keys that are
// never written again (random ids, keyed hashes), a session's with its
// tombstone; an account record is written only where it still holds the
// value it had before the change; a ban only if absent, and not once
// lifted (a lift lost in a failover leaves the ban: stricter). Logins wait
// sessionReplayDelay, until every gateway has replayed its logouts, and
// are written only where no tombstone says the session was ended.
type Journal struct {
	window time.Duration
	max    int
	log    *slog.Logger
	now    func() time.Time

	mu sync.Mutex
	// entries are the writes kept, oldest first: a write drops the
	// oldest by moving the slice's start, never by copying the rest, so
	// that it costs as little on a full journal as on an empty one.
	entries []entry
	// ifAbsent counts the writes-if-absent (bans) among entries by key,
	// so that a new ban finds its key's older ones (drop) without
	// reading every entry.
	ifAbsent map[string]int
	seq      uint64            // of the newest entry
	masters  map[string]uint64 // run_id of a master → seq of the last entry replayed there

	replayMu sync.Mutex // one replay at a time; connections wait for it

	// deferred are logins to write again once every gateway has had
	// time to replay its logouts (sessionReplayDelay), by key.
	deferred map[string]deferredLogin
}

// Journal operations.
const (
	opDel         uint8 = iota + 1 // DEL key
	opDelSession                   // DEL key, and its tombstone for tombstoneLife
	opSetSession                   // later (sessionReplayDelay): SET key val NX PXAT deadline unless the tombstone exists
	opSetIfAbsent                  // SET key val NX PXAT deadline unless its lift mark says it was lifted (replayBanScript)
	opCASSet                       // SET key val PXAT deadline where GET key == before (or is val already)
	opCASDel                       // DEL key where GET key == before
	opSAdd                         // SADD key member, the TTL raised to the deadline (saddScript)
	opZAdd                         // ZADD key 0 member, the TTL raised to the deadline (zaddScript)
)

// entry is one journaled write. Keys carry the store's prefix.
type entry struct {
	seq      uint64
	at       time.Time
	op       uint8
	key      string
	val      []byte // value, or the set member
	before   []byte // opCASSet, opCASDel: the value the change replaced (nil: none)
	deadline time.Time
}

// DefaultJournalEntries bounds a journal's memory: past it the oldest
// entries go (and are logged once per replay as not kept).
const DefaultJournalEntries = 200_000

// NewJournal returns a journal that keeps window of writes (at most max
// entries; DefaultJournalEntries when max <= 0).
func NewJournal(window time.Duration, maxEntries int, log *slog.Logger) *Journal {
	if maxEntries <= 0 {
		maxEntries = DefaultJournalEntries
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Journal{window: window, max: maxEntries, log: log, now: time.Now, ifAbsent: map[string]int{},
		masters: map[string]uint64{}, deferred: map[string]deferredLogin{}}
}

// add records e, dropping entries older than the window or past max.
// Amortized, it costs the same however many entries are kept.
func (j *Journal) add(e entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e.at = j.now() // under the lock: entries are in order of time as of seq (since)
	cut := 0
	for cut < len(j.entries) && (e.at.Sub(j.entries[cut].at) > j.window || len(j.entries)-cut >= j.max) {
		j.uncount(j.entries[cut])
		cut++
	}
	if cut > 0 {
		clear(j.entries[:cut]) // their keys and values go now, not when append moves the rest
		j.entries = j.entries[cut:]
	}
	j.seq++
	e.seq = j.seq
	if e.op == opSetIfAbsent {
		j.ifAbsent[e.key]++
	}
	j.entries = append(j.entries, e)
}

// uncount takes e, leaving the journal, out of ifAbsent.
func (j *Journal) uncount(e entry) {
	if e.op != opSetIfAbsent {
		return
	}
	if j.ifAbsent[e.key]--; j.ifAbsent[e.key] <= 0 {
		delete(j.ifAbsent, e.key)
	}
}

// drop forgets the writes-if-absent of key (a ban lifted, or replaced by
// a new one), so that no catch-up sets it again.
func (j *Journal) drop(key string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ifAbsent[key] == 0 {
		return // the common case, a key's first ban in the window: nothing to read
	}
	delete(j.ifAbsent, key)
	j.entries = slices.DeleteFunc(j.entries, func(e entry) bool { return e.op == opSetIfAbsent && e.key == key })
}

// since returns a copy of the entries of the last window newer than seq,
// and the newest seq. Entries are in order of both time and seq, so the
// first one wanted is found by bisection.
func (j *Journal) since(seq uint64) ([]entry, uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	from := j.now().Add(-j.window)
	i := sort.Search(len(j.entries), func(i int) bool {
		return !j.entries[i].at.Before(from) && j.entries[i].seq > seq
	})
	return append([]entry(nil), j.entries[i:]...), j.seq
}

// OnConnect is the go-redis OnConnect hook (NewClient's WithJournal): on
// a connection to a master not seen before it replays the journal there
// first. A replay that fails fails the connection, so nothing is served
// from that master until one succeeds (fail closed).
func (j *Journal) OnConnect(ctx context.Context, cn *redis.Conn) error {
	info, err := cn.Info(ctx, "server", "replication").Result()
	if err != nil {
		return err
	}
	if infoValue(info, "redis_mode") == "sentinel" || infoValue(info, "role") != "master" {
		return nil
	}
	return j.catchUp(ctx, cn, infoValue(info, "run_id"))
}

// pipeliner is a connection or node client that can send a pipeline.
type pipeliner interface {
	Pipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error)
}

// catchUp replays on the master id (through p) what was journaled since
// the last replay there, the whole window for a master not seen before.
// Every new connection does it: during a failover a sentinel names the
// promoted replica before the clients are told, so a new connection can
// reach it while pooled ones still write to the old master.
func (j *Journal) catchUp(ctx context.Context, p pipeliner, id string) error {
	j.replayMu.Lock()
	defer j.replayMu.Unlock()
	j.mu.Lock()
	last, known := j.masters[id]
	j.mu.Unlock()
	entries, newest := j.since(last)
	if known && len(entries) == 0 {
		return nil
	}
	n, err := replay(ctx, p, entries, j.window)
	j.deferLogins(entries)
	if err != nil {
		j.log.WarnContext(ctx, "redis: replay on a master failed; its connections are refused until one succeeds", "error", err)
		return err
	}
	j.mu.Lock()
	j.masters[id] = newest
	j.mu.Unlock()
	if !known && n > 0 {
		j.log.InfoContext(ctx, "redis: a master not written to before; recent security writes replayed", "writes", n, "window", j.window.String())
	}
	return nil
}

// casSetScript sets KEYS[1] to ARGV[2] until ARGV[3] (unix ms) where it
// holds ARGV[1] (ARGV[4] = "1": absent); a key already at ARGV[2] or at
// anything else is left alone.
var casSetScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
local want = ARGV[4] == '1' and cur == false or cur == ARGV[1]
if want then
  redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
  return 1
end
return 0`)

// casDelScript deletes KEYS[1] where it holds ARGV[1].
var casDelScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

// replay writes entries again on cn, in order, and returns how many it
// sent. In a cluster a connection reaches one node: writes of keys in
// other slots answer MOVED and are left to that node's own replay.
func replay(ctx context.Context, cn pipeliner, entries []entry, window time.Duration) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	now := time.Now()
	sent := 0
	cmds, err := cn.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range entries {
			if !e.deadline.IsZero() && !e.deadline.After(now) {
				continue
			}
			at := e.deadline.UnixMilli()
			switch e.op {
			case opDel:
				p.Del(ctx, e.key)
			case opDelSession:
				delSessionScript.Eval(ctx, p, []string{e.key, tombstone(e.key)}, ceilMillis(tombstoneLife(window)).Milliseconds())
			case opSetSession:
				continue // later: replayLogins
			case opSetIfAbsent:
				replayBanScript.Eval(ctx, p, []string{e.key, liftMark(e.key)}, e.val, at, liftSlack.Milliseconds())
			case opCASSet:
				absent := "0"
				if e.before == nil {
					absent = "1"
				}
				casSetScript.Eval(ctx, p, []string{e.key}, e.before, e.val, at, absent)
			case opCASDel:
				casDelScript.Eval(ctx, p, []string{e.key}, e.before)
			case opSAdd, opZAdd:
				// As the write itself: the key lives at least until the
				// deadline, and an index the master lost gets its TTL
				// back (PEXPIREAT GT would leave it none: Redis counts a
				// key without one as living longest).
				script := saddScript
				if e.op == opZAdd {
					script = zaddScript
				}
				script.Eval(ctx, p, []string{e.key}, e.val, ceilMillis(e.deadline.Sub(now)).Milliseconds())
			}
			sent++
		}
		return nil
	})
	if err != nil && !movedOnly(cmds) {
		return sent, err
	}
	return sent, nil
}

// movedOnly reports whether every failed command of a pipeline failed
// with MOVED or ASK (the key lives on another cluster node), which replay
// leaves to that node.
func movedOnly(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		err := c.Err()
		if err == nil || errors.Is(err, redis.Nil) {
			continue
		}
		// MOVED and ASK are RESP error codes, the protocol's own way of
		// saying where a key lives.
		var re redis.Error
		moved := strings.HasPrefix(err.Error(), "MOVED ") || strings.HasPrefix(err.Error(), "ASK ")
		if !errors.As(err, &re) || !moved {
			return false
		}
	}
	return true
}

// journalSet records a write of key (unprefixed) that went through (a
// Set, a CompareAndSwap, a SetIfExists): a session, or an account
// record with the value it replaced, or a ban-class entry swapped from
// the value it replaced (a stale claim of a number or an email taken
// over: replayed where the master still holds the stale one; before, it
// came back naming the gone account, and gave way to a second one).
func (s *Store) journalSet(key string, value, before []byte, ttl time.Duration) {
	deadline := time.Now().Add(ttl)
	switch auth.ClassOf(key) {
	case auth.KeySession:
		s.journal.add(entry{op: opSetSession, key: s.prefix + key, val: value, deadline: deadline})
	case auth.KeyRecord:
		s.journal.add(entry{op: opCASSet, key: s.prefix + key, val: value, before: before, deadline: deadline})
	case auth.KeyBan:
		if before != nil {
			s.journal.add(entry{op: opCASSet, key: s.prefix + key, val: value, before: before, deadline: deadline})
		}
	}
}

// beforeWrite reads what a write of key replaces, when the journal
// needs it (account records only: rare writes).
func (s *Store) beforeWrite(ctx context.Context, key string) ([]byte, error) {
	if s.journal == nil || auth.ClassOf(key) != auth.KeyRecord {
		return nil, nil
	}
	v, err := s.client.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	return v, err
}
