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
	db, path := openFile(t)
	db.ckpt.halt() // this test checkpoints by hand
	var pages int
	if err := db.WriteDB().QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if pages != writerCheckpointPages {
		t.Errorf("writer's wal_autocheckpoint = %d, want %d", pages, writerCheckpointPages)
	}
	putProducts(t, db, 200)
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

// openFile opens a store on a file, closed when t ends, and returns its path.
func openFile(t *testing.T, opts ...Option) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// putProducts writes n products, one write transaction each.
func putProducts(t *testing.T, db *DB, n int) {
	t.Helper()
	for i := range n {
		p := kassa.Product{SKU: fmt.Sprintf("SKU-%03d", i), Name: "Product", Price: 1000, VATRate: 2500, Stock: 5}
		if err := db.PutProduct(context.Background(), p); err != nil {
			t.Fatal(err)
		}
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
	db, path := openFile(t)
	before := fileSize(t, path)
	putProducts(t, db, 200)
	// The writer alone would not checkpoint before writerCheckpointPages.
	for deadline := time.Now().Add(30 * time.Second); fileSize(t, path) <= before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes after 30 s: no checkpoint ran", before)
		}
	}
}

// TestOnCommitIgnoresCheckpoints: OnCommit reports another connection's
// commit at the next group commit, and nothing else. The checkpointer's
// connection copies the WAL into the file and restarts it, but commits
// nothing, so the writer's data_version must not change.
func TestOnCommitIgnoresCheckpoints(t *testing.T) {
	ctx := context.Background()
	db, path := openFile(t)
	db.ckpt.halt() // checkpoints by hand
	var reports []bool
	db.OnCommit(func(changed, ok bool) { // runs on the committer, one batch at a time
		if !ok {
			t.Error("OnCommit could not tell")
		}
		reports = append(reports, changed)
	})
	write := func() {
		t.Helper()
		if err := db.transact(ctx, putSetting(fmt.Sprint("k", len(reports)), "v")); err != nil {
			t.Fatal(err)
		}
	}
	write() // the first report: changed
	for i := range 3 {
		if log, done, err := db.ckpt.once(ctx); err != nil || done != log {
			t.Fatalf("checkpoint %d: %d of %d pages, %v; want the whole WAL copied", i, done, log, err)
		}
		write() // restarts the WAL
	}
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.PutSetting(ctx, "other", "1"); err != nil {
		t.Fatal(err)
	}
	write()
	if want := []bool{true, false, false, false, true}; fmt.Sprint(reports) != fmt.Sprint(want) {
		t.Fatalf("OnCommit reported %v, want %v", reports, want)
	}
}
