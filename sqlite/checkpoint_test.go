package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestCheckpointer: the writer only checkpoints as a safety net, and a
// checkpoint on the checkpointer's own connection copies the whole WAL into
// the database file while the store stays open.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.ckpt.halt() // this test checkpoints by hand
	var pages int
	if err := db.WriteDB().QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages != writerCheckpointPages {
		t.Errorf("writer's wal_autocheckpoint = %d, want %d", pages, writerCheckpointPages)
	}
	for i := range 200 {
		p := kassa.Product{SKU: fmt.Sprintf("SKU-%03d", i), Name: "Product", Price: 1000, VATRate: 2500, Stock: 5}
		if err := db.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	before := fileSize(t, path)
	log, done, err := db.ckpt.once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if log == 0 || done != log {
		t.Errorf("checkpoint: %d frames in the WAL, %d copied; want all of at least one", log, done)
	}
	if after := fileSize(t, path); after <= before {
		t.Errorf("database file %d bytes before the checkpoint, %d after; want it to grow", before, after)
	}
	if _, err := db.Product(ctx, "SKU-199"); err != nil {
		t.Errorf("read after the checkpoint: %v", err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCheckpointerLoop: left to itself, the checkpointer copies what the
// writer appended to the WAL into the database file.
func TestCheckpointerLoop(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := fileSize(t, path)
	for i := range 200 {
		p := kassa.Product{SKU: fmt.Sprintf("SKU-%03d", i), Name: "Product", Price: 1000, VATRate: 2500, Stock: 5}
		if err := db.PutProduct(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// The writer alone would not checkpoint before writerCheckpointPages.
	for deadline := time.Now().Add(30 * time.Second); fileSize(t, path) <= before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes after 30 s: no checkpoint ran", before)
		}
	}
}
