package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// Write statements.
var (
	insertCallbackSQL = `
		INSERT INTO callbacks (kind, order_id, payment_id, dedup_key, original, body, state, attempts,
			error, received_at, processed_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (dedup_key) WHERE dedup_key <> '' AND original DO NOTHING
		RETURNING id`
	updateCallbackSQL = `
		UPDATE callbacks SET state = $1, attempts = $2, error = $3, order_id = $4, processed_at = $5,
			next_attempt_at = $6
		WHERE id = $7`
	// claimSQL locks the due entries that no concurrent claim holds (SKIP
	// LOCKED: a second claim takes the next ones instead of waiting, and
	// re-checks a row another claim leased meanwhile), leases them and
	// returns them in order of their due time before the lease. The state
	// is a literal so that the partial index callbacks_due applies.
	claimSQL = `
		WITH due AS (
			SELECT id AS due_id, next_attempt_at AS due_at FROM callbacks
			WHERE state = 'received' AND next_attempt_at <= $1
			ORDER BY next_attempt_at, id LIMIT $2
			FOR UPDATE SKIP LOCKED
		), leased AS (
			UPDATE callbacks SET next_attempt_at = $3 FROM due WHERE id = due_id
			RETURNING ` + sqlstore.CallbackColumns + `, due_at
		)
		SELECT ` + sqlstore.CallbackColumns + ` FROM leased ORDER BY due_at, id`
)

// RecordCallback stores cb; a repeated dedup key is stored as a duplicate
// and then is not run. See kassa.Store.
func (db *DB) RecordCallback(ctx context.Context, cb *kassa.Callback, then kassa.TxFunc) (duplicate bool, err error) {
	defer wrap(&err, "postgres.RecordCallback(%q)", cb.DedupKey)
	if cb.State == "" {
		cb.State = kassa.CallbackReceived
	}
	now := db.now()
	var id int64
	err = db.transact(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = insertCallback(ctx, tx, cb, cb.State, true, cb.NextAttemptAt, now); err != nil {
			return err
		}
		if duplicate = id == 0; duplicate {
			id, err = insertCallback(ctx, tx, cb, kassa.CallbackDuplicate, false, time.Time{}, now)
			return err
		}
		cb.ID = id // the hook needs it (the engine's job carries the callback id)
		return runHook(ctx, tx, then)
	})
	if err != nil {
		return false, err
	}
	cb.ID, cb.ReceivedAt = id, now
	if duplicate {
		cb.State, cb.NextAttemptAt = kassa.CallbackDuplicate, time.Time{}
	}
	return duplicate, nil
}

// insertCallback stores cb in state, due at next, and returns its id. As
// the original of its dedup key it stores nothing and returns 0 when an
// original exists.
func insertCallback(ctx context.Context, tx *sql.Tx, cb *kassa.Callback, state kassa.CallbackState,
	original bool, next, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, insertCallbackSQL,
		cb.Kind, sqlstore.NullID(cb.OrderID), cb.PaymentID, cb.DedupKey, original, body(cb.Body), state,
		cb.Attempts, cb.Error, now.UnixMilli(), sqlstore.Millis(cb.ProcessedAt), sqlstore.Millis(next),
	).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("insert callback: %w", err)
	}
	return id, nil
}

// body never stores NULL for an empty body.
func body(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Callback returns one inbox entry; ENOTFOUND if unknown.
func (db *DB) Callback(ctx context.Context, id int64) (_ *kassa.Callback, err error) {
	defer wrap(&err, "postgres.Callback(%d)", id)
	cbs, err := sqlstore.QueryCallbacks(ctx, db.reader(), `SELECT `+sqlstore.CallbackColumns+` FROM callbacks WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(cbs) == 0 {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "Callback %d does not exist.", id)
	}
	return cbs[0], nil
}

// Callbacks lists inbox entries newest first, and the total matching f.
func (db *DB) Callbacks(ctx context.Context, f kassa.CallbackFilter) (_ []*kassa.Callback, _ int, err error) {
	defer wrap(&err, "postgres.Callbacks")
	var conds []string
	var args args
	if f.State != "" {
		conds = append(conds, `state = `+args.add(f.State))
	}
	if f.OrderID != 0 {
		conds = append(conds, `order_id = `+args.add(f.OrderID))
	}
	where := ""
	if conds != nil {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := db.reader().QueryRowContext(ctx, `SELECT count(*) FROM callbacks`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page := ` ORDER BY id DESC LIMIT ` + args.add(limit(f.Limit)) + ` OFFSET ` + args.add(max(f.Offset, 0))
	cbs, err := sqlstore.QueryCallbacks(ctx, db.reader(), `SELECT `+sqlstore.CallbackColumns+` FROM callbacks`+where+page, args...)
	return cbs, total, err
}

// UpdateCallback writes State, Attempts, Error, OrderID, ProcessedAt and
// NextAttemptAt, and runs then in the same transaction.
func (db *DB) UpdateCallback(ctx context.Context, cb *kassa.Callback, then kassa.TxFunc) (err error) {
	defer wrap(&err, "postgres.UpdateCallback(%d)", cb.ID)
	if then == nil {
		return updateCallback(ctx, db.writer(), cb)
	}
	return db.transact(ctx, func(tx *sql.Tx) error {
		if err := updateCallback(ctx, tx, cb); err != nil {
			return err
		}
		return runHook(ctx, tx, then)
	})
}

// CallbackWrite is UpdateCallback as a TxFunc for the then of another
// write of db: it runs in that write's transaction.
func (db *DB) CallbackWrite(cb *kassa.Callback) kassa.TxFunc {
	return func(ctx context.Context, tx *sql.Tx) (err error) {
		defer wrap(&err, "postgres.CallbackWrite(%d)", cb.ID)
		return updateCallback(ctx, tx, cb)
	}
}

// updateCallback validates cb and writes its mutable fields; ENOTFOUND
// when it does not exist.
func updateCallback(ctx context.Context, q querier, cb *kassa.Callback) error {
	if err := sqlstore.ValidateCallbackUpdate(cb); err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, updateCallbackSQL, cb.State, cb.Attempts, cb.Error,
		sqlstore.NullID(cb.OrderID), sqlstore.Millis(cb.ProcessedAt), sqlstore.Millis(cb.NextAttemptAt), cb.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return kassa.Errorf(kassa.ENOTFOUND, "Callback %d does not exist.", cb.ID)
}

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
