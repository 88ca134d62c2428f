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

// writeQueries lists the static write statements of this package (the
// claim's); see write. Open prepares them with those of
// sqlstore.WriteQueries. Inside the group commit's batches only the
// queries among them use these; its execs run statements compiled on the
// connection itself (committer.exec).
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

// get returns the prepared statement for query, or nil to run it
// unprepared; it is the Prepared of the store's sqlstore.Runners.
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
