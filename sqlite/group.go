package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// Group commit. A file database has one write connection, so write
// transactions run one after the other anyway; what each of them costs on
// top of its statements is the hand-over of the connection, BEGIN, and a
// COMMIT that appends every page it changed to the WAL. The committer runs
// the write transactions that callers queued while the previous batch ran
// in one SQLite transaction, each inside its own SAVEPOINT, and commits
// once: a page that several of them change (an index page, the events
// table's last page) is written to the WAL once per batch.
//
// Each caller's work stays apart. A failing write is rolled back to its
// savepoint and only its caller sees the error; the others commit. A
// caller returns only after the batch committed (or failed as a whole), so
// it never reports a write that is not durable, nor misses one that is.
// Statements run with the batch's context, not the caller's: SQLite
// answers an interrupted statement by rolling back the whole transaction,
// so one caller's cancelled request must not interrupt the others' work. A
// caller whose context ends before its write starts gets the context's
// error and nothing is written.

// maxBatch bounds the writes in one transaction.
const maxBatch = 64

// errClosed is returned for writes queued after Close.
var errClosed = errors.New("sqlite: database is closed")

// writeOp is one caller's write transaction.
type writeOp struct {
	ctx  context.Context
	fn   func(tx *sqlstore.Runner) error
	done chan error // buffered: the committer never waits for the caller
}

// committer runs queued writes in batches on the write pool.
type committer struct {
	pool *sql.DB
	ops  chan *writeOp
	prep func(ctx context.Context, query string) *sql.Stmt // stmts.get
	r    sqlstore.Runner                                   // the current batch's, reused: only loop uses it
	// bound holds the batch's statements bound to its transaction
	// (Runner.Bound), emptied for every batch.
	bound map[*sql.Stmt]*sql.Stmt
	// raw is the current batch's driver connection and execFn its
	// exec, the batch Runner's Exec (only loop uses them); args is
	// exec's reused argument slice.
	raw    *cachingConn
	execFn func(ctx context.Context, query string, args []any) (sql.Result, error)
	args   []driver.NamedValue
	// onCommit, when set, is told at the start of every batch whether
	// another connection committed since the previous one (DB.OnCommit);
	// version is the data_version read then, 0 before the first read.
	onCommit atomic.Pointer[func(changed, ok bool)]
	version  int64
	// window is the commit window (commitWindow unless Open was told
	// otherwise) and timer its timer, stopped between uses (loop's).
	window time.Duration
	timer  *time.Timer

	mu     sync.RWMutex // guards closed against sends on ops
	closed bool
	wg     sync.WaitGroup
}

func newCommitter(pool *sql.DB, st *stmts, window time.Duration) *committer {
	c := &committer{pool: pool, prep: st.get, ops: make(chan *writeOp, maxBatch), window: window,
		bound: make(map[*sql.Stmt]*sql.Stmt), timer: time.NewTimer(time.Hour)}
	c.timer.Stop()
	c.execFn = c.exec
	c.wg.Go(c.loop)
	return c
}

// do queues fn and waits for its batch to end.
func (c *committer) do(ctx context.Context, fn func(tx *sqlstore.Runner) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.ops <- op
	c.mu.RUnlock()
	return <-op.done
}

// close runs what is queued and stops the committer.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.ops)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// Lingering. A batch's COMMIT costs about the same whether it carries one
// write or ten (it appends the pages the batch changed to the WAL, and
// most writes change the same index and table pages), so the committer
// should not run a small batch while writers are about to queue more.
// When it finds fewer than lingerBelow writes queued, it yields the
// processor up to lingerYields times (runtime.Gosched) and takes what was
// queued meanwhile. On a busy shop the goroutines that run in between are
// the ones about to write; on an idle one nothing else is runnable and the
// yields return at once, so a lone write is not delayed. kassa bench,
// three alternations with the order cache (docs/performance.md): ratio
// 0.399–0.404 without, 0.411–0.419 with, the shop phase keeping 1.85–1.87
// instead of 1.81–1.83 cores busy.
//
// The commit window. Yielding gathers what is about to be queued; on a
// loaded shop more writes follow within a millisecond. When the previous
// batch carried more than one write (writers are queueing behind each
// other, as PostgreSQL's commit_siblings asks) and this one has fewer than
// windowBatch after lingering, the committer waits up to commitWindow for
// more. A lone write on a quiet shop never waits: its previous batch was
// one write too. Each waiting write is delayed by at most commitWindow; in
// exchange a batch carries about twice the writes and appends fewer
// pages to the WAL per write (docs/performance.md, sixth session).
const (
	lingerBelow  = 8
	lingerYields = 4
	windowBatch  = 16
	commitWindow = time.Millisecond
)

