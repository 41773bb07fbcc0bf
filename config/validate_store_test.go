package config_test

// Validate's cases for the store section.

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

func withRedis(c *config.Config) { c.Store.Driver = "redis" }

// storeRules are the cases of TestValidateRules for the store section.
var storeRules = []ruleCase{
	{"driver unknown", fn(func(c *config.Config) { c.Store.Driver = "mongo" }), []string{"store.driver"}},
	{"driver empty", fn(func(c *config.Config) { c.Store.Driver = "" }), []string{"store.driver"}},
	{"redis fine", fn(withRedis), nil},
	{"redis without addrs", fn(withRedis, func(c *config.Config) { c.Store.Redis.Addrs = nil }), []string{"store.redis.addrs"}},
	{"redis bad addr", fn(withRedis, func(c *config.Config) { c.Store.Redis.Addrs = []string{"redis:6379", "redis"} }), []string{"store.redis.addrs.1"}},
	{"redis timeouts", fn(withRedis, func(c *config.Config) { c.Store.Redis.OpTimeout = 0; c.Store.Redis.DialTimeout = 0 }),
		[]string{"store.redis.dial_timeout", "store.redis.op_timeout"}},
	{"redis negative db", fn(withRedis, func(c *config.Config) { c.Store.Redis.DB = -1 }), []string{"store.redis.db"}},
	{"redis client cache bounds", fn(withRedis, func(c *config.Config) {
		c.Store.Redis.ClientCache.MaxEntries = 0
		c.Store.Redis.ClientCache.MaxAge = -time.Second
	}), []string{"store.redis.client_cache.max_entries", "store.redis.client_cache.max_age"}},
	{"redis client cache off ignores bounds", fn(withRedis, func(c *config.Config) {
		c.Store.Redis.ClientCache = config.ClientCache{}
	}), nil},
	{"redis tls files without tls", fn(withRedis, func(c *config.Config) {
		c.Store.Redis.TLSCAFile, c.Store.Redis.TLSServerName = "ca.pem", "redis.internal"
	}), []string{"store.redis.tls_ca_file", "store.redis.tls_server_name"}},
	{"redis tls client cert without key", fn(withRedis, func(c *config.Config) {
		c.Store.Redis.TLS, c.Store.Redis.TLSCertFile = true, "client.pem"
	}), []string{"store.redis.tls_key_file"}},
	{"redis tls whole", fn(withRedis, func(c *config.Config) {
		r := &c.Store.Redis
		r.TLS, r.TLSCAFile, r.TLSCertFile, r.TLSKeyFile, r.TLSServerName = true, "ca.pem", "client.pem", "client.key", "redis.internal"
	}), nil},
	{"redis cluster db", fn(withRedis, func(c *config.Config) {
		c.Store.Redis.Addrs = []string{"a:6379", "b:6379"}
		c.Store.Redis.DB = 2
	}), []string{"store.redis.db"}},
	{"redis sentinel db", fn(withRedis, func(c *config.Config) {
		c.Store.Redis.Addrs = []string{"a:26379", "b:26379"}
		c.Store.Redis.MasterName = "mymaster"
		c.Store.Redis.DB = 2
	}), nil},
	{"redis cluster hash tag in key_prefix", fn(withRedis, func(c *config.Config) {
		c.Store.Redis.Addrs = []string{"a:6379", "b:6379"}
		c.Store.KeyPrefix = "{gatehouse}:"
	}), []string{"store.key_prefix"}},
	{"redis standalone hash tag in key_prefix", fn(withRedis, func(c *config.Config) { c.Store.KeyPrefix = "{gatehouse}:" }), nil},
	{"redis section unused by memory", fn(func(c *config.Config) { c.Store.Redis.Addrs = nil; c.Store.Redis.OpTimeout = 0 }), nil},
}
