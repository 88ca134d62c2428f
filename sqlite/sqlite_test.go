package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// mustOpen opens dsn and closes it when t ends.
func mustOpen(tb testing.TB, dsn string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestStoreMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kassa.Store { return mustOpen(t, ":memory:") })
}

func TestStoreFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kassa.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "data", "kassa.db"))
	})
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutProduct(ctx, kassa.Product{SKU: "A", Name: "A", Price: 100, Stock: 3}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustOpen(t, path)
	if p, err := db.Product(ctx, "A"); err != nil || p.Stock != 3 {
		t.Fatalf("after reopening: %+v, %v; want product A with stock 3", p, err)
	}
	var n, versions int
	var mode string
	if err := db.WriteDB().QueryRow(`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &versions); err != nil {
		t.Fatal(err)
	}
	if err := db.WriteDB().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if n != versions || n == 0 || mode != "wal" {
		t.Fatalf("%d migration rows for %d versions, journal mode %q; want each once, wal", n, versions, mode)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ""); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("Open(\"\") error = %v, want code %s", err, kassa.EINVALID)
	}
}
