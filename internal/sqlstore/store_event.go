package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

const insertEventSQL = `
		INSERT INTO events (order_id, at, source, from_status, to_status, applied, payment_status, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// AddEvent records an event that changes nothing, and runs then in the
// same transaction.
func (s *Store) AddEvent(ctx context.Context, ev kassa.Event, then kassa.TxFunc) (err error) {
	defer s.wrap(&err, "AddEvent(order %d)", ev.OrderID)
	now := s.now()
	return s.b.Transact(ctx, func(tx *Runner) error {
		if err := s.insertEvent(ctx, tx, &ev, now); err != nil {
			return err
		}
		return s.runHook(ctx, tx, then)
	})
}

// insertEvent inserts ev, stamped now when it has no time, and fills its ID
// (on a Pipe, once the statement has run: Runner.Later).
func (s *Store) insertEvent(ctx context.Context, tx *Runner, ev *kassa.Event, now time.Time) error {
	if ev.At.IsZero() {
		ev.At = now
	}
	ev.At = ev.At.UTC().Truncate(time.Millisecond)
	err := s.insertIDLater(ctx, tx, func(id int64) { ev.ID = id }, s.q.insertEvent,
		ev.OrderID, ev.At.UnixMilli(), ev.Source, ev.From, ev.To, ev.Applied, ev.PaymentStatus, ev.Note)
	if err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}

// Events returns an order's events, oldest first.
func (s *Store) Events(ctx context.Context, orderID int64) (_ []kassa.Event, err error) {
	defer s.wrap(&err, "Events(%d)", orderID)
	rows, err := s.b.Reader().QueryContext(ctx, `
		SELECT id, order_id, at, source, from_status, to_status, applied, payment_status, note
		FROM events WHERE order_id = ? ORDER BY id`, orderID)
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
