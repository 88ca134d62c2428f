package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kassa-dev/kassa"
)

const (
	insertActionSQL = `
		INSERT INTO actions (order_id, kind, transaction_id, lines, amount, state, error_code,
			error_message, error_trace_id, attempts, mapi_action_id, source, creator, created_at, updated_at,
			next_attempt_at, resumes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateActionSQL = `
		UPDATE actions SET state = ?, error_code = ?, error_message = ?, error_trace_id = ?, attempts = ?,
			mapi_action_id = ?, lines = ?, amount = ?, updated_at = ?, next_attempt_at = ?, resumes = ?
		WHERE id = ?`
	// lockOrderVersionSQL takes the order's row lock (on SQLite the
	// write lock is the database's) for the rest of the transaction,
	// if the order is still at the version given; it changes nothing.
	lockOrderVersionSQL = `UPDATE orders SET version = version WHERE id = ? AND version = ?`
	unsettledActionSQL  = `SELECT transaction_id, state FROM actions
		WHERE order_id = ? AND state IN ('pending', 'failed') LIMIT 1`
	deleteLinesSQL = `DELETE FROM order_lines WHERE order_id = ?`
	setTotalsSQL   = `UPDATE orders SET total = ?, vat_total = ? WHERE id = ?`
)

// ActionColumns are the columns of the actions table that QueryActions
// scans, in its order.
const ActionColumns = `id, order_id, kind, transaction_id, lines, amount, state, error_code,
	error_message, error_trace_id, attempts, mapi_action_id, source, creator, created_at, updated_at,
	next_attempt_at, resumes`

// CreateAction stores a new action. See kassa.Store.
func (s *Store) CreateAction(ctx context.Context, a *kassa.Action) (err error) {
	defer s.wrap(&err, "CreateAction(%q)", a.TransactionID)
	if err := ValidateAction(a); err != nil {
		return err
	}
	lines, err := MarshalLines(a.Lines)
	if err != nil {
		return err
	}
	now := s.now()
	var id int64
	err = s.b.Transact(ctx, func(tx *Runner) error {
		if err := s.guardAction(ctx, tx, a); err != nil {
			return err
		}
		id, err = s.insertID(ctx, tx, s.q.insertAction,
			a.OrderID, a.Kind, a.TransactionID, lines, a.Amount, a.State, a.Error.Code, a.Error.Message,
			a.Error.TraceID, a.Attempts, a.MAPIActionID, a.Source, a.Creator, now.UnixMilli(), now.UnixMilli(),
			Millis(a.NextAttemptAt), a.Resumes)
		if err != nil {
			if t := s.d.Translate(err); t != nil && t.Code == kassa.ECONFLICT {
				return kassa.Errorf(kassa.ECONFLICT, "The action %s exists already: another %s of this order was made at the same moment; reload the order and check it before trying again.",
					a.TransactionID, a.Kind)
			}
			return fmt.Errorf("insert action: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.ID, a.CreatedAt, a.UpdatedAt = id, now, now
	return nil
}

// guardAction checks, when a.OrderVersion is set, that a's order is still
// at that version (holding the order's row lock for the rest of tx, so
// that the checks and the insert are one step for every other writer of
// the order) and has no action pending or failed. See kassa.Actions.
func (s *Store) guardAction(ctx context.Context, tx *Runner, a *kassa.Action) error {
	if a.OrderVersion == 0 {
		return nil
	}
	res, err := tx.ExecContext(ctx, lockOrderVersionSQL, a.OrderID, a.OrderVersion)
	if err != nil {
		return fmt.Errorf("lock order: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		var v int64
		if err := tx.QueryRowContext(ctx, versionSQL, a.OrderID).Scan(&v); errors.Is(err, sql.ErrNoRows) {
			return kassa.Errorf(kassa.ENOTFOUND, "Order %d does not exist.", a.OrderID)
		} else if err != nil {
			return fmt.Errorf("read order version: %w", err)
		}
		return kassa.Errorf(kassa.ECONFLICT, "The order was changed by someone else while this %s was prepared; reload it and check it before trying again.", a.Kind)
	}
	var txID, state string
	err = tx.QueryRowContext(ctx, unsettledActionSQL, a.OrderID).Scan(&txID, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("read unsettled actions: %w", err)
	}
	return kassa.Errorf(kassa.ECONFLICT, "The action %s of this order is still %s at Resurs Bank; wait for it, or retry it, before anything else.",
		txID, state)
}

// UpdateAction writes an action's mutable fields. See kassa.Store.
func (s *Store) UpdateAction(ctx context.Context, a *kassa.Action) (err error) {
	defer s.wrap(&err, "UpdateAction(%d)", a.ID)
	if err := ValidateActionUpdate(a); err != nil {
		return err
	}
	lines, err := MarshalLines(a.Lines)
	if err != nil {
		return err
	}
	now := s.now()
	res, err := s.b.Writer().ExecContext(ctx, updateActionSQL,
		a.State, a.Error.Code, a.Error.Message, a.Error.TraceID, a.Attempts, a.MAPIActionID, lines, a.Amount,
		now.UnixMilli(), Millis(a.NextAttemptAt), a.Resumes, a.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = kassa.Errorf(kassa.ENOTFOUND, "Action %d does not exist.", a.ID)
		}
		return err
	}
	a.UpdatedAt = now
	return nil
}

// Action returns one action; ENOTFOUND if unknown.
func (s *Store) Action(ctx context.Context, id int64) (_ *kassa.Action, err error) {
	defer s.wrap(&err, "Action(%d)", id)
	return s.oneAction(ctx, `SELECT `+ActionColumns+` FROM actions WHERE id = ?`, id,
		fmt.Sprintf("Action %d does not exist.", id))
}

// ActionByTransactionID returns the action carrying transactionID.
func (s *Store) ActionByTransactionID(ctx context.Context, transactionID string) (_ *kassa.Action, err error) {
	defer s.wrap(&err, "ActionByTransactionID(%q)", transactionID)
	return s.oneAction(ctx, `SELECT `+ActionColumns+` FROM actions WHERE transaction_id = ?`, transactionID,
		fmt.Sprintf("No action has transactionId %s.", transactionID))
}

func (s *Store) oneAction(ctx context.Context, query string, arg any, notFound string) (*kassa.Action, error) {
	list, err := QueryActions(ctx, s.b.Reader(), query, arg)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "%s", notFound)
	}
	return list[0], nil
}

// Actions lists actions, and the total matching f. See kassa.Store.
func (s *Store) Actions(ctx context.Context, f kassa.ActionFilter) (_ []*kassa.Action, _ int, err error) {
	defer s.wrap(&err, "Actions")
	var conds []string
	var args []any
	if f.State != "" {
		conds, args = append(conds, `state = ?`), append(args, f.State)
	}
	if f.OrderID != 0 {
		conds, args = append(conds, `order_id = ?`), append(args, f.OrderID)
	}
	total, err := s.cappedCount(ctx, "actions", where(conds), args)
	if err != nil {
		return nil, 0, err
	}
	p := newPage(f.OrderID == 0, f.After, f.Before, f.Limit, f.Offset)
	keyConds, keyArgs := p.conds("id")
	conds, args = append(conds, keyConds...), append(args, keyArgs...)
	tail, args := p.tail("id", args)
	list, err := QueryActions(ctx, s.b.Reader(), `SELECT `+ActionColumns+` FROM actions`+where(conds)+tail, args...)
	return finish(p, list), total, err
}

// ReplaceOrderLines is UpdateOrder that also replaces the lines and totals
// and moves the stock reservation with them. See kassa.Store.
func (s *Store) ReplaceOrderLines(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) (err error) {
	defer s.wrap(&err, "ReplaceOrderLines(%d)", o.ID)
	if err := ValidateReplace(o); err != nil {
		return err
	}
	return s.changeOrder(ctx, o, ev, then, func(ctx context.Context, tx *Runner) error { return s.replaceLines(ctx, tx, o) })
}

// replaceLines gives back the stock of the stored lines (unless it was
// released), replaces the lines and totals, and reserves the new lines.
func (s *Store) replaceLines(ctx context.Context, tx *Runner, o *kassa.Order) error {
	var storedReleased bool
	if err := tx.QueryRowContext(ctx, s.q.storedReleased, o.ID).Scan(&storedReleased); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return kassa.Errorf(kassa.ENOTFOUND, "Order %d does not exist.", o.ID)
		}
		return err
	}
	if !storedReleased {
		if _, err := tx.ExecContext(ctx, s.d.ReleaseSQL, o.ID); err != nil {
			return fmt.Errorf("return stock: %w", err)
		}
		if err := reserve(ctx, tx, o.Lines); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, deleteLinesSQL, o.ID); err != nil {
		return fmt.Errorf("delete lines: %w", err)
	}
	if err := insertLines(ctx, tx, o.ID, o.Lines); err != nil {
		return fmt.Errorf("insert lines: %w", err)
	}
	if _, err := tx.ExecContext(ctx, setTotalsSQL, o.Total, o.VATTotal, o.ID); err != nil {
		return fmt.Errorf("set totals: %w", err)
	}
	return nil
}
