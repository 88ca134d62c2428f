package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// The driver compiles SQL text into a statement for every call that is not
// made through a prepared *sql.Stmt: the statements the group commit runs
// on the driver connection (group.go) and any other ad-hoc statement.
// cachingConn keeps the compiled statements of each connection, keyed by
// their text, and hands them out again.
//
// It deliberately implements neither driver.ExecerContext nor
// driver.QueryerContext, so database/sql prepares (a cache hit), runs and
// closes (returns to the cache) every ad-hoc statement.

// maxCachedStmts bounds the statements kept per connection.
const maxCachedStmts = 256

// cachingConnector opens connections of the modernc driver with a cache.
type cachingConnector struct {
	driver.Connector
}

func newCachingConnector(dsn string) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return cachingConnector{c}, nil
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

// inner is what cachingConn needs of the modernc connection.
type inner interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type cachingConn struct {
	c     inner
	cache map[string]*cachedStmt
	// direct holds the statements exec runs, by their text.
	direct map[string]driver.Stmt
}

func newCachingConn(conn driver.Conn) (driver.Conn, error) {
	c, ok := conn.(inner)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite: driver connection lacks context methods")
	}
	return &cachingConn{c: c, cache: map[string]*cachedStmt{}}, nil
}

// cachedStmt is a compiled statement owned by the cache. It is lent to one
// user at a time: a second use while the first one's rows are still open
// gets a statement of its own.
type cachedStmt struct {
	driver.Stmt
	busy bool
}

// lent is a cached statement while in use; Close gives it back.
type lent struct {
	*cachedStmt
}

func (l lent) Close() error {
	l.busy = false
	return nil
}

func (l lent) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return l.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (l lent) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return l.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if s, ok := c.cache[query]; ok && !s.busy {
		s.busy = true
		return lent{s}, nil
	} else if ok {
		return c.c.PrepareContext(ctx, query)
	}
	st, err := c.c.PrepareContext(ctx, query)
	if err != nil || len(c.cache) >= maxCachedStmts {
		return st, err
	}
	if _, ok := st.(driver.StmtExecContext); !ok {
		return st, nil
	}
	if _, ok := st.(driver.StmtQueryContext); !ok {
		return st, nil
	}
	s := &cachedStmt{Stmt: st, busy: true}
	c.cache[query] = s
	return lent{s}, nil
}

func (c *cachingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// exec runs query with args on the connection itself, past database/sql:
// the group commit's writes (group.go), whose committer holds this
// connection for its batch. Each query is compiled once and kept, as
// many as maxCachedStmts; a query beyond those is compiled for the call.
func (c *cachingConn) exec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st := c.direct[query]
	if st == nil {
		s, err := c.c.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		if len(c.direct) >= maxCachedStmts {
			defer s.Close()
		} else {
			if c.direct == nil {
				c.direct = make(map[string]driver.Stmt)
			}
			c.direct[query] = s
		}
		st = s
	}
	x, ok := st.(driver.StmtExecContext)
	if !ok {
		return nil, errors.New("sqlite: driver statement lacks ExecContext")
	}
	return x.ExecContext(ctx, args)
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, s := range c.cache {
		errs = append(errs, s.Stmt.Close())
		delete(c.cache, q)
	}
	for q, s := range c.direct {
		errs = append(errs, s.Close())
		delete(c.direct, q)
	}
	return errors.Join(append(errs, c.c.Close())...)
}

func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.c.BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error         { return c.c.Ping(ctx) }
func (c *cachingConn) ResetSession(ctx context.Context) error { return c.c.ResetSession(ctx) }
func (c *cachingConn) IsValid() bool                          { return c.c.IsValid() }
