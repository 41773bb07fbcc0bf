package redisstore

// Bans in the journal (auth.KeyBan: bans and locks, a claimed
// authenticator-app step, a passkey credential id's account): written
// again where absent, unless lifted since, by whichever gateway
// (docs/contract.md, "Failover durability").

import (
	"context"
	"errors"
	"fmt"
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
// ban, or a later one, was lifted (ARGV[3]: liftSlack in ms). Where the
// key holds ARGV[1] already but expires sooner, its life is extended to
// ARGV[2]: the entry was kept longer (expireBanJournaled: a sign-up's
// claim of a number kept for good once activated) and the extension was
// lost.
var replayBanScript = redis.NewScript(`
local lifted = redis.call('GET', KEYS[2])
if lifted and tonumber(ARGV[2]) <= tonumber(lifted) + tonumber(ARGV[3]) then
  return 0
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PXAT', ARGV[2]) then
  return 1
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local left = redis.call('PTTL', KEYS[1])
local t = redis.call('TIME')
if left >= 0 and tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + left < tonumber(ARGV[2]) then
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
  return 1
end
return 0`)

// expireBanScript gives KEYS[1] a TTL of ARGV[1] ms if it exists and
// returns its value and its new expiry (unix ms, Redis's clock), or
// false when it does not exist.
var expireBanScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  return false
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local t = redis.call('TIME')
return {v, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])}`)

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

// expireBanJournaled is Expire of a ban's key with the journal: the
// entry is journaled again with its new expiry, in place of the one it
// was set with, so that a failover that loses the extension does not
// end it sooner (docs/contract.md, "Failover durability"). Before, a
// sign-up's claim of a number, kept for good at activation, came back
// with the reservation's few minutes and then freed the number for a
// second account.
func (s *Store) expireBanJournaled(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	full := s.prefix + key
	res, err := expireBanScript.Run(ctx, s.client, []string{full}, ceilMillis(ttl).Milliseconds()).Slice()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fail("expire", err)
	}
	var val string
	var at int64
	ok := len(res) == 2
	if ok {
		val, ok = res[0].(string)
	}
	if ok {
		at, ok = res[1].(int64)
	}
	if !ok {
		return false, fail("expire", fmt.Errorf("unexpected reply %v", res))
	}
	s.journal.drop(full)
	s.journal.add(entry{op: opSetIfAbsent, key: full, val: []byte(val), deadline: time.UnixMilli(at)})
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
