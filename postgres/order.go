package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// Write statements.
var (
	reserveSQL     = `UPDATE products SET stock = stock - $1 WHERE sku = $2 AND stock >= $3`
	stockSQL       = `SELECT stock FROM products WHERE sku = $1`
	insertOrderSQL = `
		INSERT INTO orders (id, number, search, key, callback_token, status, currency, total, vat_total,
			customer, payment_method_id, payment_id, payment_status, status_reason, authorized,
			captured, refunded, canceled, stock_released, version, created_at, updated_at, expires_at,
			next_sync_at, sync_attempts)
		SELECT n.id, n.number, lower(n.number) || $1, $2, $3, $4, $5, $6, $7,
			$8, $9, $10, $11, $12, $13, $14, $15, $16, false, 1, $17, $18, $19, $20, $21
		FROM (SELECT id, 'K' || CASE WHEN id < 1000000 THEN lpad(id::text, 6, '0') ELSE id::text END AS number
			FROM (SELECT nextval('orders_id_seq') AS id) s) n
		RETURNING id, number`
	casOrderSQL = `
		UPDATE orders SET status = $1, payment_id = $2, payment_status = $3, status_reason = $4,
			authorized = $5, captured = $6, refunded = $7, canceled = $8, next_sync_at = $9,
			sync_attempts = $10, version = version + 1, updated_at = $11
		WHERE id = $12 AND version = $13`
	versionSQL      = `SELECT version FROM orders WHERE id = $1`
	markReleasedSQL = `UPDATE orders SET stock_released = true WHERE id = $1 AND NOT stock_released`
	insertLineSQL   = `INSERT INTO order_lines (order_id, idx, position, type, sku, description,
		quantity, unit_price, vat_rate, total, vat_amount) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	releaseSQL = `
		UPDATE products p SET stock = p.stock + l.quantity
		FROM (SELECT sku, sum(quantity) AS quantity FROM order_lines WHERE order_id = $1 AND sku <> ''
			GROUP BY sku) l
		WHERE p.sku = l.sku`
)

const orderColumns = `id, number, key, callback_token, status, currency, total, vat_total, customer,
	payment_method_id, payment_id, payment_status, status_reason, authorized, captured, refunded,
	canceled, stock_released, version, created_at, updated_at, expires_at, next_sync_at, sync_attempts`

// CreateOrder reserves stock, inserts o with its lines and ev, and runs
// then, all in one transaction. See kassa.Store.
func (db *DB) CreateOrder(ctx context.Context, o *kassa.Order, ev kassa.Event, then kassa.TxFunc) (err error) {
	defer wrap(&err, "postgres.CreateOrder")
	if err := sqlstore.ValidateNewOrder(o); err != nil {
		return err
	}
	now := db.now()
	var id int64
	var number string
	// Stock is reserved last: every order of a popular product updates the
	// same product row, and its row lock is held until the commit, so the
	// inserts are done before it is taken (kassa bench, docs/performance.md).
	// A refused order still writes nothing: the transaction rolls back.
	err = db.transact(ctx, func(tx *sql.Tx) error {
		var err error
		if id, number, err = insertOrder(ctx, tx, o, now); err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		if err := insertLines(ctx, tx, id, o.Lines); err != nil {
			return fmt.Errorf("insert lines: %w", err)
		}
		ev.OrderID = id
		if err := insertEvent(ctx, tx, &ev, now); err != nil {
			return err
		}
		if err := reserve(ctx, tx, o.Lines); err != nil {
			return err
		}
		return runHook(ctx, tx, then)
	})
	if err != nil {
		return err
	}
	o.ID, o.Number, o.Version, o.CreatedAt, o.UpdatedAt = id, number, 1, now, now
	o.StockReleased = false
	return nil
}

// reserve takes the stock of every SKU in lines, or fails naming the SKU.
func reserve(ctx context.Context, tx *sql.Tx, lines []kassa.Line) error {
	for _, n := range sqlstore.StockNeeds(lines) {
		res, err := tx.ExecContext(ctx, reserveSQL,
			n.Quantity, n.SKU, n.Quantity)
		if err != nil {
			return fmt.Errorf("reserve %s: %w", n.SKU, err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if k == 0 {
			return shortage(ctx, tx, n)
		}
	}
	return nil
}

// shortage explains why the stock of n could not be reserved.
func shortage(ctx context.Context, tx *sql.Tx, n kassa.LineRequest) error {
	var stock int64
	err := tx.QueryRowContext(ctx, stockSQL, n.SKU).Scan(&stock)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return kassa.Errorf(kassa.ENOTFOUND, "Product %s does not exist.", n.SKU)
	case err != nil:
		return fmt.Errorf("read stock of %s: %w", n.SKU, err)
	}
	return kassa.Errorf(kassa.ECONFLICT, "Only %d of %s left in stock, %d wanted.", stock, n.SKU, n.Quantity)
}

// insertOrder inserts o at version 1 and returns its id and number. The id
// is the next integer, so the human number ("K001042") is set in the same
// statement; the single writer makes that race-free.
func insertOrder(ctx context.Context, tx *sql.Tx, o *kassa.Order, now time.Time) (int64, string, error) {
	customer, err := json.Marshal(o.Customer)
	if err != nil {
		return 0, "", err
	}
	var id int64
	var number string
	err = tx.QueryRowContext(ctx, insertOrderSQL,
		sqlstore.SearchSuffix(o.Customer), o.Key, o.CallbackToken, o.Status, o.Currency, o.Total, o.VATTotal,
		string(customer), o.PaymentMethodID, o.PaymentID, o.PaymentStatus, o.StatusReason, o.Authorized,
		o.Captured, o.Refunded, o.Canceled, now.UnixMilli(), now.UnixMilli(), sqlstore.Millis(o.ExpiresAt),
		sqlstore.Millis(o.NextSyncAt), o.SyncAttempts,
	).Scan(&id, &number)
	return id, number, err
}

// insertLines inserts the lines of an order, one prepared statement each.
func insertLines(ctx context.Context, tx *sql.Tx, orderID int64, lines []kassa.Line) error {
	for i, l := range lines {
		_, err := tx.ExecContext(ctx, insertLineSQL, orderID, i, l.Position, l.Type, l.SKU, l.Description,
			l.Quantity, l.UnitPrice, l.VATRate, l.Total, l.VATAmount)
		if err != nil {
			return err
		}
	}
	return nil
}

// Order returns an order with its lines; ENOTFOUND if unknown.
func (db *DB) Order(ctx context.Context, id int64) (_ *kassa.Order, err error) {
	defer wrap(&err, "postgres.Order(%d)", id)
	return db.oneOrder(ctx, orderByIDSQL, id, "Order %d does not exist.")
}

// OrderByPaymentID returns the order whose PaymentID is paymentID.
func (db *DB) OrderByPaymentID(ctx context.Context, paymentID string) (_ *kassa.Order, err error) {
	defer wrap(&err, "postgres.OrderByPaymentID(%q)", paymentID)
	if paymentID == "" {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "No order has an empty payment id.")
	}
	return db.oneOrder(ctx, orderByPaymentIDSQL, paymentID, "No order has payment %s.")
}

// The single-order reads return the order and its lines in one statement:
// orderColumns, then the lines as the JSON array that
// sqlstore.ScanOrderWithLines decodes (see there, also for why not a
// join). json_build_array keeps integers integers and escapes quotes,
// backslashes and control characters in strings; json_agg of no rows is
// NULL, hence the coalesce. Its ORDER BY is the documented way to order
// an aggregate's input. Requiring a non-empty payment_id lets the partial
// index orders_payment_id serve a generic plan too.
const (
	orderWithLinesSQL = `SELECT ` + orderColumns + `,
		(SELECT coalesce(json_agg(json_build_array(` + sqlstore.LineColumns + `) ORDER BY idx), '[]')
			FROM order_lines WHERE order_id = orders.id)
		FROM orders WHERE `
	orderByIDSQL        = orderWithLinesSQL + `id = $1`
	orderByPaymentIDSQL = orderWithLinesSQL + `payment_id = $1 AND payment_id <> ''`
)

// oneOrder reads the order query selects, with its lines, in one
// statement; notFound, formatted with arg, is the message of the
// ENOTFOUND error when there is none.
func (db *DB) oneOrder(ctx context.Context, query string, arg any, notFound string) (*kassa.Order, error) {
	o, err := sqlstore.QueryOrderWithLines(ctx, db.reader(), query, arg)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, kassa.Errorf(kassa.ENOTFOUND, notFound, arg)
	}
	return o, nil
}

// Orders lists orders newest first, and the total matching f.
func (db *DB) Orders(ctx context.Context, f kassa.OrderFilter) (_ []*kassa.Order, _ int, err error) {
	defer wrap(&err, "postgres.Orders")
	var a args
	where := orderWhere(f, &a)
	var total int
	if err := db.reader().QueryRowContext(ctx, `SELECT count(*) FROM orders`+where, a...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page := ` ORDER BY id DESC LIMIT ` + a.add(limit(f.Limit)) + ` OFFSET ` + a.add(max(f.Offset, 0))
	list, err := queryOrders(ctx, db.reader(), `SELECT `+orderColumns+` FROM orders`+where+page, a...)
	return list, total, err
}

// orderWhere builds the WHERE clause of an order listing. A query matches
// a part of the number, e-mail or last name (case-insensitively) or the
// whole payment id.
func orderWhere(f kassa.OrderFilter, a *args) string {
	var conds []string
	if f.Status != "" {
		conds = append(conds, `status = `+a.add(f.Status))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds = append(conds, `(strpos(search, `+a.add(strings.ToLower(q))+`) > 0 OR payment_id = `+a.add(q)+`)`)
	}
	if conds == nil {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// DueOrders returns up to limit open orders whose NextSyncAt is set and
// not after now, earliest first.
func (db *DB) DueOrders(ctx context.Context, now time.Time, limit int) (_ []*kassa.Order, err error) {
	defer wrap(&err, "postgres.DueOrders")
	if limit <= 0 {
		return nil, nil
	}
	return queryOrders(ctx, db.reader(), `SELECT `+orderColumns+` FROM orders
		WHERE next_sync_at IS NOT NULL AND next_sync_at <= $1 AND status IN ($2, $3)
		ORDER BY next_sync_at, id LIMIT $4`,
		now.UnixMilli(), kassa.StatusPending, kassa.StatusOnHold, limit)
}

// queryOrders reads the orders query selects (orderColumns), then their lines.
func queryOrders(ctx context.Context, q querier, query string, args ...any) ([]*kassa.Order, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var list []*kassa.Order
	for rows.Next() {
		o, err := sqlstore.ScanOrder(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return list, loadLines(ctx, q, list)
}

// loadLines fills the lines of list with one query.
func loadLines(ctx context.Context, q querier, list []*kassa.Order) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	for i, o := range list {
		ids[i] = o.ID
	}
	return sqlstore.LoadLines(ctx, q, list, `SELECT order_id, `+sqlstore.LineColumns+` FROM order_lines
		WHERE order_id = ANY($1) ORDER BY order_id, idx`, ids)
}

// UpdateOrder writes o's mutable fields if the stored version equals
// o.Version, releasing stock at most once. See kassa.Store.
func (db *DB) UpdateOrder(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) (err error) {
	defer wrap(&err, "postgres.UpdateOrder(%d)", o.ID)
	if !o.Status.Valid() {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The order is invalid.",
			Fields: []kassa.FieldError{{Field: "status", Message: fmt.Sprintf("unknown status %q", o.Status)}}}
	}
	now := db.now()
	released := false
	err = db.transact(ctx, func(tx *sql.Tx) error {
		if err := casOrder(ctx, tx, o, now); err != nil {
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

// casOrder writes o's mutable fields and bumps the version, if the stored
// version is still o.Version.
func casOrder(ctx context.Context, tx *sql.Tx, o *kassa.Order, now time.Time) error {
	res, err := tx.ExecContext(ctx, casOrderSQL,
		o.Status, o.PaymentID, o.PaymentStatus, o.StatusReason, o.Authorized, o.Captured,
		o.Refunded, o.Canceled, sqlstore.Millis(o.NextSyncAt), o.SyncAttempts, now.UnixMilli(), o.ID, o.Version)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var version int64
	err = tx.QueryRowContext(ctx, versionSQL, o.ID).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return kassa.Errorf(kassa.ENOTFOUND, "Order %d does not exist.", o.ID)
	case err != nil:
		return err
	}
	return kassa.Errorf(kassa.ECONFLICT, "Order %d was changed meanwhile (version %d, not %d); reload it and retry.",
		o.ID, version, o.Version)
}

// releaseStock gives back the stock reserved by order id unless it was
// given back before, and reports whether it did.
func releaseStock(ctx context.Context, tx *sql.Tx, id int64) (bool, error) {
	res, err := tx.ExecContext(ctx, markReleasedSQL, id)
	if err != nil {
		return false, fmt.Errorf("release stock: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	_, err = tx.ExecContext(ctx, releaseSQL, id)
	if err != nil {
		return false, fmt.Errorf("release stock: %w", err)
	}
	return true, nil
}
