package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

const (
	reserveSQL  = `UPDATE products SET stock = stock - ? WHERE sku = ? AND stock >= ?`
	stockSQL    = `SELECT stock FROM products WHERE sku = ?`
	casOrderSQL = `
		UPDATE orders SET status = ?, payment_id = ?, payment_status = ?, status_reason = ?,
			authorized = ?, captured = ?, refunded = ?, canceled = ?, next_sync_at = ?,
			sync_attempts = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`
	versionSQL = `SELECT version FROM orders WHERE id = ?`
	// insertLineSQL inserts one line; insertLinesSQL repeats its row.
	insertLineSQL = `INSERT INTO order_lines (order_id, idx, position, type, sku, description,
		quantity, unit_price, vat_rate, total, vat_amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

const orderColumns = `id, number, key, callback_token, status, currency, total, vat_total, customer,
	payment_method_id, payment_id, payment_status, status_reason, authorized, captured, refunded,
	canceled, stock_released, version, created_at, updated_at, expires_at, next_sync_at, sync_attempts,
	lang, reference, hosted, charges`

// OrderInsertColumns are the columns, in order, that Dialect.InsertOrderSQL
// writes.
const OrderInsertColumns = `id, number, search, key, callback_token, status, currency, total, vat_total,
			customer, payment_method_id, payment_id, payment_status, status_reason, authorized,
			captured, refunded, canceled, stock_released, version, created_at, updated_at, expires_at,
			next_sync_at, sync_attempts, lang, reference, hosted, discount_code, charges`

// CreateOrder reserves stock, inserts o with its lines and ev, and runs
// then, all in one transaction. See kassa.Store.
//
// With Dialect.ReserveLast stock is reserved last: every order of a
// popular product updates the same product row, and its row lock is held
// until the commit, so the inserts are done before it is taken (kassa
// bench, docs/performance.md). A refused order still writes nothing: the
// transaction rolls back.
func (s *Store) CreateOrder(ctx context.Context, o *kassa.Order, ev kassa.Event, then kassa.TxFunc) (err error) {
	defer s.wrap(&err, "CreateOrder")
	if err := ValidateNewOrder(o); err != nil {
		return err
	}
	if err := validateClientKeys(o.ClientKeys); err != nil {
		return err
	}
	now := s.now()
	var id int64
	var number string
	err = s.b.Transact(ctx, func(tx *Runner) error {
		if !s.d.ReserveLast {
			if err := takeHolds(ctx, tx, o); err != nil {
				return err
			}
		}
		var err error
		if id, number, err = s.insertOrder(ctx, tx, o, now); err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		if err := insertLines(ctx, tx, id, o.Lines); err != nil {
			return fmt.Errorf("insert lines: %w", err)
		}
		if err := insertClientKeys(ctx, tx, id, o.ClientKeys); err != nil {
			return fmt.Errorf("insert client keys: %w", err)
		}
		ev.OrderID = id
		if err := s.insertEvent(ctx, tx, &ev, now); err != nil {
			return err
		}
		if s.d.ReserveLast {
			if err := takeHolds(ctx, tx, o); err != nil {
				return err
			}
		}
		o.ID, o.Number = id, number // for the hook: an event about the new order names it
		return s.runHook(ctx, tx, then)
	})
	if err != nil {
		o.ID, o.Number = 0, ""
		return err
	}
	o.ID, o.Number, o.Version, o.CreatedAt, o.UpdatedAt = id, number, 1, now, now
	return nil
}

// takeHolds takes what a new order holds: one use of its discount code,
// and its stock unless it holds none.
func takeHolds(ctx context.Context, tx *Runner, o *kassa.Order) error {
	if code := o.Charges.DiscountCodeName(); code != "" {
		if err := takeUse(ctx, tx, code); err != nil {
			return err
		}
	}
	if o.StockReleased {
		return nil
	}
	return reserve(ctx, tx, o.Lines)
}

// reserve takes the stock of every SKU in lines, or fails naming the SKU.
func reserve(ctx context.Context, tx *Runner, lines []kassa.Line) error {
	for _, n := range StockNeeds(lines) {
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
func shortage(ctx context.Context, tx *Runner, n kassa.LineRequest) error {
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

// OrderNumberFormat makes an order's human number from its id ("K001042").
// SQLite's InsertOrderSQL numbers with it too (printf and fmt agree on %06d).
const OrderNumberFormat = "K%06d"

// insertOrder inserts o at version 1 and returns its id and number, which
// Dialect.InsertOrderSQL sets in the same statement. With LastInsertID the
// statement returns nothing: the id is the driver's and the number is
// OrderNumberFormat of it, as the statement stored it.
func (s *Store) insertOrder(ctx context.Context, tx *Runner, o *kassa.Order, now time.Time) (int64, string, error) {
	customer, err := json.Marshal(o.Customer)
	if err != nil {
		return 0, "", err
	}
	hosted, err := MarshalHosted(o.Hosted)
	if err != nil {
		return 0, "", err
	}
	charges, err := MarshalCharges(o.Charges)
	if err != nil {
		return 0, "", err
	}
	args := []any{SearchSuffix(o), o.Key, o.CallbackToken, o.Status, o.Currency, o.Total, o.VATTotal,
		string(customer), o.PaymentMethodID, o.PaymentID, o.PaymentStatus, o.StatusReason, o.Authorized,
		o.Captured, o.Refunded, o.Canceled, o.StockReleased, now.UnixMilli(), now.UnixMilli(), Millis(o.ExpiresAt),
		Millis(o.NextSyncAt), o.SyncAttempts, o.Lang, o.Reference, hosted, o.Charges.DiscountCodeName(), charges}
	if s.d.LastInsertID {
		id, err := s.insertID(ctx, tx, s.d.InsertOrderSQL, args...)
		if err == nil && id == 0 {
			err = errors.New("no row inserted")
		}
		return id, fmt.Sprintf(OrderNumberFormat, id), err
	}
	var id int64
	var number string
	err = tx.QueryRowContext(ctx, s.d.InsertOrderSQL, args...).Scan(&id, &number)
	return id, number, err
}

// insertLines inserts the lines of an order, up to linesPerInsert in one
// statement: a statement's fixed cost (SQLite's step and reset, a
// PostgreSQL round trip) is paid once per chunk instead of once per line.
func insertLines(ctx context.Context, tx *Runner, orderID int64, lines []kassa.Line) error {
	for start := 0; start < len(lines); start += linesPerInsert {
		chunk := lines[start:min(start+linesPerInsert, len(lines))]
		args := make([]any, 0, len(chunk)*lineInsertArgs)
		for i, l := range chunk {
			args = append(args, orderID, start+i, l.Position, l.Type, l.SKU, l.Description,
				l.Quantity, l.UnitPrice, l.VATRate, l.Total, l.VATAmount)
		}
		if err := tx.Later(ctx, nil, insertLinesSQL[len(chunk)], args...); err != nil {
			return err
		}
	}
	return nil
}

// linesPerInsert bounds the rows of one insertLinesSQL statement;
// lineInsertArgs is the arguments of one row.
const (
	linesPerInsert = 16
	lineInsertArgs = 11
)

// insertLinesSQL[n] inserts n lines (n ≥ 1).
var insertLinesSQL = func() (q [linesPerInsert + 1]string) {
	row := "(?" + strings.Repeat(", ?", lineInsertArgs-1) + ")"
	for n := 1; n <= linesPerInsert; n++ {
		q[n] = insertLineSQL + strings.Repeat(", "+row, n-1)
	}
	return q
}()

// Order returns an order with its lines; ENOTFOUND if unknown.
func (s *Store) Order(ctx context.Context, id int64) (_ *kassa.Order, err error) {
	defer s.wrap(&err, "Order(%d)", id)
	return s.oneOrder(ctx, s.q.orderByID, id, "Order %d does not exist.")
}

const orderRefSQL = `SELECT callback_token, payment_id FROM orders WHERE id = ?`

// OrderRef returns the callback token and payment id of order id.
func (s *Store) OrderRef(ctx context.Context, id int64) (_ kassa.OrderRef, err error) {
	defer s.wrap(&err, "OrderRef(%d)", id)
	ref := kassa.OrderRef{ID: id}
	err = s.b.Keyed().QueryRowContext(ctx, orderRefSQL, id).Scan(&ref.CallbackToken, &ref.PaymentID)
	if errors.Is(err, sql.ErrNoRows) {
		return ref, kassa.Errorf(kassa.ENOTFOUND, "Order %d does not exist.", id)
	}
	return ref, err
}

// OrderByPaymentID returns the order whose PaymentID is paymentID.
// Requiring a non-empty payment_id lets the partial index
// orders_payment_id serve the lookup (and a generic plan on PostgreSQL);
// without it SQLite scans the whole table.
func (s *Store) OrderByPaymentID(ctx context.Context, paymentID string) (_ *kassa.Order, err error) {
	defer s.wrap(&err, "OrderByPaymentID(%q)", paymentID)
	if paymentID == "" {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "No order has an empty payment id.")
	}
	return s.oneOrder(ctx, s.q.orderByPaymentID, paymentID, "No order has payment %s.")
}

// oneOrder reads the order query selects, with its lines (Dialect.LinesJSON),
// in one statement; notFound, formatted with arg, is the message of the
// ENOTFOUND error when there is none.
func (s *Store) oneOrder(ctx context.Context, query string, arg any, notFound string) (*kassa.Order, error) {
	o, err := QueryOrderWithLines(ctx, s.b.Keyed(), query, arg)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, kassa.Errorf(kassa.ENOTFOUND, notFound, arg)
	}
	return o, nil
}

// Orders lists orders newest first, and the total matching f: from the
// counters without a query, at most kassa.CountCap+1 with one.
func (s *Store) Orders(ctx context.Context, f kassa.OrderFilter) (_ []*kassa.Order, _ int, err error) {
	defer s.wrap(&err, "Orders")
	p := newPage(true, f.After, f.Before, f.Limit, f.Offset)
	if q := strings.TrimSpace(f.Query); q != "" {
		return s.searchOrders(ctx, f.Status, q, p)
	}
	total, err := s.countOrders(ctx, f.Status)
	if err != nil {
		return nil, 0, err
	}
	var conds []string
	var args []any
	if f.Status != "" {
		conds, args = append(conds, `status = ?`), append(args, f.Status)
	}
	keyConds, keyArgs := p.conds("id")
	conds, args = append(conds, keyConds...), append(args, keyArgs...)
	tail, args := p.tail("id", args)
	list, err := s.queryOrders(ctx, s.b.Reader(), `SELECT `+orderColumns+` FROM orders`+where(conds)+tail, args...)
	return finish(p, list), total, err
}

// countOrders returns the number of orders in status (any when "") from
// the counters the triggers of migration 0010 keep.
func (s *Store) countOrders(ctx context.Context, status kassa.Status) (int, error) {
	query, args := `SELECT coalesce(sum(n), 0) FROM order_counts`, []any(nil)
	if status != "" {
		query, args = query+` WHERE status = ?`, append(args, status)
	}
	var n int
	err := s.b.Reader().QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// OrderCounts returns the number of orders per status. See kassa.Orders.
func (s *Store) OrderCounts(ctx context.Context) (_ map[kassa.Status]int, err error) {
	defer s.wrap(&err, "OrderCounts")
	rows, err := s.b.Reader().QueryContext(ctx, `SELECT status, sum(n) FROM order_counts GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[kassa.Status]int{}
	for rows.Next() {
		var st kassa.Status
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		counts[st] = n
	}
	return counts, rows.Err()
}