// loop takes the first queued write, gathers more (fill) and runs them as
// one batch.
func (c *committer) loop() {
	batch := make([]*writeOp, 0, maxBatch)
	busy := false
	for op := range c.ops {
		batch = c.fill(append(batch[:0], op), busy)
		busy = len(batch) > 1
		c.run(batch)
	}
}

// fill adds queued writes to batch up to maxBatch: what is queued, then
// what is queued while it lingers, then, when busy, what is queued within
// the commit window.
func (c *committer) fill(batch []*writeOp, busy bool) []*writeOp {
	yields, waiting := 0, false
	defer func() {
		if waiting {
			c.timer.Stop()
		}
	}()
	for len(batch) < maxBatch {
		select {
		case op, ok := <-c.ops:
			if !ok {
				return batch
			}
			batch = append(batch, op)
			continue
		default:
		}
		switch {
		case len(batch) < lingerBelow && yields < lingerYields:
			yields++
			runtime.Gosched()
		case busy && len(batch) < windowBatch:
			if !waiting {
				waiting = true
				c.timer.Reset(c.window)
			}
			select {
			case op, ok := <-c.ops:
				if !ok {
					return batch
				}
				batch = append(batch, op)
			case <-c.timer.C:
				waiting = false
				return batch
			}
		default:
			return batch
		}
	}
	return batch
}

// run executes one batch and answers every caller.
func (c *committer) run(batch []*writeOp) {
	live := batch[:0:0]
	for _, op := range batch {
		if err := op.ctx.Err(); err != nil {
			op.done <- err // never started: nothing written
			continue
		}
		live = append(live, op)
	}
	if len(live) == 0 {
		return
	}
	errs, err := c.commit(live)
	for i, op := range live {
		if err != nil {
			errs[i] = errors.Join(errs[i], err)
		}
		op.done <- errs[i]
	}
}

// commit runs ops in one transaction and commits it. errs holds each op's
// own error; err is non-nil when the transaction as a whole failed, and
// then nothing of any op was written.
func (c *committer) commit(ops []*writeOp) (errs []error, err error) {
	errs = make([]error, len(ops))
	ctx := context.Background() // see the comment at the top of this file
	conn, err := c.pool.Conn(ctx)
	if err != nil {
		return errs, fmt.Errorf("connection: %w", err)
	}
	defer conn.Close()
	raw := driverConn(conn)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return errs, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	clear(c.bound)
	c.r = sqlstore.Runner{Tx: tx, Ctx: ctx, Prepared: c.prep, Bound: c.bound}
	if raw != nil {
		c.raw, c.r.Exec = raw, c.execFn
	}
	defer func() { c.r, c.raw = sqlstore.Runner{}, nil }()
	r := &c.r
	if fn := c.onCommit.Load(); fn != nil {
		c.reportChanges(ctx, tx, *fn)
	}
	if len(ops) == 1 {
		if errs[0] = call(ops[0].fn, r); errs[0] != nil {
			return errs, nil // rolled back by the deferred Rollback
		}
	} else {
		for i, op := range ops {
			if errs[i], err = savepoint(ctx, op.fn, r); err != nil {
				return errs, err
			}
		}
	}
	if err := indexNewOrders(ctx, r); err != nil {
		return errs, err
	}
	if err := tx.Commit(); err != nil {
		return errs, fmt.Errorf("commit: %w", err)
	}
	return errs, nil
}

