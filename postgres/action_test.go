package postgres_test

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/kassa-dev/kassa/storetest"
)

// Migration 0005 makes the actions left pending before it due at once. The
// test takes a schema back to before 0005 and opens it again.
func TestMigrationQueuesPendingActions(t *testing.T) {
	base := baseURL(t)
	ping(t, base)
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 5))
	u := newSchema(t, base, rng)
	db := open(t, u)
	pending, succeeded := storetest.SeedActionQueueMigration(t, db)
	if _, err := db.WriteDB().ExecContext(context.Background(), storetest.ActionQueueDowngrade); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	storetest.CheckActionQueueMigration(t, open(t, u), pending, succeeded)
}
