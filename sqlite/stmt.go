package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Parsing SQL costs more than running it on SQLite, so the statements of
// the hot paths are prepared once: write statements when the store opens
// (a transaction holds the only write connection, so nothing can be
// prepared on the pool while one runs), read statements on first use.

// writeQueries lists the static write statements; see write.
var writeQueries []string

// write registers a static write statement for preparation at Open.
func write(query string) string {
	writeQueries = append(writeQueries, query)
	return query
}

// maxReadStmts bounds the lazily prepared read statements (listings with
// filters and IN lists of varying length produce many texts).
const maxReadStmts = 256

// stmts holds the prepared statements of one pool by their SQL text.
type stmts struct {
	pool *sql.DB
	lazy bool // prepare unknown statements on first use
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

// prepare prepares queries on the pool.
func (s *stmts) prepare(ctx context.Context, queries []string) error {
	s.m = make(map[string]*sql.Stmt, len(queries))
	for _, q := range queries {
		st, err := s.pool.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.m[q] = st
	}
	return nil
}

// get returns the prepared statement for query, or nil to run it unprepared.
func (s *stmts) get(ctx context.Context, query string) *sql.Stmt {
	s.mu.RLock()
	st := s.m[query]
	s.mu.RUnlock()
	if st != nil || !s.lazy {
		return st
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st = s.m[query]; st != nil || len(s.m) >= maxReadStmts {
		return st
	}
	st, err := s.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil // running it unprepared reports the error
	}
	s.m[query] = st
	return st
}

// close closes every statement.
func (s *stmts) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.m {
		st.Close()
	}
	s.m = nil
}

// runner runs statements prepared when possible, inside tx when set.
type runner struct {
	tx    *sql.Tx
	stmts *stmts
	// ctx, when set, replaces the context of every statement: the
	// committer's batches run with their own (see group.go).
	ctx context.Context
}

// context returns the context a statement runs with.
func (r runner) context(ctx context.Context) context.Context {
	if r.ctx != nil {
		return r.ctx
	}
	return ctx
}

// stmt returns query's prepared statement bound to the transaction, or nil.
func (r runner) stmt(ctx context.Context, query string) *sql.Stmt {
	st := r.stmts.get(ctx, query)
	if st != nil && r.tx != nil {
		st = r.tx.StmtContext(ctx, st)
	}
	return st
}

// plain is the unprepared runner: the transaction or the pool.
func (r runner) plain() querier {
	if r.tx != nil {
		return r.tx
	}
	return r.stmts.pool
}

func (r runner) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = r.context(ctx)
	if st := r.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return r.plain().ExecContext(ctx, query, args...)
}

func (r runner) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = r.context(ctx)
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return r.plain().QueryContext(ctx, query, args...)
}

func (r runner) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = r.context(ctx)
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return r.plain().QueryRowContext(ctx, query, args...)
}
