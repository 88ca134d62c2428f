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
// state (any when "") of order orderID (any when 0), one page of limit
// (0 = 50) from offset, and counts all that match.
func pageByStateAndOrder[T any](ctx context.Context, s *Store, table, columns string, query queryFunc[T],
	state string, orderID int64, limit, offset int) ([]T, int, error) {
	var conds []string
	var args []any
	if state != "" {
		conds, args = append(conds, `state = ?`), append(args, state)
	}
	if orderID != 0 {
		conds, args = append(conds, `order_id = ?`), append(args, orderID)
	}
	where := where(conds)
	var total int
	if err := s.b.Reader().QueryRowContext(ctx, `SELECT count(*) FROM `+table+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	args = append(args, pageSize(limit), max(offset, 0))
	rows, err := query(ctx, s.b.Reader(), `SELECT `+columns+` FROM `+table+where+
		` ORDER BY id DESC LIMIT ? OFFSET ?`, args...)
	return rows, total, err
}
