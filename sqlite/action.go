package sqlite

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// The action claim's write statements, prepared at Open. As the callback
// claim (callback.go), it selects the due actions, then leases the same
// ones; the state is a literal so that the partial index actions_due
// applies.
var (
	claimActionsSelectSQL = write(`SELECT ` + sqlstore.ActionColumns + ` FROM actions
		WHERE state = 'pending' AND next_attempt_at <= ?1
		ORDER BY next_attempt_at, id LIMIT ?2`)
	claimActionsLeaseSQL = write(`
		UPDATE actions SET next_attempt_at = ?3
		WHERE id IN (SELECT id FROM actions
			WHERE state = 'pending' AND next_attempt_at <= ?1
			ORDER BY next_attempt_at, id LIMIT ?2)`)
)

// anyActionDueSQL tells on the read pool whether a claim would find
// anything.
const anyActionDueSQL = `SELECT EXISTS (SELECT 1 FROM actions
	WHERE state = 'pending' AND next_attempt_at <= ?)`

// ClaimActions returns up to limit pending actions that are due at now,
// earliest first, and leases them until lease. See kassa.Store.
func (db *DB) ClaimActions(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Action, err error) {
	defer wrap(&err, "sqlite.ClaimActions")
	if err := sqlstore.ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	// Most calls find nothing: ask a reader first and leave the write
	// connection to the writers.
	var due bool
	if err := db.reader().QueryRowContext(ctx, anyActionDueSQL, now.UnixMilli()).Scan(&due); err != nil || !due {
		return nil, err
	}
	var as []*kassa.Action
	err = db.transact(ctx, func(tx *sqlstore.Runner) error {
		var err error
		as, err = sqlstore.QueryActions(ctx, tx, claimActionsSelectSQL, now.UnixMilli(), limit)
		if err != nil || len(as) == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, claimActionsLeaseSQL, now.UnixMilli(), limit, lease.UnixMilli())
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		a.NextAttemptAt = time.UnixMilli(lease.UnixMilli()).UTC()
	}
	return as, nil
}
