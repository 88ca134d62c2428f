package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/storetest"
)

// BenchmarkStore runs the store benchmarks, each in a fresh schema of
// $KASSA_TEST_POSTGRES (or skips b); -bench 'Store/Order$' picks one.
func BenchmarkStore(b *testing.B) {
	base := os.Getenv("KASSA_TEST_POSTGRES")
	if base == "" {
		b.Skip("SKIPPING PostgreSQL benchmarks: set KASSA_TEST_POSTGRES")
	}
	storetest.Bench(b, func(b *testing.B) kassa.Store { return benchSchema(b, base) })
}

// benchSchema opens the store in a fresh schema of base; the store is
// closed and the schema dropped when b ends. Benchmarks run one at a time,
// so the schema is named after the process only.
func benchSchema(b *testing.B, base string) *postgres.DB {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("kassa_bench_%d", os.Getpid())
	if _, err := admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE; CREATE SCHEMA ` + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}
