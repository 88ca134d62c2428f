package sqlite

import (
	"context"
	"testing"

	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// TestOrderIndexedWithItsBatch: an order inserted and its words changed
// in one batch, before the batch indexed it, is found by its new words
// and not by its old ones once the batch commits; the index stays sound
// (FTS5's integrity check).
func TestOrderIndexedWithItsBatch(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.transact(ctx, func(tx *sqlstore.Runner) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO orders (id, number, search, key, callback_token, status, currency,
			total, vat_total, customer, payment_method_id, version, created_at, updated_at) VALUES
			(1, 'K000001', 'k 000001 1 anna lind', 'k', 't', 'pending', 'SEK', 0, 0, '{}', '', 1, 0, 0)`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE orders SET search = 'k 000001 1 berit holm' WHERE id = 1`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := db.rd.QueryRowContext(ctx, `SELECT count(*) FROM orders_search WHERE orders_search MATCH ?`, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count("berit") != 1 || count("anna") != 0 {
		t.Errorf("berit %d, anna %d; want 1 and 0", count("berit"), count("anna"))
	}
	if _, err := db.wr.ExecContext(ctx, `INSERT INTO orders_search (orders_search, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Errorf("the index is not sound: %v", err)
	}
}
