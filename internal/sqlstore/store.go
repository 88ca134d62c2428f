package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// Store implements the methods of kassa.Store that both SQL stores run
// alike, on a Backend that owns the connections and transactions and with
// a Dialect for what their SQL spells differently. The store packages
// embed it in their DB and add what is their own (Open, Close, WriteDB,
// ClaimCallbacks, ClaimActions).
//
// Its statements are written with ? placeholders; a backend whose driver
// wants another style (PostgreSQL's $n) rewrites them (Runner.Rebind).
type Store struct {
	clock func() time.Time // stamps what the store writes

	d *Dialect
	b Backend
	q *queries
}

// Dialect is what the SQL of one database spells its own way.
type Dialect struct {
	// Name prefixes the Op of errors: "sqlite" gives "sqlite.Order(7)".
	Name string
	// Translate maps a driver error to a *kassa.Error, or returns nil.
	Translate func(error) *kassa.Error

	// ForUpdate ends a SELECT that reads a row the transaction then
	// changes (" FOR UPDATE"), or is empty where the single writer makes
	// a row lock needless.
	ForUpdate string
	// ReserveLast has CreateOrder reserve stock after the inserts rather
	// than before: with row locks, a popular product's row is then locked
	// for the shortest time.
	ReserveLast bool
	// ArrayArgs passes a list of ids as one array argument (= ANY(?))
	// rather than one argument each (IN (?, ?, …)).
	ArrayArgs bool
	// SearchQuery returns what selects the orders that hold words (see
	// search.go): every word whole but the last, which may be a word's
	// beginning. It may read the index through r. A WordSearch with no
	// From matches nothing.
	SearchQuery func(ctx context.Context, r *Runner, words []string) (WordSearch, error)
	// EmailKey is the lower-cased e-mail of the customer of an order of
	// orders, written as the index orders_email (migration 0030) holds
	// it, so that a condition EmailKey = lower(?) reads that index.
	EmailKey string
	// StrPos names the function that returns the 1-based position of its
	// second argument in its first, 0 if absent (instr, strpos).
	StrPos string
	// LastInsertID says the driver reports the id of an inserted row
	// (sql.Result.LastInsertId). The inserts that need their row's id
	// then run as plain statements; otherwise they end in RETURNING id,
	// read as a row. modernc.org/sqlite reads RETURNING as a result set:
	// an event insert costs 2.3 times a plain one (9.4–10.9 against
	// 4.3–5.1 µs, 31 against 11 allocations).
	LastInsertID bool

	// InsertOrderSQL inserts an order at version 1 with stock not
	// released, numbering it from its id, and returns id and number (or,
	// with LastInsertID, nothing, and numbers it with OrderNumberFormat). Its
	// arguments: search suffix, key, callback token, status, currency,
	// total, VAT total, customer JSON, payment method, payment id,
	// payment status, status reason, authorized, captured, refunded,
	// canceled, created, updated, expires, next sync, sync attempts.
	InsertOrderSQL string
	// MarkReleasedSQL sets stock_released of order ? if it is not set.
	MarkReleasedSQL string
	// ReleaseSQL gives back the stock of the lines of order ?.
	ReleaseSQL string
	// InsertCallbackSQL inserts a callback (CallbackInsertColumns) unless
	// it is an original whose dedup key has an original. It has no
	// RETURNING clause: insertID adds what the dialect needs.
	InsertCallbackSQL string
	// AfterBulkSQL, when set, runs at the end of Store.InsertBatch (which
	// inserts orders with their ids): PostgreSQL moves the orders'
	// sequence past them.
	AfterBulkSQL string
	// SettleSQL is what Store.SettleBatches runs, each outside a
	// transaction: PostgreSQL's VACUUM.
	SettleSQL []string
	// LinesJSON selects the lines of the order orders.id as a JSON array
	// of LineColumns arrays in idx order, "[]" when there are none (see
	// ScanOrderWithLines).
	LinesJSON string
}

// Backend runs the statements of a Store.
type Backend interface {
	// Reader runs read statements outside a transaction.
	Reader() *Runner
	// Keyed runs the hot path's reads of one row by its key (an order, a
	// product) outside a transaction. It may be Reader; SQLite runs them
	// on its write connection (see sqlite.backend.Keyed).
	Keyed() *Runner
	// Writer runs a single write statement outside a transaction.
	Writer() *Runner
	// Transact runs fn in a write transaction and commits when it
	// succeeds; tx.Tx is the transaction.
	Transact(ctx context.Context, fn func(tx *Runner) error) error
}

// NewStore returns a Store of dialect d on b that stamps what it writes
// with the time now returns.
func NewStore(d *Dialect, b Backend, now func() time.Time) Store {
	return Store{clock: now, d: d, b: b, q: newQueries(d)}
}

// queries are the statements whose text depends on the dialect.
type queries struct {
	storedReleased   string
	orderByID        string
	orderByPaymentID string
	// The inserts whose id insertID reads.
	insertEvent, insertCallback, insertAction string
}

