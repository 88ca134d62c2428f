package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
)

// shopDB is the shop's store: SQLite or PostgreSQL.
type shopDB interface {
	kassa.Store
	// WriteDB is the pool River's jobs live in, so that a job is
	// enqueued in the same transaction as the store change behind it.
	WriteDB() *sql.DB
	Close() error
}

// openDatabase opens the shop's store, PostgreSQL at --database-url or else
// SQLite in the data directory, with River's driver on its write pool.
// The engine runs River's migrations for that driver when it starts.
func openDatabase(ctx context.Context, cfg *serveConfig) (shopDB, riverdriver.Driver[*sql.Tx], error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, nil, fmt.Errorf("open database %s: %w", redactURL(cfg.DatabaseURL), err)
		}
		return db, riverdatabasesql.New(db.WriteDB()), nil
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.Data, "kassa.db"))
	if err != nil {
		return nil, nil, fmt.Errorf("open database: %w", err)
	}
	return db, riversqlite.New(db.WriteDB()), nil
}

// databaseName describes the shop's database for the banner, without a
// password.
func databaseName(cfg *serveConfig) string {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL " + redactURL(cfg.DatabaseURL)
	}
	return filepath.Join(cfg.Data, "kassa.db")
}

// redactURL hides the password of a database URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
