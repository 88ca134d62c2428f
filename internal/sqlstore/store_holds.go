package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/kassa-dev/kassa"
)

// holdsWhere selects the pending orders, stock still reserved, that carry
// one of the keys in the placeholder list that replaces {keys}.
const holdsWhere = `o.status = ? AND NOT o.stock_released
	AND o.id IN (SELECT order_id FROM order_clients WHERE client_key IN ({keys}))`

const (
	holdOrdersSQL = `SELECT count(*) FROM orders o WHERE ` + holdsWhere
	holdUnitsSQL  = `SELECT l.sku, sum(l.quantity) FROM order_lines l
		WHERE l.sku <> '' AND l.order_id IN (SELECT o.id FROM orders o WHERE ` + holdsWhere + `)
		GROUP BY l.sku`
	insertClientKeySQL = `INSERT INTO order_clients (client_key, order_id) VALUES (?, ?)`
)

// validateClientKeys refuses an empty client key.
func validateClientKeys(keys []string) error {
	if slices.Contains(keys, "") {
		return kassa.Errorf(kassa.EINVALID, "A client key is empty.")
	}
	return nil
}

// insertClientKeys records the client keys of order id, each once.
func insertClientKeys(ctx context.Context, tx *Runner, id int64, keys []string) error {
	for _, k := range distinct(keys) {
		if err := tx.Later(ctx, nil, insertClientKeySQL, k, id); err != nil {
			return err
		}
	}
	return nil
}

// ClientHolds returns what the pending orders carrying any of keys
// reserve. See kassa.Orders.
func (s *Store) ClientHolds(ctx context.Context, keys []string) (_ kassa.Holds, err error) {
	defer s.wrap(&err, "ClientHolds")
	h := kassa.Holds{Units: map[string]int64{}}
	if err := validateClientKeys(keys); err != nil || len(keys) == 0 {
		return h, err
	}
	keys = distinct(keys)
	list := "?" + strings.Repeat(", ?", len(keys)-1)
	args := make([]any, 0, len(keys)+1)
	args = append(args, kassa.StatusPending)
	for _, k := range keys {
		args = append(args, k)
	}
	q := s.b.Reader()
	if err := q.QueryRowContext(ctx, strings.Replace(holdOrdersSQL, "{keys}", list, 1), args...).Scan(&h.Orders); err != nil {
		return h, err
	}
	rows, err := q.QueryContext(ctx, strings.Replace(holdUnitsSQL, "{keys}", list, 1), args...)
	if err != nil {
		return h, err
	}
	defer rows.Close()
	for rows.Next() {
		var sku string
		var n int64
		if err := rows.Scan(&sku, &n); err != nil {
			return h, err
		}
		h.Units[sku] = n
	}
	return h, rows.Err()
}

// distinct returns keys without repeats, in their first order.
func distinct(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}
