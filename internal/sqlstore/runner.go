package sqlstore

import (
	"context"
	"database/sql"
)

// Runner runs the statements of a Store: in Tx when set, else on DB, with
// the statement prepared for the query when there is one, and with the
// dialect's placeholders.
type Runner struct {
	Tx *sql.Tx
	DB *sql.DB
	// Ctx, when set, replaces the context of every statement (SQLite's
	// group commit runs a batch with its own).
	Ctx context.Context
	// Prepared, when set, returns the statement prepared for query on DB
	// or on the connection of Tx, or nil to run query as text.
	Prepared func(ctx context.Context, query string) *sql.Stmt
	// Rebind, when set, rewrites a query's ? placeholders into the
	// driver's.
	Rebind func(query string) string
	// Bound, when not nil, keeps the prepared statements bound to Tx, so
	// that a statement run several times in one transaction (a group
	// commit's batch) is bound once. Whoever sets it empties it for the
	// next transaction.
	Bound map[*sql.Stmt]*sql.Stmt
	// Exec, when set, runs every ExecContext instead of database/sql (on
	// the connection of Tx: SQLite's committer runs its batch's writes on
	// the driver connection directly).
	Exec func(ctx context.Context, query string, args []any) (sql.Result, error)
}

// HookContext returns the context a hook runs with: Ctx when set, else ctx.
func (r *Runner) HookContext(ctx context.Context) context.Context {
	if r.Ctx != nil {
		return r.Ctx
	}
	return ctx
}

// stmt returns query's prepared statement bound to the transaction, or nil.
func (r *Runner) stmt(ctx context.Context, query string) *sql.Stmt {
	if r.Prepared == nil {
		return nil
	}
	st := r.Prepared(ctx, query)
	if st == nil || r.Tx == nil {
		return st
	}
	if r.Bound == nil {
		return r.Tx.StmtContext(ctx, st)
	}
	b := r.Bound[st]
	if b == nil {
		b = r.Tx.StmtContext(ctx, st)
		r.Bound[st] = b
	}
	return b
}

// text returns query as the driver wants it.
func (r *Runner) text(query string) string {
	if r.Rebind != nil {
		return r.Rebind(query)
	}
	return query
}

func (r *Runner) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = r.HookContext(ctx)
	if r.Exec != nil {
		return r.Exec(ctx, r.text(query), args)
	}
	if st := r.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if r.Tx != nil {
		return r.Tx.ExecContext(ctx, r.text(query), args...)
	}
	return r.DB.ExecContext(ctx, r.text(query), args...)
}

func (r *Runner) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = r.HookContext(ctx)
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if r.Tx != nil {
		return r.Tx.QueryContext(ctx, r.text(query), args...)
	}
	return r.DB.QueryContext(ctx, r.text(query), args...)
}

func (r *Runner) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = r.HookContext(ctx)
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if r.Tx != nil {
		return r.Tx.QueryRowContext(ctx, r.text(query), args...)
	}
	return r.DB.QueryRowContext(ctx, r.text(query), args...)
}
