package config_test

// Validate's cases for the admin and audit sections.

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// adminRules are the cases of TestValidateRules for the admin section.
var adminRules = []ruleCase{
	{"sms prices", fn(func(c *config.Config) { c.Admin.SMSPrices = map[string]float64{"US": 0.0079, "GB": 0, "default": 0.05} }), nil},
	{"sms price negative", fn(func(c *config.Config) { c.Admin.SMSPrices = map[string]float64{"US": -1} }), []string{"admin.sms_prices.US"}},
	{"sms price country not ISO", fn(func(c *config.Config) { c.Admin.SMSPrices = map[string]float64{"UK": 0.04, "usa": 1} }), []string{"admin.sms_prices.UK", "admin.sms_prices.usa"}},
	{"sms currency", fn(func(c *config.Config) { c.Admin.SMSCurrency = "dollars" }), []string{"admin.sms_currency"}},
	{"audit caps", fn(func(c *config.Config) { c.Audit.Retain.Events, c.Audit.Retain.AttemptEvents = 10, 1 }), nil},
	{"audit caps below 1", fn(func(c *config.Config) { c.Audit.Retain.Events, c.Audit.Retain.AttemptEvents = 0, -5 }), []string{"audit.retain.events", "audit.retain.attempt_events"}},
	{"audit max age", fn(func(c *config.Config) { c.Audit.Retain.MaxAge = 0 }), []string{"audit.retain.max_age"}},
	{"audit repeats recorded one by one", fn(func(c *config.Config) { c.Audit.RepeatWindow = 0 }), nil},
	{"audit repeat window an hour", fn(func(c *config.Config) { c.Audit.RepeatWindow = time.Hour }), nil},
	{"audit repeat window too long", fn(func(c *config.Config) { c.Audit.RepeatWindow = 2 * time.Hour }), []string{"audit.repeat_window"}},
	{"audit repeat window negative", fn(func(c *config.Config) { c.Audit.RepeatWindow = -time.Second }), []string{"audit.repeat_window"}},
	{"audit account share off", fn(func(c *config.Config) { c.Audit.AccountShare = config.AuditAccountShare{} }), nil},
	{"audit account share a day", fn(func(c *config.Config) { c.Audit.AccountShare.Window = 24 * time.Hour }), nil},
	{"audit account share negative", fn(func(c *config.Config) { c.Audit.AccountShare.Events = -1 }), []string{"audit.account_share.events"}},
	{"audit account share window too short", fn(func(c *config.Config) { c.Audit.AccountShare.Window = time.Second }), []string{"audit.account_share.window"}},
	{"audit account share window too long", fn(func(c *config.Config) { c.Audit.AccountShare.Window = 25 * time.Hour }), []string{"audit.account_share.window"}},
}
