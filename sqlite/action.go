package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// Write statements, prepared at Open.
var (
	insertActionSQL = write(`
		INSERT INTO actions (order_id, kind, transaction_id, lines, amount, state, error_code,
			error_message, error_trace_id, attempts, mapi_action_id, source, creator, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	updateActionSQL = write(`
		UPDATE actions SET state = ?, error_code = ?, error_message = ?, error_trace_id = ?, attempts = ?,
			mapi_action_id = ?, lines = ?, amount = ?, updated_at = ?
		WHERE id = ?`)
	storedReleasedSQL = write(`SELECT stock_released FROM orders WHERE id = ?`)
	deleteLinesSQL    = write(`DELETE FROM order_lines WHERE order_id = ?`)
	setTotalsSQL      = write(`UPDATE orders SET total = ?, vat_total = ? WHERE id = ?`)
)

const actionColumns = `id, order_id, kind, transaction_id, lines, amount, state, error_code,
	error_message, error_trace_id, attempts, mapi_action_id, source, creator, created_at, updated_at`

// CreateAction stores a new action and runs then in the same transaction.
// See kassa.Store.
func (db *DB) CreateAction(ctx context.Context, a *kassa.Action, then kassa.TxFunc) (err error) {
	defer wrap(&err, "sqlite.CreateAction(%q)", a.TransactionID)
	if err := sqlstore.ValidateAction(a); err != nil {
		return err
	}
	lines, err := sqlstore.MarshalLines(a.Lines)
	if err != nil {
		return err
	}
	now := db.now()
	var id int64
	err = db.transact(ctx, func(tx runner) error {
		err := tx.QueryRowContext(ctx, insertActionSQL,
			a.OrderID, a.Kind, a.TransactionID, lines, a.Amount, a.State, a.Error.Code, a.Error.Message,
			a.Error.TraceID, a.Attempts, a.MAPIActionID, a.Source, a.Creator, now.UnixMilli(), now.UnixMilli(),
		).Scan(&id)
		if err != nil {
			return fmt.Errorf("insert action: %w", err)
		}
		a.ID = id // the hook needs it (a job carries the action id)
		return runHook(ctx, tx, then)
	})
	if err != nil {
		a.ID = 0
		return err
	}
	a.CreatedAt, a.UpdatedAt = now, now
	return nil
}

// UpdateAction writes an action's mutable fields. See kassa.Store.
func (db *DB) UpdateAction(ctx context.Context, a *kassa.Action) (err error) {
	defer wrap(&err, "sqlite.UpdateAction(%d)", a.ID)
	if !a.State.Valid() {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The action is invalid.",
			Fields: []kassa.FieldError{{Field: "state", Message: fmt.Sprintf("unknown state %q", a.State)}}}
	}
	lines, err := sqlstore.MarshalLines(a.Lines)
	if err != nil {
		return err
	}
	now := db.now()
	res, err := db.writer().ExecContext(ctx, updateActionSQL,
		a.State, a.Error.Code, a.Error.Message, a.Error.TraceID, a.Attempts, a.MAPIActionID, lines, a.Amount,
		now.UnixMilli(), a.ID)
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
func (db *DB) Action(ctx context.Context, id int64) (_ *kassa.Action, err error) {
	defer wrap(&err, "sqlite.Action(%d)", id)
	return db.oneAction(ctx, `SELECT `+actionColumns+` FROM actions WHERE id = ?`, id,
		fmt.Sprintf("Action %d does not exist.", id))
}

// ActionByTransactionID returns the action carrying transactionID.
func (db *DB) ActionByTransactionID(ctx context.Context, transactionID string) (_ *kassa.Action, err error) {
	defer wrap(&err, "sqlite.ActionByTransactionID(%q)", transactionID)
	return db.oneAction(ctx, `SELECT `+actionColumns+` FROM actions WHERE transaction_id = ?`, transactionID,
		fmt.Sprintf("No action has transactionId %s.", transactionID))
}

func (db *DB) oneAction(ctx context.Context, query string, arg any, notFound string) (*kassa.Action, error) {
	list, err := sqlstore.QueryActions(ctx, db.reader(), query, arg)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "%s", notFound)
	}
	return list[0], nil
}

// Actions lists actions, and the total matching f. See kassa.Store.
func (db *DB) Actions(ctx context.Context, f kassa.ActionFilter) (_ []*kassa.Action, _ int, err error) {
	defer wrap(&err, "sqlite.Actions")
	var conds []string
	var args []any
	if f.State != "" {
		conds, args = append(conds, `state = ?`), append(args, f.State)
	}
	order := ` ORDER BY id DESC`
	if f.OrderID != 0 {
		conds, args = append(conds, `order_id = ?`), append(args, f.OrderID)
		order = ` ORDER BY id`
	}
	where := ""
	if conds != nil {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := db.reader().QueryRowContext(ctx, `SELECT count(*) FROM actions`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	args = append(args, limit(f.Limit), max(f.Offset, 0))
	list, err := sqlstore.QueryActions(ctx, db.reader(), `SELECT `+actionColumns+` FROM actions`+where+order+
		` LIMIT ? OFFSET ?`, args...)
	return list, total, err
}

// ReplaceOrderLines is UpdateOrder that also replaces the lines and totals
// and moves the stock reservation with them. See kassa.Store.
func (db *DB) ReplaceOrderLines(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) (err error) {
	defer wrap(&err, "sqlite.ReplaceOrderLines(%d)", o.ID)
	if err := sqlstore.ValidateReplace(o); err != nil {
		return err
	}
	now := db.now()
	released := false
	err = db.transact(ctx, func(tx runner) error {
		if err := casOrder(ctx, tx, o, now); err != nil {
			return err
		}
		if err := replaceLines(ctx, tx, o); err != nil {
			return err
		}
		if o.Status.ReleasesStock() {
			var err error
			if released, err = releaseStock(ctx, tx, o.ID); err != nil {
				return err
			}
		}
		if ev != nil {
			ev.OrderID = o.ID
			if err := insertEvent(ctx, tx, ev, now); err != nil {
				return err
			}
		}
		return runHook(ctx, tx, then)
	})
	if err != nil {
		return err
	}
	o.Version++
	o.UpdatedAt = now
	o.StockReleased = o.StockReleased || released
	return nil
}

// replaceLines gives back the stock of the stored lines (unless it was
// released), replaces the lines and totals, and reserves the new lines.
func replaceLines(ctx context.Context, tx runner, o *kassa.Order) error {
	var storedReleased bool
	if err := tx.QueryRowContext(ctx, storedReleasedSQL, o.ID).Scan(&storedReleased); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return kassa.Errorf(kassa.ENOTFOUND, "Order %d does not exist.", o.ID)
		}
		return err
	}
	if !storedReleased {
		if _, err := tx.ExecContext(ctx, releaseSQL, o.ID); err != nil {
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
