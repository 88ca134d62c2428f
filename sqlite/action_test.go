package sqlite

import (
	"context"
	"testing"

	"github.com/kassa-dev/kassa/storetest"
)

// The action claim runs every second too: its statements must read the
// partial index actions_due without a sort.
func TestClaimActionsUsesIndex(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir()+"/plan.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	assertClaimPlans(t, db, claimActionsSQL, "actions_due")
}

// Migration 0005 makes the actions left pending before it due at once. The
// test takes a database back to before 0005 and opens it again.
func TestMigrationQueuesPendingActions(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/kassa.db"
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	pending, succeeded := storetest.SeedActionQueueMigration(t, db)
	if _, err := db.write.ExecContext(ctx, storetest.ActionQueueDowngrade); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.CheckActionQueueMigration(t, db, pending, succeeded)
}
