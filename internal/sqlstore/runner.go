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
	// Pipe, when set, runs every statement instead (PostgreSQL's
	// transactions, which send several statements in one round trip).
	Pipe Pipe
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

// Rows are the rows a query selects: *sql.Rows, or a Pipe's.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is the first row a query selects: *sql.Row, or a Pipe's. Its Scan
// returns sql.ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Pipe runs the statements of one transaction on a connection that can
// send several in one round trip (docs/architecture.md §Store roles).
// Exec, Query and QueryRow need their answer, so they send whatever was
// queued with them and wait; Later queues a statement whose answer the
// transaction does not wait for: it is sent with the next statement that
// needs one, or with the commit, and its error, if any, fails the
// transaction then. The queries have the driver's placeholders.
type Pipe interface {
	Exec(ctx context.Context, query string, args []any) (sql.Result, error)
	Query(ctx context.Context, query string, args []any) (Rows, error)
	QueryRow(ctx context.Context, query string, args []any) Row
	// Later queues query; scan, when not nil, reads its first row (a
	// Row whose Scan returns sql.ErrNoRows when it selected none) when the
	// answer arrives.
	Later(query string, args []any, scan func(Row) error)
}

// Later runs a statement whose answer the transaction need not wait for:
// on a Pipe it is queued (see Pipe.Later), elsewhere it runs now. scan,
// when not nil, reads the statement's first row, as Pipe.Later says.
func (r *Runner) Later(ctx context.Context, scan func(Row) error, query string, args ...any) error {
	if r.Pipe != nil {
		r.Pipe.Later(r.text(query), args, scan)
		return nil
	}
	if scan != nil {
		return scan(r.QueryRowContext(ctx, query, args...))
	}
	_, err := r.ExecContext(ctx, query, args...)
	return err
}

// Pipelined reports whether r queues statements: a round trip then costs
// more than work done in the process to avoid one.
func (r *Runner) Pipelined() bool { return r.Pipe != nil }

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
	if r.Pipe != nil {
		return r.Pipe.Exec(ctx, r.text(query), args)
	}
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

func (r *Runner) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	ctx = r.HookContext(ctx)
	if r.Pipe != nil {
		return r.Pipe.Query(ctx, r.text(query), args)
	}
	var rows *sql.Rows
	var err error
	switch st := r.stmt(ctx, query); {
	case st != nil:
		rows, err = st.QueryContext(ctx, args...)
	case r.Tx != nil:
		rows, err = r.Tx.QueryContext(ctx, r.text(query), args...)
	default:
		rows, err = r.DB.QueryContext(ctx, r.text(query), args...)
	}
	if err != nil {
		return nil, err // not a nil *sql.Rows in a non-nil Rows
	}
	return rows, nil
}

func (r *Runner) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	ctx = r.HookContext(ctx)
	if r.Pipe != nil {
		return r.Pipe.QueryRow(ctx, r.text(query), args)
	}
	if st := r.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if r.Tx != nil {
		return r.Tx.QueryRowContext(ctx, r.text(query), args...)
	}
	return r.DB.QueryRowContext(ctx, r.text(query), args...)
}
