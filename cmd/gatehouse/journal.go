package main

import (
	"log/slog"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
)

// storeJournal is the failover journal of cfg.ReplayWindow
// (docs/contract.md, "Failover durability"), nil when it is 0 (keep
// none). log may be nil.
func storeJournal(cfg config.Redis, log *slog.Logger) *redisstore.Journal {
	if cfg.ReplayWindow <= 0 {
		return nil
	}
	return redisstore.NewJournal(cfg.ReplayWindow, 0, log)
}
