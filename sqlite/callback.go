package sqlite

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// The claim's write statements, prepared at Open.
var (
	// The claim selects the due entries, then leases the same ones: the
	// single writer keeps anything from changing between the two. The state
	// is a literal so that the partial index callbacks_due applies.
	claimSelectSQL = write(`SELECT ` + sqlstore.CallbackColumns + ` FROM callbacks
		WHERE state = 'received' AND next_attempt_at <= ?1
		ORDER BY next_attempt_at, id LIMIT ?2`)
	claimLeaseSQL = write(`
		UPDATE callbacks SET next_attempt_at = ?3
		WHERE id IN (SELECT id FROM callbacks
			WHERE state = 'received' AND next_attempt_at <= ?1
			ORDER BY next_attempt_at, id LIMIT ?2)`)
)

// anyDueSQL tells on the read pool whether a claim would find anything.
const anyDueSQL = `SELECT EXISTS (SELECT 1 FROM callbacks
	WHERE state = 'received' AND next_attempt_at <= ?)`

// ClaimCallbacks returns up to limit received entries that are due at now,
// earliest first, and leases them until lease. See kassa.Store.
func (db *DB) ClaimCallbacks(ctx context.Context, now, lease time.Time, limit int) (_ []*kassa.Callback, err error) {
	defer wrap(&err, "sqlite.ClaimCallbacks")
	if err := sqlstore.ValidateClaim(now, lease, limit); err != nil {
		return nil, err
	}
	// Most calls find nothing: ask a reader first and leave the write
	// connection to the writers.
	var due bool
	if err := db.reader().QueryRowContext(ctx, anyDueSQL, now.UnixMilli()).Scan(&due); err != nil || !due {
		return nil, err
	}
	var cbs []*kassa.Callback
	err = db.transact(ctx, func(tx *sqlstore.Runner) error {
		var err error
		cbs, err = sqlstore.QueryCallbacks(ctx, tx, claimSelectSQL, now.UnixMilli(), limit)
		if err != nil || len(cbs) == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, claimLeaseSQL, now.UnixMilli(), limit, lease.UnixMilli())
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, cb := range cbs {
		cb.NextAttemptAt = time.UnixMilli(lease.UnixMilli()).UTC()
	}
	return cbs, nil
}
