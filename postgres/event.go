package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// Write statements.
var (
	insertEventSQL = `
		INSERT INTO events (order_id, at, source, from_status, to_status, applied, payment_status, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`
)

// AddEvent records an event that changes nothing, and runs then in the
// same transaction.
func (db *DB) AddEvent(ctx context.Context, ev kassa.Event, then kassa.TxFunc) (err error) {
	defer wrap(&err, "postgres.AddEvent(order %d)", ev.OrderID)
	now := db.now()
	return db.transact(ctx, func(tx *sql.Tx) error {
		if err := insertEvent(ctx, tx, &ev, now); err != nil {
			return err
		}
		return runHook(ctx, tx, then)
	})
}

// insertEvent inserts ev, stamped now when it has no time, and fills its ID.
func insertEvent(ctx context.Context, tx *sql.Tx, ev *kassa.Event, now time.Time) error {
	if ev.At.IsZero() {
		ev.At = now
	}
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	err := tx.QueryRowContext(ctx, insertEventSQL,
		ev.OrderID, ev.At.UnixMilli(), ev.Source, ev.From, ev.To, ev.Applied, ev.PaymentStatus, ev.Note,
	).Scan(&ev.ID)
	if err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}

// Events returns an order's events, oldest first.
func (db *DB) Events(ctx context.Context, orderID int64) (_ []kassa.Event, err error) {
	defer wrap(&err, "postgres.Events(%d)", orderID)
	rows, err := db.reader().QueryContext(ctx, `
		SELECT id, order_id, at, source, from_status, to_status, applied, payment_status, note
		FROM events WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []kassa.Event
	for rows.Next() {
		var ev kassa.Event
		var at int64
		err := rows.Scan(&ev.ID, &ev.OrderID, &at, &ev.Source, &ev.From, &ev.To, &ev.Applied,
			&ev.PaymentStatus, &ev.Note)
		if err != nil {
			return nil, err
		}
		ev.At = time.UnixMilli(at).UTC()
		evs = append(evs, ev)
	}
	return evs, rows.Err()
}
