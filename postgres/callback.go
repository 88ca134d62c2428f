package postgres

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

const (
	// claimSQL locks the due entries that no concurrent claim holds (SKIP
	// LOCKED: a second claim takes the next ones instead of waiting, and
	// re-checks a row another claim leased meanwhile), leases them and
	// returns them in order of their due time before the lease. The state
	// is a literal so that the partial index callbacks_due applies.
	claimSQL = `
		WITH due AS (
			SELECT id AS due_id, next_attempt_at AS due_at FROM callbacks
			WHERE state = 'received' AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?
			FOR UPDATE SKIP LOCKED
		), leased AS (
			UPDATE callbacks SET next_attempt_at = ? FROM due WHERE id = due_id
			RETURNING ` + sqlstore.CallbackColumns + `, due_at
		)
		SELECT ` + sqlstore.CallbackColumns + ` FROM leased ORDER BY due_at, id`
)

// ClaimCallbacks returns up to limit received entries that are due at now,
// earliest first, and leases them until lease. See kassa.Store. It is one
// statement, hence one transaction, and one index scan when nothing is due.
func (db *DB) ClaimCallbacks(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Callback, err error) {
	defer wrap(&err, "postgres.ClaimCallbacks")
	if err := sqlstore.ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	return sqlstore.QueryCallbacks(ctx, db.writer(), claimSQL, now.UnixMilli(), limit, lease.UnixMilli())
}
