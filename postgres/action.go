package postgres

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// claimActionsSQL is claimSQL (callback.go) for pending actions: it locks
// the due actions no concurrent claim holds, leases them and returns them
// in order of their due time before the lease. The state is a literal so
// that the partial index actions_due applies.
const claimActionsSQL = `
	WITH due AS (
		SELECT id AS due_id, next_attempt_at AS due_at FROM actions
		WHERE state = 'pending' AND next_attempt_at <= ?
		ORDER BY next_attempt_at, id LIMIT ?
		FOR UPDATE SKIP LOCKED
	), leased AS (
		UPDATE actions SET next_attempt_at = ? FROM due WHERE id = due_id
		RETURNING ` + sqlstore.ActionColumns + `, due_at
	)
	SELECT ` + sqlstore.ActionColumns + ` FROM leased ORDER BY due_at, id`

// ClaimActions returns up to limit pending actions that are due at now,
// earliest first, and leases them until lease. See kassa.Store. It is one
// statement, hence one transaction.
func (db *DB) ClaimActions(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Action, err error) {
	defer wrap(&err, "postgres.ClaimActions")
	if err := sqlstore.ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	return sqlstore.QueryActions(ctx, db.writer(), claimActionsSQL, now.UnixMilli(), limit, lease.UnixMilli())
}
