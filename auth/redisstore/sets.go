package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/redis/go-redis/v9"
)

var _ auth.SetStore = (*Store)(nil)

// saddScript adds a member and raises the key's TTL to at least ARGV[2]
// milliseconds, atomically (one key: safe in a cluster).
var saddScript = redis.NewScript(`
redis.call('SADD', KEYS[1], ARGV[1])
local t = redis.call('PTTL', KEYS[1])
if t < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`)

// SAdd adds member to the set under key and keeps the key alive at least
// ttl from now.
func (s *Store) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redisstore: sadd: %w", errNonPositiveTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	if err := saddScript.Run(ctx, s.client, []string{s.prefix + key}, member, ceilMillis(ttl).Milliseconds()).Err(); err != nil {
		return fail("sadd", err)
	}
	if s.journal != nil && auth.ClassOf(key) == auth.KeyIndex {
		s.journal.add(entry{op: opSAdd, key: s.prefix + key, val: []byte(member), deadline: time.Now().Add(ttl)})
	}
	return nil
}

// SRem removes member from the set under key.
func (s *Store) SRem(ctx context.Context, key, member string) error {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	if err := s.client.SRem(ctx, s.prefix+key, member).Err(); err != nil {
		return fail("srem", err)
	}
	return nil
}

// SMembers returns the set's members (none for a missing key).
func (s *Store) SMembers(ctx context.Context, key string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	v, err := s.client.SMembers(ctx, s.prefix+key).Result()
	if err != nil {
		return nil, fail("smembers", err)
	}
	return v, nil
}
