package main

// An operator command keeps no journal of its writes (docs/contract.md,
// "Failover durability"): it exits right after them. So it ends well only
// once the replicas its master had when it began have them all, and says
// so otherwise: a revocation, a disable or a password change it reported
// done must not be undone by a failover in the same second.

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
)

// replicaWait bounds how long an operator command waits for its master's
// replicas to confirm its writes.
const replicaWait = 3 * time.Second

// replication gathers what the stores a command opened found when they
// confirmed its writes on the replicas.
type replication struct {
	mu   sync.Mutex
	errs []error
}

type replicationKey struct{}

// withReplication returns ctx carrying a gathering of the command's
// confirmations, and the function that reports their failures once the
// command is done (its stores closed).
func withReplication(ctx context.Context) (context.Context, func() error) {
	r := &replication{}
	return context.WithValue(ctx, replicationKey{}, r), func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		return errors.Join(r.errs...)
	}
}

// confirmReplicated waits until the replicas st's masters had at mark
// have st's writes (redisstore.Store.ConfirmReplicated), and records a
// failure in ctx's gathering.
func confirmReplicated(ctx context.Context, st *redisstore.Store, mark redisstore.ReplicaMark) {
	r, _ := ctx.Value(replicationKey{}).(*replication)
	if r == nil {
		return
	}
	err := st.ConfirmReplicated(context.WithoutCancel(ctx), mark, replicaWait)
	if err == nil {
		return
	}
	if errors.Is(err, redisstore.ErrNotReplicated) {
		err = errors.New("the change was made on the Redis master, but " + err.Error() + "; run the command again once Redis is healthy")
	}
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}
