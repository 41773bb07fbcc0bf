package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// TestNoTokenNamedAll: "all" names the list of every token's name. Before,
// a token could be called so, and `admin token revoke all` (what an
// operator answering a leak types) deleted that list: every token went on
// working and none was listed any more, so nobody saw them to revoke.
func TestNoTokenNamedAll(t *testing.T) {
	ctx := t.Context()
	st := memstore.New(nil)
	tokens := auth.NewAdminTokens(st, []byte("0123456789abcdef0123456789abcdef"), nil)
	token, err := tokens.Create(ctx, "ci", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Create(ctx, "all", time.Hour); !errors.Is(err, auth.ErrTokenName) {
		t.Errorf("a token named all: %v, want ErrTokenName", err)
	}
	if _, err := tokens.Revoke(ctx, "all"); !errors.Is(err, auth.ErrTokenName) {
		t.Errorf("revoking all: %v, want ErrTokenName", err)
	}
	if list, err := tokens.List(ctx); err != nil || len(list) != 1 || list[0].Name != "ci" {
		t.Fatalf("list after revoking all = %+v, %v; want the ci token", list, err)
	}
	if name, err := tokens.Verify(ctx, token); err != nil || name != "ci" {
		t.Fatalf("the ci token: %q, %v", name, err)
	}
}
