package config

// Checks of the store section: the driver and, for redis, its addresses,
// database, timeouts, TLS, client cache and key prefix.

import (
	"fmt"
	"strings"
)

func (v *validator) store() {
	s := v.c.Store
	if !v.oneOf("store.driver", s.Driver, storeDrivers) || s.Driver != "redis" {
		return
	}
	r := s.Redis
	// Several addresses and no master_name: a cluster.
	cluster := len(r.Addrs) > 1 && r.MasterName == ""
	if len(r.Addrs) == 0 {
		v.add("store.redis.addrs", "required when store.driver is redis, e.g. [\"127.0.0.1:6379\"]")
	}
	for i, a := range r.Addrs {
		v.hostPort(fmt.Sprintf("store.redis.addrs.%d", i), a)
	}
	if r.DB < 0 {
		v.add("store.redis.db", "must be 0 or more (it is %d)", r.DB)
	} else if r.DB != 0 && cluster {
		v.add("store.redis.db", "must be 0 for a redis cluster (several addrs and no master_name)")
	}
	v.positive("store.redis.dial_timeout", r.DialTimeout)
	v.positive("store.redis.op_timeout", r.OpTimeout)
	if r.ReplayWindow < 0 {
		v.add("store.redis.replay_window", "must be 0 (keep nothing to replay) or more, it is %s", r.ReplayWindow)
	}
	if r.ClientCache.Enabled {
		if r.ClientCache.MaxEntries <= 0 {
			v.add("store.redis.client_cache.max_entries", "must be positive when the client cache is enabled (it is %d)", r.ClientCache.MaxEntries)
		}
		v.positive("store.redis.client_cache.max_age", r.ClientCache.MaxAge)
	}
	v.redisTLS(r)
	if cluster && strings.ContainsAny(s.KeyPrefix, "{}") {
		v.add("store.key_prefix", "%q must not contain { or } with a redis cluster: a hash tag in the prefix puts every key on one node", s.KeyPrefix)
	}
}

// redisTLS checks the TLS settings of store.redis (docs/contract.md,
// "TLS to Redis"): none of them without tls, which would leave the
// connection in plain text while the file reads as if encrypted, and a
// client certificate with its key.
func (v *validator) redisTLS(r Redis) {
	for _, k := range []struct{ key, val string }{
		{"store.redis.tls_ca_file", r.TLSCAFile},
		{"store.redis.tls_cert_file", r.TLSCertFile},
		{"store.redis.tls_key_file", r.TLSKeyFile},
		{"store.redis.tls_server_name", r.TLSServerName},
	} {
		if k.val != "" && !r.TLS {
			v.add(k.key, "needs tls: true (without it the connection to redis is not encrypted)")
		}
	}
	switch {
	case r.TLSCertFile != "" && r.TLSKeyFile == "":
		v.add("store.redis.tls_key_file", "required with tls_cert_file")
	case r.TLSCertFile == "" && r.TLSKeyFile != "":
		v.add("store.redis.tls_cert_file", "required with tls_key_file")
	}
}
