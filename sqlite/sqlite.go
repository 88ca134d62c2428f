// Package sqlite implements kassa.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go).
//
// A file database runs in WAL mode with one writer connection (every write
// transaction is BEGIN IMMEDIATE on it, so writers never race) and a
// separate pool of read connections. The store's write transactions go
// through a committer that runs those queued by concurrent callers in one
// SQLite transaction, each in its own savepoint, and commits once (group
// commit, group.go). At every group commit it can report whether another
// connection committed since the last (OnCommit), which is what package
// storecache needs to keep orders and product terms in memory.
// ":memory:" uses one connection for everything so that all callers see
// the same data. The schema is created
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
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

var _ kassa.Store = (*DB)(nil)

// DB is a kassa.Store backed by SQLite. The methods it shares with package
// postgres come from sqlstore.Store, run by backend.
type DB struct {
	sqlstore.Store

	write *sql.DB          // one connection: the only writer
	read  *sql.DB          // the write pool itself for :memory:
	ws    *stmts           // prepared on write
	rs    *stmts           // prepared on read
	rd    *sqlstore.Runner // runs on rs
	wr    *sqlstore.Runner // runs on ws, outside a transaction
	group *committer
	ckpt  *checkpointer // nil for :memory:
	cfg   config
}

// config is what the Options set.
type config struct {
	now    func() time.Time // the store's clock
	window time.Duration    // the group commit's commit window
}

// Option configures Open.
type Option func(*config)

