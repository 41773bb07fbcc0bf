package main

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// holdDeleted is `gatehouse user hold-deleted`: it holds the name of
// every account the audit trail says was deleted (admin_user_deleted)
// that no account has now, as a delete does since names are held, so
// that a store written before then refuses those names to sign-up too
// (docs/contract.md, "Names of deleted accounts"). Each name held is
// audited admin_name_held and printed; a name the trail no longer keeps
// is not found.
func holdDeleted(ctx context.Context, users *storeusers.Backend, audits auth.AuditLog, stdout io.Writer) error {
	names := map[string]bool{}
	f := auth.AuditFilter{Event: "admin_user_deleted", Class: auth.AuditHistory}
	for cursor := ""; ; {
		recs, next, err := audits.Page(ctx, f, cursor, 1000)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.User != "" && r.User != auth.UnknownName {
				names[r.User] = true
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	held := 0
	for _, n := range sorted {
		ok, err := users.Hold(ctx, n)
		if err != nil {
			return err
		}
		if !ok {
			continue // an account has it, or it is held already
		}
		held++
		auditOp(ctx, audits, auth.AuditRecord{Event: "admin_name_held", User: n})
		if _, err := fmt.Fprintf(stdout, "held %s\n", n); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(stdout, "%d deleted account names in the audit trail, %d held now (the others are held already or an account has them)\n", len(sorted), held)
	return err
}
