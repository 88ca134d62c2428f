package sqlite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/internal/sqlstore"
)

// The claim runs every second: its statements must read the partial index
// callbacks_due instead of scanning or sorting the inbox, both on a new
// database and on a large inbox with statistics (ANALYZE).
func TestClaimUsesIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir()+"/plan.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	assertClaimPlans(t, db, claimCallbacksSQL, "callbacks_due")
	const fill = `
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
		INSERT INTO callbacks (kind, payment_id, dedup_key, original, body, state, received_at, next_attempt_at)
		SELECT 'authorization', 'p', 'k' || i, 1, x'', iif(i % 500 = 0, 'received', 'processed'), i,
			iif(i % 500 = 0, i, NULL)
		FROM n;
		ANALYZE;`
	if _, err := db.write.ExecContext(ctx, fill); err != nil {
		t.Fatal(err)
	}
	assertClaimPlans(t, db, claimCallbacksSQL, "callbacks_due")
}

// assertClaimPlans fails t unless every statement of the claim q reads
// the partial index without a sort.
func assertClaimPlans(t *testing.T, db *DB, q claimSQL, index string) {
	t.Helper()
	now := time.Now().UnixMilli()
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{q.anyDue, []any{now}},
		{q.sel, []any{now, 10}},
		{q.lease, []any{now, 10, now + 60000}},
	} {
		plan := explain(t, db, st.sql, st.args...)
		if !strings.Contains(plan, "INDEX "+index) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of %s:\n%s\nwant the index %s, no sort", st.sql, plan, index)
		}
	}
}

// explain returns the query plan of query, one step a line.
func explain(t *testing.T, db *DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.write.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// The single-order reads must find the order by its primary key or the
// partial index orders_payment_id and its lines by their primary key, in
// order, without sorting.
func TestOrderReadsUseIndexes(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir()+"/plan.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	orderByIDSQL, orderByPaymentIDSQL := sqlstore.OrderReads(dialect)
	for _, q := range []struct {
		sql, index string
		arg        any
	}{
		{orderByIDSQL, "SEARCH orders USING INTEGER PRIMARY KEY", int64(1)},
		{orderByPaymentIDSQL, "SEARCH orders USING INDEX orders_payment_id", "pay-1"},
	} {
		plan := explain(t, db, q.sql, q.arg)
		if !strings.Contains(plan, q.index) || !strings.Contains(plan, "SEARCH order_lines USING PRIMARY KEY") ||
			strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of %s:\n%s\nwant %s, the primary key of order_lines, no sort", q.sql, plan, q.index)
		}
	}
}

// A search by a whole e-mail address reads the index orders_email in the
// order of the ids, without sorting (sqlstore.Store.emailOrders).
func TestEmailSearchUsesIndex(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir()+"/plan.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	match := dialect.EmailKey + ` = lower(?)`
	for _, q := range []string{
		`SELECT 1 FROM orders WHERE ` + match + ` LIMIT 1`,
		`SELECT id FROM orders WHERE ` + match + ` AND status = 'refunded' AND id < 100 ORDER BY id DESC LIMIT 50`,
		`SELECT id FROM orders WHERE ` + match + ` AND id > 100 ORDER BY id ASC LIMIT 50`,
	} {
		plan := explain(t, db, q, "Anna.Lind@example.se")
		if !strings.Contains(plan, "INDEX orders_email (") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of %s:\n%s\nwant the index orders_email, no sort", q, plan)
		}
	}
}

// A search by words with a status checks the status in the index
// orders_status, and its count reads no order (ftsSearch).
func TestWordSearchStatusUsesIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir()+"/plan.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws, err := ftsSearch(ctx, db.wr, []string{"lindqvist"})
	if err != nil {
		t.Fatal(err)
	}
	cond := strings.Join(append(ws.Where, ws.Status), " AND ")
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT 1 FROM ` + ws.CountFrom + ` WHERE ` + cond + ` LIMIT 1001)`,
		`SELECT orders.id FROM ` + ws.From + ` WHERE ` + cond + ` ORDER BY ` + ws.Key + ` DESC LIMIT 51`,
	} {
		plan := explain(t, db, q, append(ws.Args, "refunded")...)
		if !strings.Contains(plan, "COVERING INDEX orders_status (status=? AND id=?") {
			t.Errorf("plan of %s:\n%s\nwant the status looked up in orders_status", q, plan)
		}
		if reads := strings.Contains(plan, "SEARCH orders USING INTEGER PRIMARY KEY"); reads != strings.Contains(q, " JOIN orders ") {
			t.Errorf("plan of %s:\n%s\nwant orders read only by the page's join", q, plan)
		}
	}
}