// WithClock sets the clock that stamps what the store writes (default
// time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// dialect is how SQLite spells what the shared statements need.
var dialect = &sqlstore.Dialect{
	StrPos:    "instr",
	Name:      "sqlite",
	Translate: translate,
	// No FOR UPDATE: the single writer keeps rows from changing under a
	// write transaction.
	ForUpdate: "",
	// A search reads the full-text index (migration 0010; ftsSearch).
	SearchQuery: ftsSearch,
	EmailKey:    `lower(json_extract(customer, '$.email'))`,
	// modernc.org/sqlite reports sqlite3_last_insert_rowid.
	LastInsertID: true,
	// The id is the next integer, so the human number ("K001042") is set
	// in the same statement; the single writer makes that race-free. No
	// RETURNING (see LastInsertID): the store formats the number again.
	InsertOrderSQL: `
		INSERT INTO orders (` + sqlstore.OrderInsertColumns + `)
		SELECT n, printf('` + sqlstore.OrderNumberFormat + `', n),
			'k ' || substr(printf('` + sqlstore.OrderNumberFormat + `', n), 2) || ' ' || n || ?, ?, ?, ?, ?, ?, ?,
			?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		FROM (SELECT coalesce(max(id), 0) + 1 AS n FROM orders)`,
	MarkReleasedSQL: `UPDATE orders SET stock_released = 1 WHERE id = ? AND stock_released = 0`,
	ReleaseSQL: `
		UPDATE products SET stock = stock + (
			SELECT sum(quantity) FROM order_lines WHERE order_id = ?1 AND sku = products.sku)
		WHERE sku IN (SELECT sku FROM order_lines WHERE order_id = ?1)`,
	InsertCallbackSQL: `
		INSERT INTO callbacks (` + sqlstore.CallbackInsertColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedup_key) WHERE dedup_key <> '' AND original = 1 DO NOTHING`,
	// The single-order reads return the order and its lines in one
	// statement, the lines as the JSON array that
	// sqlstore.ScanOrderWithLines decodes (see there, also for why not a
	// join). json_array keeps integers integers and escapes quotes,
	// backslashes and control characters in strings; json_group_array of
	// no rows is '[]'.
	//
	// The lines come ordered from a subquery rather than by
	// json_group_array(... ORDER BY idx), which sorts in a temporary
	// b-tree even though the primary key (order_id, idx) already delivers
	// them in order: BenchmarkOrder measured 19.8 µs instead of 22.4 µs.
	// SQLite keeps the ORDER BY of a FROM subquery that feeds an aggregate
	// other than count, min or max (it dropped it once, ticket #2942, and
	// has a regression test since), and the primary-key scan yields idx
	// order anyway; storetest checks the order of 60 lines.
	LinesJSON: `
		(SELECT json_group_array(json_array(` + sqlstore.LineColumns + `))
			FROM (SELECT * FROM order_lines WHERE order_id = orders.id ORDER BY idx))`,
}

// pragmas are applied to every connection, busy_timeout first.
var pragmas = []string{
	"busy_timeout(10000)",
	"foreign_keys(1)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	fmt.Sprintf("wal_autocheckpoint(%d)", writerCheckpointPages), // see checkpoint.go
	// Statement and savepoint journals in memory: the group committer
	// (group.go) runs every write in a savepoint of its batch, and the
	// pages each one changes were copied to a temporary file first
	// (docs/performance.md). They are undo data for a transaction still
	// open, never needed after a crash.
	"temp_store(MEMORY)",
}

// Open opens (creating if needed) the database at dsn, a file path such as
// "./data/kassa.db" whose directory is created when missing, or ":memory:".
// It applies pending migrations.
func Open(ctx context.Context, dsn string, opts ...Option) (_ *DB, err error) {
	defer wrap(&err, "sqlite.Open(%q)", dsn)
	if dsn == "" {
		return nil, kassa.Errorf(kassa.EINVALID, "The database path is empty.")
	}
	db := &DB{cfg: config{now: time.Now, window: commitWindow}}
	for _, o := range opts {
		o(&db.cfg)
	}
	db.Store = sqlstore.NewStore(dialect, (*backend)(db), db.cfg.now)
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
	db.rd = &sqlstore.Runner{DB: db.read, Prepared: db.rs.get}
	db.wr = &sqlstore.Runner{DB: db.write, Prepared: db.ws.get}
	if err := db.ws.prepare(ctx, append(sqlstore.WriteQueries(dialect), writeQueries...)); err != nil {
		db.Close()
		return nil, err
	}
	db.group = newCommitter(db.write, db.ws, db.cfg.window)
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
	ckpt, err := openPool(path, append(pragmas[:2:2], "synchronous(NORMAL)"), false, 1)
	if err != nil {
		db.read.Close()
		db.write.Close()
		return err
	}
	db.ckpt = newCheckpointer(ckpt)
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

// WriteDB returns the single-connection write pool; a TxFunc's Tx holds a
// transaction of it. Because it has one connection, code holding one of
// its transactions must not call DB methods (they would wait for that same
// connection); a hook settles an inbox entry with its Tx instead.
func (db *DB) WriteDB() *sql.DB { return db.write }

// Close finishes the queued writes and closes both pools.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	var errs []error
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	for _, s := range []*stmts{db.ws, db.rs} {
		if s != nil {
			s.close()
		}
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// now returns the current time in UTC at the millisecond precision stored.
func (db *DB) now() time.Time { return db.cfg.now().UTC().Truncate(time.Millisecond) }

// OnCommit implements storecache.Changes: at the start of every group
// commit, holding the write lock, the committer reads the write
// connection's PRAGMA data_version, which changes exactly when another
// connection committed (a checkpoint commits nothing), and calls fn with
// whether it changed since the previous batch. A later call replaces fn:
// a DB feeds one cache, and writes that bypass that cache (another
// wrapper's, the DB's own) are not reported, since they commit on the
// same connection.
func (db *DB) OnCommit(fn func(changed, ok bool)) { db.group.onCommit.Store(&fn) }

// backend runs the statements of db.Store: reads on the read pool,
// writes on the write connection, prepared (stmt.go), and transactions
// through the committer.
type backend DB

func (b *backend) Reader() *sqlstore.Runner { return b.rd }

// Keyed runs the reads of one order or product on the write connection.
// A read connection starts every read transaction after another
// connection's commit with an empty page cache (SQLite drops it when the
// WAL has changed), and the shop commits all the time, so each of its
// reads fetched the b-tree pages again from the WAL or the file. The
// writer's cache stays valid: it made every change itself. These reads
// take a few microseconds on the connection, between the group commits'
// batches; listings and reports stay on the read pool, where a long
// query cannot hold up the writes. (In a TxFunc hook, which holds the
// write connection, calling a DB method waits for that connection; hooks
// use the Tx they get instead.) kassa bench: about 9 % less CPU per shop
// journey (docs/performance.md). Behind package storecache most order
// reads do not reach the database at all.
//
// Keyed stays here rather than in storecache: what it chooses is the
// connection a read runs on, which only the SQLite backend knows, and its
// gain is the write connection's page cache, not a result kept in memory.
func (b *backend) Keyed() *sqlstore.Runner  { return b.wr }
func (b *backend) Writer() *sqlstore.Runner { return b.wr }

func (b *backend) Transact(ctx context.Context, fn func(tx *sqlstore.Runner) error) error {
	return (*DB)(b).transact(ctx, fn)
}

// reader runs read statements on the read pool.
func (db *DB) reader() *sqlstore.Runner { return db.rd }

// transact runs fn in a write transaction, batched with other callers'
// writes (group.go), and returns once the batch committed.
func (db *DB) transact(ctx context.Context, fn func(tx *sqlstore.Runner) error) error {
	return db.group.do(ctx, fn)
}

// wrap is sqlstore.Wrap with SQLite's translation.
func wrap(err *error, format string, args ...any) {
	if *err != nil {
		sqlstore.Wrap(err, translate, fmt.Sprintf(format, args...))
	}
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
