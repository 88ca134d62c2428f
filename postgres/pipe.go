package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// A transaction's statements travel in as few round trips as the
// transaction allows (docs/architecture.md §Store roles). On this machine
// kind a round trip to PostgreSQL costs the client and the server more
// CPU than most statements do, in system calls and wake-ups (kassa bench
// --store postgres, docs/performance.md §PostgreSQL). So BEGIN is not sent
// alone but with the transaction's first statement; a statement whose
// answer the transaction does not wait for (sqlstore.Runner.Later: an
// event, the lines, a mail) is queued and sent with the next statement
// that needs one, or with COMMIT. Each send is one pgx batch: its
// statements run in order in the transaction, and the first that fails
// fails the transaction, which is then rolled back.

// pipe is a transaction on one connection: the statements queued but not
// sent, and whether BEGIN was sent.
type pipe struct {
	conn   *pgx.Conn
	queued []queued
	begun  bool
}

// queued is a statement waiting to be sent, with how to read its answer
// (nil: the command tag is enough).
type queued struct {
	query string
	args  []any
	scan  func(sqlstore.Row) error
}

// transactPipe runs fn in a transaction on a connection of the pool, as
// one pipe, and commits when fn succeeds.
func (db *DB) transactPipe(ctx context.Context, fn func(p *pipe) error) error {
	c, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connection: %w", err)
	}
	defer c.Close()
	return c.Raw(func(dc any) error {
		p := &pipe{conn: dc.(*stdlib.Conn).Conn()}
		if err := fn(p); err != nil {
			p.rollback()
			return err
		}
		return p.commit(ctx)
	})
}

func (p *pipe) Later(query string, args []any, scan func(sqlstore.Row) error) {
	p.queued = append(p.queued, queued{query: query, args: args, scan: scan})
}

func (p *pipe) Exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	br, err := p.send(ctx, query, args)
	if err != nil {
		return nil, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return result(tag.RowsAffected()), nil
}

func (p *pipe) Query(ctx context.Context, query string, args []any) (sqlstore.Rows, error) {
	br, err := p.send(ctx, query, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &pipeRows{Rows: rows, br: br}, nil
}

func (p *pipe) QueryRow(ctx context.Context, query string, args []any) sqlstore.Row {
	br, err := p.send(ctx, query, args)
	if err != nil {
		return errRow{err}
	}
	return &pipeRow{row: br.QueryRow(), br: br}
}

// send sends BEGIN if it was not sent, the queued statements and query,
// reads the queued statements' answers and returns the batch's results
// positioned at query's.
func (p *pipe) send(ctx context.Context, query string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	if !p.begun {
		b.Queue("BEGIN")
	}
	for _, q := range p.queued {
		b.Queue(q.query, q.args...)
	}
	b.Queue(query, args...)
	return p.sendBatch(ctx, b)
}

// sendBatch sends b and reads the answers of BEGIN and of the queued
// statements, which it empties.
func (p *pipe) sendBatch(ctx context.Context, b *pgx.Batch) (pgx.BatchResults, error) {
	br := p.conn.SendBatch(ctx, b)
	queued := p.queued
	p.queued = nil
	if !p.begun {
		p.begun = true
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
	}
	for _, q := range queued {
		var err error
		if q.scan != nil {
			err = q.scan(noRows{br.QueryRow()})
		} else {
			_, err = br.Exec()
		}
		if err != nil {
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

// commit sends the queued statements and COMMIT; a transaction that
// sent nothing has nothing to commit.
func (p *pipe) commit(ctx context.Context) error {
	if !p.begun && len(p.queued) == 0 {
		return nil
	}
	br, err := p.send(ctx, "COMMIT", nil)
	if err != nil {
		p.rollback()
		return err
	}
	_, err = br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rollback ends a transaction that failed. It runs even when the
// caller's context has ended; a connection it cannot roll back is closed,
// so that the pool drops it.
func (p *pipe) rollback() {
	p.queued = nil
	if !p.begun {
		return
	}
	if _, err := p.conn.Exec(context.Background(), "ROLLBACK"); err != nil {
		p.conn.Close(context.Background())
	}
}

// result is the sql.Result of a pipe's Exec.
type result int64

func (r result) LastInsertId() (int64, error) {
	return 0, errors.New("postgres: no last insert id; use RETURNING")
}
func (r result) RowsAffected() (int64, error) { return int64(r), nil }

// pipeRows are the rows of a pipe's Query; closing them ends the batch.
type pipeRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r *pipeRows) Close() error {
	r.Rows.Close()
	err := r.Rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// pipeRow is the row of a pipe's QueryRow; scanning it ends the batch.
type pipeRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r *pipeRow) Scan(dest ...any) error {
	err := noRows{r.row}.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// noRows is a pgx row whose Scan says sql.ErrNoRows as database/sql does.
type noRows struct{ row pgx.Row }

func (r noRows) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

// errRow is a row that could not be read.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
