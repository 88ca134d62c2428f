// Package postgres implements kassa.Store on PostgreSQL through pgx's
// database/sql driver (github.com/jackc/pgx/v5/stdlib), so that the SQL it
// shares with package sqlite (internal/sqlstore) runs on *sql.Tx as there.
//
// Several processes may share one database: stock is reserved by
// conditional updates taken in SKU order, orders change by compare-and-set
// on their version, callbacks are deduplicated by a partial unique index,
// and inbox entries are claimed with SELECT … FOR UPDATE SKIP LOCKED, so
// that concurrent claims take disjoint entries. The schema is created and
// upgraded by numbered, embedded, forward-only migrations that Open
// applies under an advisory lock.
//
// The store reports no other instance's commits, so package storecache
// can wrap it only where one process alone uses the database; cmd/kassa
// runs PostgreSQL without it.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/sqlstore"
)

var _ kassa.Store = (*DB)(nil)

// DB is a kassa.Store backed by PostgreSQL. The methods it shares with
// package sqlite come from sqlstore.Store, run by backend.
type DB struct {
	sqlstore.Store

	db    *sql.DB
	pq    *sqlstore.Runner // runs on db, numbering placeholders
	lanes chan struct{}    // CreateOrders in flight, at most orderLanes
	clock func() time.Time // stamps what the store writes (WithClock)
}

// Connections and order lanes. Every order of a product locks that
// product's row to reserve stock, until its commit, which waits for the
// WAL flush; orders of a popular product therefore pass one at a time, and
// each one queued behind the row lock holds a pool connection while it
// waits. Unbounded, they took the whole pool under kassa bench (10 waits
// for a connection per journey), and the callback acks and order reads
// waited behind them (ack p99 74–100 ms). At most orderLanes CreateOrders
// run at once; the others wait in the process, not in PostgreSQL, and the
// rest of the pool stays free. kassa bench --store postgres, two
// alternations: ack p99 74–83 → 30–34 ms, callback → applied p99 159–161
// → 68–81 ms, 153–174 → 175–224 journeys/s (with 2 lanes ack p99 was
// 27 ms, with 8 48 ms; 4 leaves room for orders of different products).
const (
	poolConns  = 20
	orderLanes = 4
)

