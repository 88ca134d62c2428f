package sqlstore

import (
	"context"

	"github.com/kassa-dev/kassa"
)

// queryFunc reads the rows a query selects (QueryCallbacks, QueryMails).
type queryFunc[T any] func(ctx context.Context, q *Runner, query string, args ...any) ([]T, error)

// rowByID returns the row id of table, read with columns and query;
// ENOTFOUND naming it as noun ("Callback 7 does not exist.") if unknown.
func rowByID[T any](ctx context.Context, s *Store, table, columns string, query queryFunc[T], noun string, id int64) (T, error) {
	rows, err := query(ctx, s.b.Reader(), `SELECT `+columns+` FROM `+table+` WHERE id = ?`, id)
	if err != nil || len(rows) == 0 {
		var zero T
		if err == nil {
			err = kassa.Errorf(kassa.ENOTFOUND, "%s %d does not exist.", noun, id)
		}
		return zero, err
	}
	return rows[0], nil
}

// pageByStateAndOrder lists the rows of table newest first, those in
// state (any when "") of order orderID (any when 0), one page p, and
// counts those that match, at most kassa.CountCap+1.
func pageByStateAndOrder[T any](ctx context.Context, s *Store, table, columns string, query queryFunc[T],
	state string, orderID int64, p page) ([]T, int, error) {
	conds, args := byStateAndOrder(state, orderID)
	return pageWhere(ctx, s, table, columns, query, conds, args, p)
}

// byStateAndOrder returns the conditions on the rows in state (any when
// "") of order orderID (any when 0), and their arguments.
func byStateAndOrder(state string, orderID int64) (conds []string, args []any) {
	if state != "" {
		conds, args = append(conds, `state = ?`), append(args, state)
	}
	if orderID != 0 {
		conds, args = append(conds, `order_id = ?`), append(args, orderID)
	}
	return conds, args
}

// pageWhere lists the rows of table that meet conds (with args) newest
// first, one page p, and counts those that match, at most
// kassa.CountCap+1.
func pageWhere[T any](ctx context.Context, s *Store, table, columns string, query queryFunc[T],
	conds []string, args []any, p page) ([]T, int, error) {
	total, err := s.cappedCount(ctx, table, where(conds), args)
	if err != nil {
		return nil, 0, err
	}
	keyConds, keyArgs := p.conds("id")
	conds, args = append(conds, keyConds...), append(args, keyArgs...)
	tail, args := p.tail("id", args)
	rows, err := query(ctx, s.b.Reader(), `SELECT `+columns+` FROM `+table+where(conds)+tail, args...)
	return finish(p, rows), total, err
}

// queryRows runs query on q and reads every row it selects with scan,
// which takes the rows (Rows) or anything that scans a row.
func queryRows[T any, R interface{ Scan(...any) error }](ctx context.Context, q *Runner, scan func(R) (T, error),
	query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []T
	for rows.Next() {
		v, err := scan(any(rows).(R))
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}
