package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/redis/go-redis/v9"
)

var (
	_ auth.SortedIndex = (*Store)(nil)
	_ auth.MultiGetter = (*Store)(nil)
)

// zaddScript adds a member with score 0 (so that members sort by their
// bytes, for ZRANGE BYLEX) and raises the key's TTL to at least ARGV[2]
// milliseconds, atomically (one key: safe in a cluster).
var zaddScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], 0, ARGV[1])
local t = redis.call('PTTL', KEYS[1])
if t < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`)

// ZAdd adds member to the index under key and keeps the key alive at
// least ttl from now.
func (s *Store) ZAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redisstore: zadd: %w", errNonPositiveTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	if err := zaddScript.Run(ctx, s.client, []string{s.prefix + key}, member, ceilMillis(ttl).Milliseconds()).Err(); err != nil {
		return fail("zadd", err)
	}
	if s.journal != nil && auth.ClassOf(key) == auth.KeyIndex {
		s.journal.add(entry{op: opZAdd, key: s.prefix + key, val: []byte(member), deadline: time.Now().Add(ttl)})
	}
	return nil
}

// ZRem removes member from the index under key.
func (s *Store) ZRem(ctx context.Context, key, member string) error {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	if err := s.client.ZRem(ctx, s.prefix+key, member).Err(); err != nil {
		return fail("zrem", err)
	}
	return nil
}

// ZAfter returns at most n members greater than after, in byte order:
// ZRANGE BYLEX from "(after" with LIMIT 0 n, one round trip whatever the
// index's size.
func (s *Store) ZAfter(ctx context.Context, key, after string, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	lo := "-"
	if after != "" {
		lo = "(" + after
	}
	v, err := s.client.ZRangeByLex(ctx, s.prefix+key, &redis.ZRangeBy{Min: lo, Max: "+", Count: int64(n)}).Result()
	if err != nil {
		return nil, fail("zrangebylex", err)
	}
	return v, nil
}

// GetMany reads keys in one pipeline (split by node on a cluster), nil
// for a missing key.
func (s *Store) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 4*s.opTimeout)
	defer cancel()
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, s.prefix+k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fail("get", err)
	}
	out := make([][]byte, len(keys))
	for i, c := range cmds {
		v, err := c.Bytes()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return nil, fail("get", err)
		default:
			out[i] = v
		}
	}
	return out, nil
}