// DueOrders returns up to limit open orders whose NextSyncAt is set and
// not after now, earliest first.
func (s *Store) DueOrders(ctx context.Context, now time.Time, limit int) (_ []*kassa.Order, err error) {
	defer s.wrap(&err, "DueOrders")
	if limit <= 0 {
		return nil, nil
	}
	return s.queryOrders(ctx, s.b.Reader(), `SELECT `+orderColumns+` FROM orders
		WHERE next_sync_at IS NOT NULL AND next_sync_at <= ? AND status IN (?, ?)
		ORDER BY next_sync_at, id LIMIT ?`,
		now.UnixMilli(), kassa.StatusPending, kassa.StatusOnHold, limit)
}

// queryOrders reads the orders query selects (orderColumns), then their lines.
func (s *Store) queryOrders(ctx context.Context, q *Runner, query string, args ...any) ([]*kassa.Order, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var list []*kassa.Order
	for rows.Next() {
		o, err := ScanOrder(rows)
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
	return list, s.loadLines(ctx, q, list)
}

// loadLines fills the lines of list with one query.
func (s *Store) loadLines(ctx context.Context, q *Runner, list []*kassa.Order) error {
	if len(list) == 0 {
		return nil
	}
	const query = `SELECT order_id, ` + LineColumns + ` FROM order_lines WHERE order_id `
	const order = ` ORDER BY order_id, idx`
	if s.d.ArrayArgs {
		ids := make([]int64, len(list))
		for i, o := range list {
			ids[i] = o.ID
		}
		return LoadLines(ctx, q, list, query+`= ANY(?)`+order, ids)
	}
	args := make([]any, len(list))
	for i, o := range list {
		args[i] = o.ID
	}
	return LoadLines(ctx, q, list, query+`IN (`+Placeholders(len(list))+`)`+order, args...)
}

// UpdateOrder writes o's mutable fields if the stored version equals
// o.Version, releasing stock at most once. See kassa.Store.
func (s *Store) UpdateOrder(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) (err error) {
	defer s.wrap(&err, "UpdateOrder(%d)", o.ID)
	if !o.Status.Valid() {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The order is invalid.",
			Fields: []kassa.FieldError{{Field: "status", Message: fmt.Sprintf("unknown status %q", o.Status)}}}
	}
	return s.changeOrder(ctx, o, ev, then, nil)
}