func newQueries(d *Dialect) *queries {
	withLines := `SELECT ` + orderColumns + `, ` + d.LinesJSON + ` FROM orders WHERE `
	returning := ` RETURNING id`
	if d.LastInsertID {
		returning = ""
	}
	return &queries{
		storedReleased:   `SELECT stock_released FROM orders WHERE id = ?` + d.ForUpdate,
		orderByID:        withLines + `id = ?`,
		orderByPaymentID: withLines + `payment_id = ? AND payment_id <> ''`,
		insertEvent:      insertEventSQL + returning,
		insertCallback:   d.InsertCallbackSQL + returning,
		insertAction:     insertActionSQL + returning,
	}
}

// insertID runs query, one of the queries.insert* statements, in tx and
// returns the id of the row it inserted, or 0 when it inserted none
// (ON CONFLICT … DO NOTHING).
func (s *Store) insertID(ctx context.Context, tx *Runner, query string, args ...any) (int64, error) {
	if !s.d.LastInsertID {
		var id int64
		err := tx.QueryRowContext(ctx, query, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return id, err
	}
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	// Rows affected first: SQLite's last insert id stays that of an
	// earlier insert when this one did nothing.
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return 0, err
	}
	return res.LastInsertId()
}

// insertIDLater is insertID for a row whose id the transaction need not
// wait for: set receives it (0 when nothing was inserted) once the
// statement has run, which on a Pipe is by the commit at the latest
// (Runner.Later).
func (s *Store) insertIDLater(ctx context.Context, tx *Runner, set func(int64), query string, args ...any) error {
	if s.d.LastInsertID || !tx.Pipelined() {
		id, err := s.insertID(ctx, tx, query, args...)
		if err == nil {
			set(id)
		}
		return err
	}
	return tx.Later(ctx, func(row Row) error {
		var id int64
		if err := row.Scan(&id); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		set(id)
		return nil
	}, query, args...)
}

// WriteQueries returns the static statements of d that run on a write
// connection, which a backend may prepare ahead: the writes and the
// Keyed reads.
func WriteQueries(d *Dialect) []string {
	q := newQueries(d)
	return []string{
		q.orderByID, q.orderByPaymentID, orderRefSQL, productSQL,
		putSettingSQL, putProductSQL, q.insertEvent, claimAnswerSQL, putAnswerSQL, answerSQL,
		q.insertCallback, updateCallbackSQL,
		q.insertAction, updateActionSQL, q.storedReleased, deleteLinesSQL, setTotalsSQL,
		reserveSQL, stockSQL, d.InsertOrderSQL, insertClientKeySQL, casOrderSQL, versionSQL, d.MarkReleasedSQL,
		d.ReleaseSQL,
	}
}

// now returns the current time in UTC at the millisecond precision stored.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// wrap is Wrap with the dialect's translation and Op "<name>.<format>".
func (s *Store) wrap(err *error, format string, args ...any) {
	if *err == nil {
		return
	}
	Wrap(err, s.d.Translate, s.d.Name+"."+fmt.Sprintf(format, args...))
}

// Wrap annotates *err with the operation op: a *kassa.Error gets Op (when
// it has none), an error that translate maps becomes that *kassa.Error,
// anything else is wrapped with %w.
func Wrap(err *error, translate func(error) *kassa.Error, op string) {
	if *err == nil {
		return
	}
	var ke *kassa.Error
	if errors.As(*err, &ke) && ke.Op == "" {
		cp := *ke
		cp.Op = op
		if cp.Err == nil && *err != error(ke) {
			cp.Err = *err
		}
		*err = &cp
		return
	}
	if e := translate(*err); e != nil {
		e.Op = op
		*err = e
		return
	}
	*err = fmt.Errorf("%s: %w", op, *err)
}

// InTx runs fn in a transaction of pool and commits when fn succeeds.
func InTx(ctx context.Context, pool *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// runHook runs then inside tx; a nil hook does nothing.
func (s *Store) runHook(ctx context.Context, tx *Runner, then kassa.TxFunc) error {
	if then == nil {
		return nil
	}
	if err := then(tx.HookContext(ctx), &Tx{s: s, r: tx}); err != nil {
		return fmt.Errorf("hook: %w", err)
	}
	return nil
}

// Tx is the kassa.Tx a TxFunc receives: the writes that may join the
// transaction tx runs in (for SQLite's group commit, the caller's
// savepoint of the batch). It is valid only while the TxFunc runs.
type Tx struct {
	s *Store
	r *Runner
}

var _ kassa.Tx = (*Tx)(nil)

// UpdateCallback is Store.UpdateCallback inside the transaction.
func (t *Tx) UpdateCallback(ctx context.Context, cb *kassa.Callback) (err error) {
	defer t.s.wrap(&err, "Tx.UpdateCallback(%d)", cb.ID)
	return updateCallback(ctx, t.r, cb)
}

// pageSize returns the page size of a filter: 50 when unset, at most 1000.
func pageSize(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return n
}

// Placeholders returns "?, ?, ?" for n arguments.
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// where joins conds into a WHERE clause, or returns "" for none.
func where(conds []string) string {
	if conds == nil {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// OrderReads returns the statements of d that read one order with its
// lines, by id and by payment id (for tests of their query plans).
func OrderReads(d *Dialect) (byID, byPaymentID string) {
	q := newQueries(d)
	return q.orderByID, q.orderByPaymentID
}
