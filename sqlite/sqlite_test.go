package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storecache"
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

// TestStoreCached: the store behind package storecache, with SQLite's
// report of other connections' commits, is a kassa.Store too.
func TestStoreCached(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kassa.Store {
		db := mustOpen(t, filepath.Join(t.TempDir(), "kassa.db"))
		return storecache.Wrap(db, db)
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

// Migration 0003 makes the entries received before it due at once: their
// next attempt is when they were received. The test takes a database back
// to before 0003, stores entries the old way, and opens it again.
func TestMigrationQueuesReceivedCallbacks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	downgrade := fmt.Sprintf(`
		DROP INDEX callbacks_due;
		ALTER TABLE callbacks DROP COLUMN next_attempt_at;
		DELETE FROM schema_migrations WHERE version = 3;
		INSERT INTO callbacks (id, kind, payment_id, dedup_key, original, body, state, received_at, processed_at)
		VALUES (1, 'authorization', 'p1', 'p1/A', 1, x'', 'received', %d, NULL),
			(2, 'authorization', 'p1', 'p1/A', 0, x'', 'duplicate', 1773480001000, NULL),
			(3, 'management', 'p2', 'p2/B', 1, x'', 'processed', 1773480002000, 1773480003000)`, storetest.QueueMigrationReceived)
	if _, err := db.WriteDB().ExecContext(ctx, downgrade); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.CheckQueueMigration(t, mustOpen(t, path))
}

// TestWebhookEventUnwantedNotEncoded: SQLite checks for an endpoint that
// wants an event before encoding it (a read costs less than the encoding
// there); storetest allows a store to encode it anyway.
func TestWebhookEventUnwantedNotEncoded(t *testing.T) {
	db := mustOpen(t, ":memory:")
	encoded := 0
	ev := &kassa.WebhookEvent{OrderID: 1, Key: "1-created", Type: kassa.WebhookOrderCreated,
		Encode: func() ([]byte, error) { encoded++; return []byte(`{}`), nil }}
	if err := db.AddWebhookEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if encoded != 0 {
		t.Fatalf("encoded %d times with no endpoint", encoded)
	}
}