const setCustomerSQL = `UPDATE orders SET customer = ?, payment_method_id = ?, search = ?,
	expires_at = ? WHERE id = ?`

// UpdateOrderCustomer is UpdateOrder that also writes o's Customer,
// PaymentMethodID and ExpiresAt. See kassa.Orders.
func (s *Store) UpdateOrderCustomer(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) (err error) {
	defer s.wrap(&err, "UpdateOrderCustomer(%d)", o.ID)
	if !o.Status.Valid() {
		return &kassa.Error{Code: kassa.EINVALID, Message: "The order is invalid.",
			Fields: []kassa.FieldError{{Field: "status", Message: fmt.Sprintf("unknown status %q", o.Status)}}}
	}
	customer, err := json.Marshal(o.Customer)
	if err != nil {
		return err
	}
	return s.changeOrder(ctx, o, ev, then, func(ctx context.Context, tx *Runner) error {
		_, err := tx.ExecContext(ctx, setCustomerSQL, string(customer), o.PaymentMethodID, SearchPrefix(o.Number, o.ID)+SearchSuffix(o),
			Millis(o.ExpiresAt), o.ID)
		return err
	})
}

// changeOrder runs UpdateOrder, ReplaceOrderLines or UpdateOrderCustomer
// once o is validated: it writes o by compare-and-set on its version, runs
// extra when not nil (replacing the lines, writing the customer), releases the stock if o's status does (at most
// once), inserts ev if not nil, and runs then, all in one transaction.
func (s *Store) changeOrder(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc,
	extra func(ctx context.Context, tx *Runner) error) error {
	now := s.now()
	released := false
	err := s.b.Transact(ctx, func(tx *Runner) error {
		if err := casOrder(ctx, tx, o, now); err != nil {
			return err
		}
		if extra != nil {
			if err := extra(ctx, tx); err != nil {
				return err
			}
		}
		if o.Status.ReleasesStock() {
			var err error
			if released, err = s.releaseStock(ctx, tx, o.ID); err != nil {
				return err
			}
		}
		if ev != nil {
			ev.OrderID = o.ID
			if err := s.insertEvent(ctx, tx, ev, now); err != nil {
				return err
			}
		}
		return s.runHook(ctx, tx, then)
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
func casOrder(ctx context.Context, tx *Runner, o *kassa.Order, now time.Time) error {
	res, err := tx.ExecContext(ctx, casOrderSQL,
		o.Status, o.PaymentID, o.PaymentStatus, o.StatusReason, o.Authorized, o.Captured,
		o.Refunded, o.Canceled, Millis(o.NextSyncAt), o.SyncAttempts, now.UnixMilli(), o.ID, o.Version)
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

// releaseStock gives back the stock reserved by order id, and the use of
// its discount code, unless they were given back before, and reports
// whether it did.
func (s *Store) releaseStock(ctx context.Context, tx *Runner, id int64) (bool, error) {
	res, err := tx.ExecContext(ctx, s.d.MarkReleasedSQL, id)
	if err != nil {
		return false, fmt.Errorf("release stock: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	_, err = tx.ExecContext(ctx, s.d.ReleaseSQL, id)
	if err != nil {
		return false, fmt.Errorf("release stock: %w", err)
	}
	if _, err = tx.ExecContext(ctx, giveUseBackSQL, id); err != nil {
		return false, fmt.Errorf("give back the discount code's use: %w", err)
	}
	return true, nil
}
