// Package postgres implements kassa.Store on PostgreSQL through pgx's
// database/sql driver (github.com/jackc/pgx/v5/stdlib), so that TxFunc
// hooks receive a *sql.Tx here as with package sqlite.
//
// Several processes may share one database: stock is reserved by
// conditional updates taken in SKU order, orders change by compare-and-set
// on their version, callbacks are deduplicated by a partial unique index,
// and inbox entries are claimed with SELECT … FOR UPDATE SKIP LOCKED, so
// that concurrent claims take disjoint entries. The schema is created and
// upgraded by numbered, embedded, forward-only migrations that Open
// applies under an advisory lock.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/kassa-dev/kassa"
)

var _ kassa.Store = (*DB)(nil)

// DB is a kassa.Store backed by PostgreSQL.
type DB struct {
	db *sql.DB

	// Now returns the current time; tests may replace it before use.
	Now func() time.Time
}

// Open connects to url (postgres://user@host:5432/db?sslmode=disable; a
// search_path parameter selects the schema) and applies pending migrations.
func Open(ctx context.Context, url string) (_ *DB, err error) {
	defer wrap(&err, "postgres.Open")
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{db: pool, Now: time.Now}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// WriteDB returns the connection pool; River uses it for its own tables
// and TxFunc hooks receive a *sql.Tx of it.
func (db *DB) WriteDB() *sql.DB { return db.db }

// Close closes the pool.
func (db *DB) Close() error { return db.db.Close() }

// now returns the current time in UTC at the millisecond precision stored.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Millisecond) }

// reader and writer run statements on the pool (pgx caches prepared
// statements per connection by itself).
func (db *DB) reader() querier { return db.db }
func (db *DB) writer() querier { return db.db }

// transact runs fn in a transaction and commits when fn succeeds.
func (db *DB) transact(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
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
func runHook(ctx context.Context, tx *sql.Tx, then kassa.TxFunc) error {
	if then == nil {
		return nil
	}
	if err := then(ctx, tx); err != nil {
		return fmt.Errorf("hook: %w", err)
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// wrap annotates *err with the operation: a *kassa.Error gets Op (when it
// has none), a constraint violation becomes a *kassa.Error, anything else
// is wrapped with %w.
func wrap(err *error, format string, args ...any) {
	if *err == nil {
		return
	}
	op := fmt.Sprintf(format, args...)
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

// translate maps PostgreSQL errors to *kassa.Error by SQLSTATE, and
// returns nil for any other error.
func translate(err error) *kassa.Error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil
	}
	switch pe.Code {
	case "23505": // unique_violation
		return &kassa.Error{Code: kassa.ECONFLICT, Message: "The record already exists.", Err: err}
	case "23503": // foreign_key_violation
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "A referenced record does not exist.", Err: err}
	case "23514", "23502": // check_violation, not_null_violation
		return &kassa.Error{Code: kassa.EINVALID, Message: "A value is out of range.", Err: err}
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return &kassa.Error{Code: kassa.ECONFLICT, Message: "A concurrent change interfered; retry.", Err: err}
	}
	return nil
}

// args collects query arguments and names their placeholders.
type args []any

// add appends v and returns its placeholder, "$n".
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// limit returns the page size of a filter: 50 when unset, at most 1000.
func limit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return n
}