// dialect is how PostgreSQL spells what the shared statements need. Its
// statements are written with ? placeholders too; rebind numbers them.
var dialect = &sqlstore.Dialect{
	StrPos:    "strpos",
	Name:      "postgres",
	Translate: translate,
	// Several processes may write: a row read to decide a write is locked.
	ForUpdate: ` FOR UPDATE`,
	// Stock is reserved last in CreateOrder: every order of a popular
	// product updates the same product row, and its row lock is held until
	// the commit, so the inserts are done before it is taken (kassa bench,
	// docs/performance.md). A refused order still writes nothing: the
	// transaction rolls back.
	ReserveLast: true,
	ArrayArgs:   true,
	// A search reads order_words (migration 0030; search.go).
	SearchQuery: wordsSearch,
	EmailKey:    `lower(customer ->> 'email')`,
	// The id comes from the sequence, so the human number ("K001042") is
	// set in the same statement.
	InsertOrderSQL: `
		INSERT INTO orders (` + sqlstore.OrderInsertColumns + `)
		SELECT n.id, n.number, 'k ' || substr(n.number, 2) || ' ' || n.id || ?, ?, ?, ?, ?, ?, ?,
			?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
		FROM (SELECT id, 'K' || CASE WHEN id < 1000000 THEN lpad(id::text, 6, '0') ELSE id::text END AS number
			FROM (SELECT nextval('orders_id_seq') AS id) s) n
		RETURNING id, number`,
	AfterBulkSQL: `SELECT setval('orders_id_seq', (SELECT max(id) FROM orders))`,
	SettleSQL: []string{`VACUUM FULL order_counts`, `VACUUM (ANALYZE) orders`, `VACUUM (ANALYZE) order_lines`,
		`VACUUM (ANALYZE) events`, `VACUUM (ANALYZE) callbacks`, `VACUUM (ANALYZE) actions`,
		`VACUUM (ANALYZE) mails`, `VACUUM (ANALYZE) order_words`},
	MarkReleasedSQL: `UPDATE orders SET stock_released = true WHERE id = ? AND NOT stock_released`,
	ReleaseSQL: `
		UPDATE products p SET stock = p.stock + l.quantity
		FROM (SELECT sku, sum(quantity) AS quantity FROM order_lines WHERE order_id = ? AND sku <> ''
			GROUP BY sku) l
		WHERE p.sku = l.sku`,
	InsertCallbackSQL: `
		INSERT INTO callbacks (` + sqlstore.CallbackInsertColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedup_key) WHERE dedup_key <> '' AND original DO NOTHING`,
	// The single-order reads return the order and its lines in one
	// statement, the lines as the JSON array that
	// sqlstore.ScanOrderWithLines decodes (see there, also for why not a
	// join). json_build_array keeps integers integers and escapes quotes,
	// backslashes and control characters in strings; json_agg of no rows
	// is NULL, hence the coalesce. Its ORDER BY is the documented way to
	// order an aggregate's input.
	LinesJSON: `
		(SELECT coalesce(json_agg(json_build_array(` + sqlstore.LineColumns + `) ORDER BY idx), '[]')
			FROM order_lines WHERE order_id = orders.id)`,
}

// Option configures Open.
type Option func(*DB)

// WithClock sets the clock that stamps what the store writes (default
// time.Now).
func WithClock(now func() time.Time) Option {
	return func(db *DB) { db.clock = now }
}

// sessionDefaults are the settings of the store's sessions that url may
// override (see Open).
var sessionDefaults = map[string]string{"jit": "off", "max_parallel_workers_per_gather": "0"}

// Open connects to url (postgres://user@host:5432/db?sslmode=disable; a
// search_path parameter selects the schema) and applies pending migrations.
//
// Its sessions run without JIT compilation and parallel workers
// (sessionDefaults), unless url sets them: every statement of the store
// reads or writes a page of rows through an index, where compiling costs
// hundreds of milliseconds and starting workers tens, and neither saves
// anything. A search's per-order checks (search.go) are estimated high:
// one such plan passed PostgreSQL's JIT threshold and spent 612 ms
// compiling at a million orders; a search with a status was planned with
// a worker and took 154 ms where the plan without took 3.
func Open(ctx context.Context, url string, opts ...Option) (_ *DB, err error) {
	defer wrap(&err, "postgres.Open")
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	for k, v := range sessionDefaults {
		if _, ok := cfg.RuntimeParams[k]; !ok {
			cfg.RuntimeParams[k] = v
		}
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(poolConns)
	pool.SetMaxIdleConns(poolConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{db: pool, pq: &sqlstore.Runner{DB: pool, Rebind: rebind}, lanes: make(chan struct{}, orderLanes),
		clock: time.Now}
	for _, o := range opts {
		o(db)
	}
	db.Store = sqlstore.NewStore(dialect, (*backend)(db), db.clock)
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

// CreateOrder is sqlstore.Store.CreateOrder in one of the order lanes (see
// orderLanes); a caller whose context ends while it waits for a lane gets
// the context's error and nothing is written.
func (db *DB) CreateOrder(ctx context.Context, o *kassa.Order, ev kassa.Event, then kassa.TxFunc) error {
	select {
	case db.lanes <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("postgres.CreateOrder: waiting for an order lane: %w", ctx.Err())
	}
	defer func() { <-db.lanes }()
	return db.Store.CreateOrder(ctx, o, ev, then)
}

// WriteDB returns the connection pool (a TxFunc's Tx holds a transaction
// of it).
func (db *DB) WriteDB() *sql.DB { return db.db }

// Close closes the pool.
func (db *DB) Close() error { return db.db.Close() }

// now returns the current time in UTC at the millisecond precision stored.
func (db *DB) now() time.Time { return db.clock().UTC().Truncate(time.Millisecond) }

// backend runs the statements of db.Store on the pool (pgx caches
// prepared statements per connection by itself), numbering their
// placeholders.
type backend DB

func (b *backend) Reader() *sqlstore.Runner { return b.pq }
func (b *backend) Keyed() *sqlstore.Runner  { return b.pq }
func (b *backend) Writer() *sqlstore.Runner { return b.pq }

func (b *backend) Transact(ctx context.Context, fn func(tx *sqlstore.Runner) error) error {
	return (*DB)(b).transactPipe(ctx, func(p *pipe) error { return fn(&sqlstore.Runner{Pipe: p, Rebind: rebind}) })
}

// writer runs statements on the pool.
func (db *DB) writer() *sqlstore.Runner { return db.pq }

// transact runs fn in a transaction and commits when fn succeeds.
func (db *DB) transact(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return sqlstore.InTx(ctx, db.db, fn)
}

// wrap is sqlstore.Wrap with PostgreSQL's translation.
func wrap(err *error, format string, args ...any) {
	if *err != nil {
		sqlstore.Wrap(err, translate, fmt.Sprintf(format, args...))
	}
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

// rebound caches rebind's results by statement text. The texts are the
// static statements and those of listings, whose filters combine into a
// few; maxRebound bounds it all the same. (A map under a lock rather than
// a sync.Map, whose any keys would allocate on every lookup.)
var rebound struct {
	sync.RWMutex
	m map[string]string
}

const maxRebound = 1024

// rebind returns query with its ? placeholders numbered $1, $2, …,
// leaving those inside quotes alone.
func rebind(query string) string {
	rebound.RLock()
	out, ok := rebound.m[query]
	rebound.RUnlock()
	if ok {
		return out
	}
	if strings.IndexByte(query, '?') < 0 {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out = b.String()
	rebound.Lock()
	if rebound.m == nil {
		rebound.m = make(map[string]string)
	}
	if len(rebound.m) < maxRebound {
		rebound.m[query] = out
	}
	rebound.Unlock()
	return out
}
