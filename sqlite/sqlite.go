// Package sqlite implements kassa.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go).
//
// A file database runs in WAL mode with one writer connection (every write
// transaction is BEGIN IMMEDIATE on it, so writers never race) and a
// separate pool of read connections. The store's write transactions go
// through a committer that runs those queued by concurrent callers in one
// SQLite transaction, each in its own savepoint, and commits once (group
// commit, group.go). ":memory:" uses one connection for
// everything so that all callers see the same data. The schema is created
// and upgraded by numbered, embedded, forward-only migrations that Open
// applies.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kassa-dev/kassa"
)

var _ kassa.Store = (*DB)(nil)

// DB is a kassa.Store backed by SQLite.
type DB struct {
	write *sql.DB // one connection: the only writer
	read  *sql.DB // the write pool itself for :memory:
	ws    *stmts  // prepared on write
	rs    *stmts  // prepared on read
	group *committer

	// Now returns the current time; tests may replace it before use.
	Now func() time.Time
}

// pragmas are applied to every connection, busy_timeout first.
var pragmas = []string{
	"busy_timeout(10000)",
	"foreign_keys(1)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
}

// Open opens (creating if needed) the database at dsn, a file path such as
// "./data/kassa.db" whose directory is created when missing, or ":memory:".
// It applies pending migrations.
func Open(ctx context.Context, dsn string) (_ *DB, err error) {
	defer wrap(&err, "sqlite.Open(%q)", dsn)
	if dsn == "" {
		return nil, kassa.Errorf(kassa.EINVALID, "The database path is empty.")
	}
	db := &DB{Now: time.Now}
	if dsn == ":memory:" {
		db.write, err = openPool(":memory:", pragmas[:2], true, 1)
		db.read = db.write
	} else {
		err = db.openFile(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.ws = &stmts{pool: db.write}
	db.rs = &stmts{pool: db.read, lazy: true, m: map[string]*sql.Stmt{}}
	if err := db.ws.prepare(ctx, writeQueries); err != nil {
		db.Close()
		return nil, err
	}
	db.group = newCommitter(db.write, db.ws)
	return db, nil
}

func (db *DB) openFile(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
	}
	var err error
	if db.write, err = openPool(path, pragmas, true, 1); err != nil {
		return err
	}
	if err := db.write.Ping(); err != nil { // sets WAL before readers open
		db.write.Close()
		return fmt.Errorf("open %s: %w", path, err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	if db.read, err = openPool(path, append(pragmas[:2:2], "query_only(1)"), false, readers); err != nil {
		db.write.Close()
		return err
	}
	return nil
}

// openPool opens a pool of at most n connections to path. A writer pool
// begins every transaction IMMEDIATE, taking the write lock up front.
func openPool(path string, pragmas []string, writer bool, n int) (*sql.DB, error) {
	q := url.Values{}
	if writer {
		q.Set("_txlock", "immediate")
	}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	conn, err := newCachingConnector(path + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	pool := sql.OpenDB(conn)
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	return pool, nil
}

// WriteDB returns the single-connection write pool. River's riversqlite
// driver uses it for its own tables, and TxFunc hooks receive a *sql.Tx of
// it. Because it has one connection, code holding one of its transactions
// must not call DB methods (they would wait for that same connection); a
// hook settles an inbox entry with CallbackWrite instead.
func (db *DB) WriteDB() *sql.DB { return db.write }

// Close finishes the queued writes and closes both pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	for _, s := range []*stmts{db.ws, db.rs} {
		if s != nil {
			s.close()
		}
	}
	var errs []error
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// now returns the current time in UTC at the millisecond precision stored.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Millisecond) }

// reader runs read statements on the read pool.
func (db *DB) reader() runner { return runner{stmts: db.rs} }

// writer runs a single write statement outside a transaction.
func (db *DB) writer() runner { return runner{stmts: db.ws} }

// transact runs fn in a write transaction and commits when fn succeeds:
// batched with other callers' writes (group.go), or alone while the store
// opens (migrations).
func (db *DB) transact(ctx context.Context, fn func(tx runner) error) error {
	if db.group != nil {
		return db.group.do(ctx, fn)
	}
	return db.transactAlone(ctx, fn)
}

// transactAlone runs fn in a write transaction of its own.
func (db *DB) transactAlone(ctx context.Context, fn func(tx runner) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(runner{tx: tx, stmts: db.ws}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// runHook runs then inside tx; a nil hook does nothing.
func runHook(ctx context.Context, tx runner, then kassa.TxFunc) error {
	if then == nil {
		return nil
	}
	if err := then(tx.context(ctx), tx.tx); err != nil {
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

// translate maps SQLite constraint violations to *kassa.Error by their
// extended result code, and returns nil for any other error.
func translate(err error) *kassa.Error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &kassa.Error{Code: kassa.ECONFLICT, Message: "The record already exists.", Err: err}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "A referenced record does not exist.", Err: err}
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return &kassa.Error{Code: kassa.EINVALID, Message: "A value is out of range.", Err: err}
	}
	return nil
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
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
