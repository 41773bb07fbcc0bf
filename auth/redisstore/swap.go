package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The conditional writes: the compare-and-set under every change of an
// account record (docs/contract.md, "Sessions end when credentials
// change"), and the write of a stored session only while it exists
// (docs/contract.md, "Sessions end when they are ended").

// casScript sets KEYS[1] to ARGV[3] for ARGV[4] milliseconds where it
// holds ARGV[2] (ARGV[1] = "1": where it is absent), in one step on the
// one key, so it runs alike on a standalone server, under Sentinel and
// on a cluster. A key of another type (a set) never matches.
var casScript = redis.NewScript(`
local cur = redis.pcall('GET', KEYS[1])
if type(cur) == 'table' then
	return 0
end
if ARGV[1] == '1' then
	if cur then return 0 end
elseif cur ~= ARGV[2] then
	return 0
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
`)

// cadScript deletes KEYS[1] where it holds ARGV[1], in one step on the
// one key, so it runs alike on a standalone server, under Sentinel and
// on a cluster. A key of another type (a set) never matches.
var cadScript = redis.NewScript(`
local cur = redis.pcall('GET', KEYS[1])
if type(cur) == 'table' or cur ~= ARGV[1] then
	return 0
end
return redis.call('DEL', KEYS[1])
`)

// CompareAndSwap stores value under key for ttl (rounded up to whole
// milliseconds, replacing the TTL as Set does) only if the key holds
// exactly old (old nil: only if it is absent), atomically, and reports
// whether it did. A swap that went through is journaled as a Set is, with
// old as the value it replaced. A non-positive ttl is an error.
func (s *Store) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("redisstore: compare-and-swap: %w", errNonPositiveTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	absent := "0"
	if old == nil {
		absent = "1"
	}
	n, err := casScript.Run(ctx, s.client, []string{s.prefix + key}, absent, old, value, ceilMillis(ttl).Milliseconds()).Int64()
	if err != nil {
		return false, fail("compare-and-swap", err)
	}
	if n != 1 {
		return false, nil
	}
	if s.journal != nil {
		s.journalSet(key, value, old, ttl)
	}
	return true, nil
}

// SetIfExists stores value under key for ttl (rounded up to whole
// milliseconds, replacing the TTL as Set does) only if the key exists,
// and reports whether it did: one command (SET key value PX ttl XX) on
// the one key, so it runs alike on a standalone server, under Sentinel
// and on a cluster. A write that went through is journaled as a Set is.
// A non-positive ttl is an error.
func (s *Store) SetIfExists(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("redisstore: set-if-exists: %w", errNonPositiveTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	before, err := s.beforeWrite(ctx, key)
	if err != nil {
		return false, fail("set-if-exists", err)
	}
	ok, err := s.client.SetXX(ctx, s.prefix+key, value, ceilMillis(ttl)).Result()
	if err != nil {
		return false, fail("set-if-exists", err)
	}
	if ok && s.journal != nil {
		s.journalSet(key, value, before, ttl)
	}
	return ok, nil
}

// CompareAndDelete deletes key only if it holds exactly old (not nil),
// atomically, and reports whether it did. It releases store locks,
// which a failover's replay must not bring back or free: it is not
// journaled. A claim it releases (auth.KeyBan: an account's number or
// email) leaves this gateway's journal, which would otherwise set it
// again at its next catch-up of a master.
func (s *Store) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	if old == nil {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	n, err := cadScript.Run(ctx, s.client, []string{s.prefix + key}, old).Int64()
	if err != nil {
		return false, fail("compare-and-delete", err)
	}
	if n == 1 && s.journal != nil && auth.ClassOf(key) == auth.KeyBan {
		s.journal.drop(s.prefix + key)
	}
	return n == 1, nil
}
