package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/storetest"
)

// baseURL returns $KASSA_TEST_POSTGRES or skips t.
func baseURL(t *testing.T) string {
	u := os.Getenv("KASSA_TEST_POSTGRES")
	if u == "" {
		t.Skip("SKIPPING PostgreSQL tests: set KASSA_TEST_POSTGRES, e.g. " +
			"KASSA_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'")
	}
	return u
}

// openSchema creates a fresh schema, opens the store in it and drops the
// schema when t ends. A connection failure fails t.
func openSchema(t *testing.T, base string, rng *rand.Rand) *postgres.DB {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("kassa_test_%016x", rng.Uint64())
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema (is PostgreSQL at %s running?): %v", base, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	base := baseURL(t)
	ping(t, base)
	// Schema names only need to differ between concurrent runs.
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(os.Getppid())))
	storetest.Run(t, func(t *testing.T) kassa.Store { return openSchema(t, base, rng) })
}

// ping fails t when PostgreSQL at base cannot be reached.
func ping(t *testing.T, base string) {
	db, err := sql.Open("pgx", base)
	if err == nil {
		defer db.Close()
		err = db.Ping()
	}
	if err != nil {
		t.Fatalf("KASSA_TEST_POSTGRES is set but PostgreSQL cannot be reached: %v", err)
	}
}
