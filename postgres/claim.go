package postgres

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// claimSQL returns the claim of the work queue (docs/architecture.md §The
// work queue) on table, whose rows wait in state and are read as columns.
// It locks the due rows that no concurrent claim holds (SKIP LOCKED: a
// second claim takes the next ones instead of waiting, and re-checks a row
// another claim leased meanwhile), leases them and returns them in order
// of their due time before the lease. It is one statement, hence one
// transaction, and one index scan when nothing is due: the state is a
// literal so that the table's partial index (callbacks_due, actions_due)
// applies.
func claimSQL(table, state, columns string) string {
	return `
		WITH due AS (
			SELECT id AS due_id, next_attempt_at AS due_at FROM ` + table + `
			WHERE state = '` + state + `' AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?
			FOR UPDATE SKIP LOCKED
		), leased AS (
			UPDATE ` + table + ` SET next_attempt_at = ? FROM due WHERE id = due_id
			RETURNING ` + columns + `, due_at
		)
		SELECT ` + columns + ` FROM leased ORDER BY due_at, id`
}

var (
	claimCallbacksSQL = claimSQL("callbacks", string(kassa.CallbackReceived), sqlstore.CallbackColumns)
	claimActionsSQL   = claimSQL("actions", string(kassa.ActionPending), sqlstore.ActionColumns)
)

// ClaimCallbacks returns up to limit received entries that are due at now,
// earliest first, and leases them until lease. See kassa.Inbox.
func (db *DB) ClaimCallbacks(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Callback, err error) {
	defer wrap(&err, "postgres.ClaimCallbacks")
	if err := sqlstore.ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	return sqlstore.QueryCallbacks(ctx, db.writer(), claimCallbacksSQL, now.UnixMilli(), limit, lease.UnixMilli())
}

// ClaimActions returns up to limit pending actions that are due at now,
// earliest first, and leases them until lease. See kassa.Actions.
func (db *DB) ClaimActions(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Action, err error) {
	defer wrap(&err, "postgres.ClaimActions")
	if err := sqlstore.ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	return sqlstore.QueryActions(ctx, db.writer(), claimActionsSQL, now.UnixMilli(), limit, lease.UnixMilli())
}