// The statements of indexNewOrders (migration 0028).
const (
	indexNewOrdersSQL = `INSERT INTO orders_search (rowid, search)
		SELECT id, search FROM orders WHERE id > (SELECT last_id FROM orders_search_indexed)`
	markIndexedSQL = `UPDATE orders_search_indexed SET last_id = (SELECT max(id) FROM orders)
		WHERE last_id < (SELECT max(id) FROM orders)`
)

// indexNewOrders puts the words of the orders this batch (or any writer
// since the last batch) inserted into the search index, once for the
// batch, after its last savepoint: FTS5 flushes the terms it holds at
// every savepoint, so indexing in each order's own savepoint wrote a
// segment per order (docs/performance.md). The batch commits the orders
// and their words together. A failure fails the batch.
func indexNewOrders(ctx context.Context, r *sqlstore.Runner) error {
	res, err := r.ExecContext(ctx, indexNewOrdersSQL)
	if err != nil {
		return fmt.Errorf("index new orders: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return nil
	}
	if _, err := r.ExecContext(ctx, markIndexedSQL); err != nil {
		return fmt.Errorf("mark orders indexed: %w", err)
	}
	return nil
}

// reportChanges tells fn whether another connection committed since the
// previous batch: the write connection's PRAGMA data_version changes
// exactly then. A failed read reports that it cannot tell.
func (c *committer) reportChanges(ctx context.Context, tx *sql.Tx, fn func(changed, ok bool)) {
	var v int64
	if err := tx.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		c.version = 0
		fn(true, false)
		return
	}
	changed := v != c.version
	c.version = v
	fn(changed, true)
}

// driverConn returns conn's driver connection when it is this package's
// (every pool's is), else nil.
func driverConn(conn *sql.Conn) *cachingConn {
	var cc *cachingConn
	_ = conn.Raw(func(dc any) error {
		cc, _ = dc.(*cachingConn)
		return nil
	})
	return cc
}

// exec runs a statement of the batch on its driver connection, as
// database/sql would but without its per-statement argument slice, result
// wrapper and transaction binding: the committer holds the connection for
// the batch (it took it with Conn and runs the transaction on it), and
// runs its writes one after the other, so nothing else uses it meanwhile.
// Arguments are converted as database/sql converts them for a driver
// without its own checker.
func (c *committer) exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	nv := c.args[:0]
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, fmt.Errorf("sqlite: argument %d of %q: %w", i+1, query, err)
		}
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	res, err := c.raw.exec(ctx, query, nv)
	clear(nv) // keep no argument alive until the next statement
	c.args = nv[:0]
	return res, err
}

// The savepoint statements, run like the batch's own writes (exec).
const (
	savepointSQL   = "SAVEPOINT w"
	rollbackToSQL  = "ROLLBACK TO w"
	releaseSaveSQL = "RELEASE w"
)

// savepoint runs fn inside a savepoint of r's transaction and rolls it
// back to the savepoint when fn fails: fnErr is fn's error. err reports a
// savepoint statement that failed, which leaves the transaction unusable.
func savepoint(ctx context.Context, fn func(*sqlstore.Runner) error, r *sqlstore.Runner) (fnErr, err error) {
	if _, err := r.ExecContext(ctx, savepointSQL); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	if fnErr = call(fn, r); fnErr != nil {
		if _, err := r.ExecContext(ctx, rollbackToSQL); err != nil {
			return fnErr, fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if _, err := r.ExecContext(ctx, releaseSaveSQL); err != nil {
		return fnErr, fmt.Errorf("release savepoint: %w", err)
	}
	return fnErr, nil
}

// call runs fn, turning a panic into its error: the committer serves
// every caller and must not die with one of them.
func call(fn func(*sqlstore.Runner) error, r *sqlstore.Runner) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: panic in a write transaction: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(r)
}
