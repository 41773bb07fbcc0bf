package config_test

// Validate's cases for the regulation section.

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// regulationRules are the cases of TestValidateRules for the regulation section.
var regulationRules = []ruleCase{
	{"regulation", fn(func(c *config.Config) { c.Regulation = config.Regulation{} }),
		[]string{"regulation.max_failures", "regulation.find_time", "regulation.ban_time", "regulation.max_account_failures", "regulation.account_lock_time"}},
	{"max_account_failures over 100", fn(func(c *config.Config) { c.Regulation.MaxAccountFailures = 101 }), []string{"regulation.max_account_failures"}},
	{"max_account_failures at 100", fn(func(c *config.Config) { c.Regulation.MaxAccountFailures = 100 }), nil},
	{"max_account_failures negative", fn(func(c *config.Config) { c.Regulation.MaxAccountFailures = -1 }), []string{"regulation.max_account_failures"}},
	{"account_lock_time shorter than find_time", fn(func(c *config.Config) { c.Regulation.AccountLockTime = 5 * time.Minute }), []string{"regulation.account_lock_time"}},
}
