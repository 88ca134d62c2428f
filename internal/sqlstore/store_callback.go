package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// CallbackInsertColumns are the columns, in order, whose values
// Dialect.InsertCallbackSQL takes.
const CallbackInsertColumns = `kind, order_id, payment_id, dedup_key, original, body, state, attempts,
			error, received_at, processed_at, next_attempt_at`

const updateCallbackSQL = `
		UPDATE callbacks SET state = ?, attempts = ?, error = ?, order_id = ?, processed_at = ?,
			next_attempt_at = ?
		WHERE id = ?`

// RecordCallback stores cb; a repeated dedup key is stored as a duplicate
// and then is not run. See kassa.Store.
func (s *Store) RecordCallback(ctx context.Context, cb *kassa.Callback, then kassa.TxFunc) (duplicate bool, err error) {
	defer s.wrap(&err, "RecordCallback(%q)", cb.DedupKey)
	if cb.State == "" {
		cb.State = kassa.CallbackReceived
	}
	now := s.now()
	var id int64
	err = s.b.Transact(ctx, func(tx *Runner) error {
		var err error
		if id, err = s.insertCallback(ctx, tx, cb, cb.State, true, cb.NextAttemptAt, now); err != nil {
			return err
		}
		if duplicate = id == 0; duplicate {
			id, err = s.insertCallback(ctx, tx, cb, kassa.CallbackDuplicate, false, time.Time{}, now)
			return err
		}
		cb.ID = id // the hook needs it (the engine's job carries the callback id)
		return s.runHook(ctx, tx, then)
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
func (s *Store) insertCallback(ctx context.Context, tx *Runner, cb *kassa.Callback, state kassa.CallbackState,
	original bool, next, now time.Time) (int64, error) {
	id, err := s.insertID(ctx, tx, s.q.insertCallback,
		cb.Kind, NullID(cb.OrderID), cb.PaymentID, cb.DedupKey, original, body(cb.Body), state,
		cb.Attempts, cb.Error, now.UnixMilli(), Millis(cb.ProcessedAt), Millis(next))
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
func (s *Store) Callback(ctx context.Context, id int64) (_ *kassa.Callback, err error) {
	defer s.wrap(&err, "Callback(%d)", id)
	return rowByID(ctx, s, "callbacks", CallbackColumns, QueryCallbacks, "Callback", id)
}

// Callbacks lists inbox entries newest first, and the total matching f.
func (s *Store) Callbacks(ctx context.Context, f kassa.CallbackFilter) (_ []*kassa.Callback, _ int, err error) {
	defer s.wrap(&err, "Callbacks")
	return pageByStateAndOrder(ctx, s, "callbacks", CallbackColumns, QueryCallbacks, string(f.State), f.OrderID,
		newPage(true, f.After, f.Before, f.Limit, f.Offset))
}

// UpdateCallback writes State, Attempts, Error, OrderID, ProcessedAt and
// NextAttemptAt, and runs then in the same transaction.
func (s *Store) UpdateCallback(ctx context.Context, cb *kassa.Callback, then kassa.TxFunc) (err error) {
	defer s.wrap(&err, "UpdateCallback(%d)", cb.ID)
	if then == nil {
		return updateCallback(ctx, s.b.Writer(), cb)
	}
	return s.b.Transact(ctx, func(tx *Runner) error {
		if err := updateCallback(ctx, tx, cb); err != nil {
			return err
		}
		return s.runHook(ctx, tx, then)
	})
}

// updateCallback validates cb and writes its mutable fields; ENOTFOUND
// when it does not exist.
func updateCallback(ctx context.Context, q *Runner, cb *kassa.Callback) error {
	if err := ValidateCallbackUpdate(cb); err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, updateCallbackSQL, cb.State, cb.Attempts, cb.Error,
		NullID(cb.OrderID), Millis(cb.ProcessedAt), Millis(cb.NextAttemptAt), cb.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return kassa.Errorf(kassa.ENOTFOUND, "Callback %d does not exist.", cb.ID)
}
