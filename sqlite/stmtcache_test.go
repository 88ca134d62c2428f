package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// openCached opens a one-connection caching pool on a temp file database.
func openCached(tb testing.TB) *sql.DB {
	tb.Helper()
	c, err := newCachingConnector(filepath.Join(tb.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)")
	if err != nil {
		tb.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
		INSERT INTO t (v) VALUES ('a'), ('b'), ('c')`); err != nil { // a script: several statements
		tb.Fatal(err)
	}
	return db
}

func values(tb testing.TB, rows *sql.Rows) []string {
	tb.Helper()
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// The same text is run again and again on one connection, also while the
// rows of an earlier run of it are still open (the cached statement is
// busy then), inside and outside transactions.
func TestStmtCacheReuse(t *testing.T) {
	db := openCached(t)
	ctx := context.Background()
	const q = `SELECT v FROM t WHERE id >= ? ORDER BY id`
	for range 3 {
		rows, err := db.QueryContext(ctx, q, 2)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"b", "c"}, values(t, rows)); diff != "" {
			t.Fatalf("rows (-want +got):\n%s", diff)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !outer.Next() {
		t.Fatal("no first row")
	}
	inner, err := tx.QueryContext(ctx, q, 3) // same text while outer is open
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"c"}, values(t, inner)); diff != "" {
		t.Fatalf("inner rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"b", "c"}, values(t, outer)); diff != "" {
		t.Fatalf("rest of outer rows (-want +got):\n%s", diff)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE t SET v = ? WHERE id = ?`, "z", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE t SET v = ? WHERE id = ?`, "y", 2); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"z", "y", "c"}, values(t, rows)); diff != "" {
		t.Fatalf("after updates (-want +got):\n%s", diff)
	}
}

// A failed statement leaves its cached statement usable, and an error is
// reported as the driver reports it.
func TestStmtCacheAfterError(t *testing.T) {
	db := openCached(t)
	const ins = `INSERT INTO t (id, v) VALUES (?, ?)`
	if _, err := db.Exec(ins, 1, "dup"); err == nil {
		t.Fatal("duplicate primary key: no error")
	}
	if _, err := db.Exec(ins, 9, "x"); err != nil {
		t.Fatalf("after an error: %v", err)
	}
	var v string
	if err := db.QueryRow(`SELECT v FROM t WHERE id = ?`, 9).Scan(&v); err != nil || v != "x" {
		t.Fatalf("got %q, %v; want x", v, err)
	}
}

// The cache is bounded: statements beyond the bound are compiled and
// finalized per use and still work.
func TestStmtCacheBound(t *testing.T) {
	db := openCached(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range maxCachedStmts + 10 {
		var n int
		// Distinct texts: a different literal each time.
		if err := conn.QueryRowContext(context.Background(), `SELECT count(*) + `+itoa(i)+` FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3+i {
			t.Fatalf("query %d: got %d", i, n)
		}
	}
	err = conn.Raw(func(dc any) error {
		if got := len(dc.(*cachingConn).cache); got > maxCachedStmts {
			t.Errorf("cache holds %d statements, bound %d", got, maxCachedStmts)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// BenchmarkAdHocStatement runs a River-sized ad-hoc statement (not through
// a prepared *sql.Stmt) on a plain and on a caching connection.
func BenchmarkAdHocStatement(b *testing.B) {
	const q = `SELECT id, v, length(v), upper(v), lower(v), coalesce(v, ''), json_array(id, v)
		FROM t WHERE id IN (?, ?, ?) AND v <> '' AND (id > 0 OR v IS NULL) ORDER BY id, v LIMIT 10`
	run := func(b *testing.B, db *sql.DB) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := db.Query(q, 1, 2, 3)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("plain", func(b *testing.B) {
		db, err := sql.Open("sqlite", filepath.Join(b.TempDir(), "p.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('a'), ('b'), ('c')`); err != nil {
			b.Fatal(err)
		}
		run(b, db)
	})
	b.Run("cached", func(b *testing.B) { run(b, openCached(b)) })
}
