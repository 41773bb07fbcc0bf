package config

// Checks of the admin section (docs/contract.md, "Admin console") and of
// the audit section (docs/contract.md, "Audit trail").

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// admin checks the admin and audit sections.
func (v *validator) admin() {
	a := v.c.Admin
	if a.Enabled && strings.TrimSpace(a.Group) == "" {
		v.add("admin.group", "required when admin.enabled is true: the group whose members may use the console")
	}
	v.positive("admin.max_auth_age", a.MaxAuthAge)
	for _, cc := range slices.Sorted(maps.Keys(a.SMSPrices)) { // problems in a stable order
		price := a.SMSPrices[cc]
		key := "admin.sms_prices." + cc
		if cc != "default" {
			v.region(key, cc)
		}
		if price < 0 || math.IsNaN(price) || math.IsInf(price, 0) {
			v.add(key, "must be a price of 0 or more, it is %v", price)
		}
	}
	if c := a.SMSCurrency; len(c) != 3 || !isASCIILetters(c) || strings.ToUpper(c) != c {
		v.add("admin.sms_currency", "%q is not an ISO 4217 currency code (three upper-case letters, like \"USD\")", c)
	}
	if v.c.Audit.Retain.Events < 1 {
		v.add("audit.retain.events", "must be at least 1, it is %d", v.c.Audit.Retain.Events)
	}
	if v.c.Audit.Retain.AttemptEvents < 1 {
		v.add("audit.retain.attempt_events", "must be at least 1, it is %d", v.c.Audit.Retain.AttemptEvents)
	}
	v.positive("audit.retain.max_age", v.c.Audit.Retain.MaxAge)
	if w := v.c.Audit.RepeatWindow; w < 0 || w > MaxAuditRepeatWindow {
		v.add("audit.repeat_window", "must be from 0 (every event recorded) to %s, so that the counts reach the console in time; it is %s", MaxAuditRepeatWindow, w)
	}
	share := v.c.Audit.AccountShare
	if share.Events < 0 {
		v.add("audit.account_share.events", "must be 0 (every record kept) or more, it is %d", share.Events)
	}
	if w := share.Window; share.Events > 0 && (w < time.Minute || w > MaxAuditShareWindow) {
		v.add("audit.account_share.window", "must be from 1m to %s, so that the count reaches the console in time; it is %s", MaxAuditShareWindow, w)
	}
}

// MaxAuditShareWindow bounds audit.account_share.window: the window's
// count is recorded only when it ends.
const MaxAuditShareWindow = 24 * time.Hour

// MaxAuditRepeatWindow bounds audit.repeat_window: a window's count is
// recorded only when it ends.
const MaxAuditRepeatWindow = time.Hour
