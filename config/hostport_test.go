package config_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestAddressesAreHostAndPort checks that an address to listen on or
// dial is a host (or nothing) and a port, and that one holding a
// password is refused without showing it: a Redis URL in
// store.redis.addrs was taken as host "redis://:pw@redis" and port 6379,
// and the dial errors put the password in the logs at every start.
func TestAddressesAreHostAndPort(t *testing.T) {
	const secret = "s3cretRedisPw"
	tests := []struct {
		name   string
		change func(c *config.Config)
		want   []string
	}{
		{"redis URL with a password", func(c *config.Config) {
			c.Store.Driver = "redis"
			c.Store.Redis.Addrs = []string{"redis://:" + secret + "@redis:6379"}
		}, []string{"store.redis.addrs.0"}},
		{"redis URL with a user", func(c *config.Config) {
			c.Store.Driver = "redis"
			c.Store.Redis.Addrs = []string{"rediss://gh:" + secret + "@redis.internal:6380/0"}
		}, []string{"store.redis.addrs.0"}},
		{"listen URL", func(c *config.Config) { c.Server.Listen = "http://0.0.0.0:8080" }, []string{"server.listen"}},
		{"names and addresses", func(c *config.Config) {
			c.Server.Listen = "[::]:8443"
			c.Server.AdminListen = "localhost:9090"
			c.Store.Driver = "redis"
			c.Store.Redis.Addrs = []string{"redis-0.redis.default.svc.cluster.local.:6379", "redis_master:6379", "10.0.0.7:6379", "[fd00::7]:6379"}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.change(cfg)
			err := cfg.Validate()
			if got := keys(err); !equal(got, tt.want) {
				t.Fatalf("problems at %q, want %q\n%v", got, tt.want, err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("the problem shows the password:\n%v", err)
			}
		})
	}
}
