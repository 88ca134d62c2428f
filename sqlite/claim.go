package sqlite

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// A claim of the work queue (docs/architecture.md §The work queue) selects
// the due rows of one table, then leases the same ones: the single writer
// keeps anything from changing between the two statements. The waiting
// state is a literal so that the table's partial index (callbacks_due,
// actions_due) applies.
type claimSQL struct {
	anyDue string // on the read pool: would a claim find anything?
	sel    string // the due rows, earliest first (write pool)
	lease  string // moves their next_attempt_at to the lease (write pool)
}

// newClaimSQL returns the claim statements of table, whose rows wait in
// state, read as columns; the write statements are prepared at Open.
func newClaimSQL(table, state, columns string) claimSQL {
	due := table + ` WHERE state = '` + state + `' AND next_attempt_at <= ?1`
	return claimSQL{
		anyDue: `SELECT EXISTS (SELECT 1 FROM ` + due + `)`,
		sel:    write(`SELECT ` + columns + ` FROM ` + due + ` ORDER BY next_attempt_at, id LIMIT ?2`),
		lease: write(`UPDATE ` + table + ` SET next_attempt_at = ?3 WHERE id IN (SELECT id FROM ` + due +
			` ORDER BY next_attempt_at, id LIMIT ?2)`),
	}
}

var (
	claimCallbacksSQL = newClaimSQL("callbacks", string(kassa.CallbackReceived), sqlstore.CallbackColumns)
	claimActionsSQL   = newClaimSQL("actions", string(kassa.ActionPending), sqlstore.ActionColumns)
)

// ClaimCallbacks returns up to limit received entries that are due at now,
// earliest first, and leases them until lease. See kassa.Inbox.
func (db *DB) ClaimCallbacks(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Callback, err error) {
	defer wrap(&err, "sqlite.ClaimCallbacks")
	cbs, err := claim(ctx, db, claimCallbacksSQL, sqlstore.QueryCallbacks, now, lease, limit)
	for _, cb := range cbs {
		cb.NextAttemptAt = leaseTime(lease)
	}
	return cbs, err
}

// ClaimActions returns up to limit pending actions that are due at now,
// earliest first, and leases them until lease. See kassa.Actions.
func (db *DB) ClaimActions(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Action, err error) {
	defer wrap(&err, "sqlite.ClaimActions")
	as, err := claim(ctx, db, claimActionsSQL, sqlstore.QueryActions, now, lease, limit)
	for _, a := range as {
		a.NextAttemptAt = leaseTime(lease)
	}
	return as, err
}

// claim runs the claim q, reading the rows with query.
func claim[T any](ctx context.Context, db *DB, q claimSQL,
	query func(context.Context, *sqlstore.Runner, string, ...any) ([]T, error),
	now, lease time.Time, limit int) ([]T, error) {
	if err := sqlstore.ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	// Most calls find nothing: ask a reader first and leave the write
	// connection to the writers.
	var due bool
	if err := db.reader().QueryRowContext(ctx, q.anyDue, now.UnixMilli()).Scan(&due); err != nil || !due {
		return nil, err
	}
	var rows []T
	err := db.transact(ctx, func(tx *sqlstore.Runner) error {
		var err error
		rows, err = query(ctx, tx, q.sel, now.UnixMilli(), limit)
		if err != nil || len(rows) == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, q.lease, now.UnixMilli(), limit, lease.UnixMilli())
		return err
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// leaseTime is lease as the store keeps it: milliseconds, UTC.
func leaseTime(lease time.Time) time.Time { return time.UnixMilli(lease.UnixMilli()).UTC() }
