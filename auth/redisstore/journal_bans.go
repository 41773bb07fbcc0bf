package redisstore

// Bans in the journal (auth.KeyBan: bans and locks, a claimed
// authenticator-app step, a passkey credential id's account): written
// again where absent, unless lifted since, by whichever gateway
// (docs/contract.md, "Failover durability").

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// liftMark is the key that says which ban under key was lifted: its
// value is the lifted ban's expiry (unix ms, on Redis's clock). Like a
// session's tombstone it starts with key (so with the store's prefix)
// and hashes to key's cluster slot.
func liftMark(key string) string {
	if strings.Contains(key, "{") {
		return key + ":lifted"
	}
	return key + ":lifted{" + key + "}"
}

// liftSlack is how much later than a lifted ban's expiry a journaled
// ban may expire and still be taken for the one lifted: both are read
// off Redis's clock to the millisecond, and a ban set again after a lift
// comes at least a lift's round trip and a run of failures later.
const liftSlack = time.Second

// banScript sets KEYS[1] to ARGV[1] for ARGV[2] ms if it is absent and
// returns its expiry (unix ms, Redis's clock), or 0 when it was not set.
var banScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 0
end
local t = redis.call('TIME')
return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2])`)

// liftScript deletes the ban KEYS[1] and, when there was one, leaves its
// expiry in its lift mark KEYS[2] for ARGV[1] ms; it returns how many
// keys it deleted.
var liftScript = redis.NewScript(`
local left = redis.call('PTTL', KEYS[1])
local n = redis.call('DEL', KEYS[1])
if n == 1 and left > 0 then
  local t = redis.call('TIME')
  local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + left
  redis.call('SET', KEYS[2], string.format('%.0f', at), 'PX', ARGV[1])
end
return n`)

// replayBanScript sets the ban KEYS[1] to ARGV[1] until ARGV[2] (unix
// ms) if it is absent and its lift mark KEYS[2] does not say that this
// ban, or a later one, was lifted (ARGV[3]: liftSlack in ms).
var replayBanScript = redis.NewScript(`
local lifted = redis.call('GET', KEYS[2])
if lifted and tonumber(ARGV[2]) <= tonumber(lifted) + tonumber(ARGV[3]) then
  return 0
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PXAT', ARGV[2]) then
  return 1
end
return 0`)

// setBanJournaled is SetNX of a ban with the journal: the ban is
// journaled with its expiry as Redis set it, which a lift's mark
// records, and takes the place of an older ban of the key in the
// journal (gone since: expired or lifted).
func (s *Store) setBanJournaled(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	full := s.prefix + key
	at, err := banScript.Run(ctx, s.client, []string{full}, value, ceilMillis(ttl).Milliseconds()).Int64()
	if err != nil {
		return false, fail("setnx", err)
	}
	if at == 0 {
		return false, nil
	}
	s.journal.drop(full)
	s.journal.add(entry{op: opSetIfAbsent, key: full, val: value, deadline: time.UnixMilli(at)})
	return true, nil
}

// liftJournaled is Delete of a ban with the journal. The ban leaves
// this gateway's journal, and its lift mark (kept as long as a session's
// tombstone: longer than any journal keeps the ban) stops every other
// gateway's catch-up from setting it again, on this master or one a
// failover promotes after the mark reached it. Never replayed as a
// delete, which could end another gateway's newer ban; a lift lost in a
// failover leaves the ban (stricter).
func (s *Store) liftJournaled(ctx context.Context, full string) (bool, error) {
	n, err := liftScript.Run(ctx, s.client, []string{full, liftMark(full)}, ceilMillis(tombstoneLife(s.journal.window)).Milliseconds()).Int64()
	if err != nil {
		return false, fail("delete", err)
	}
	s.journal.drop(full)
	return n == 1, nil
}
