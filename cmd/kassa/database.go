package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storecache"
)

// openDatabase opens the shop's store, PostgreSQL at --database-url or else
// SQLite in the data directory.
//
// SQLite runs behind the store cache (package storecache): SQLite reports
// other processes' commits to the file at every group commit. PostgreSQL
// runs without it, because several instances of the shop may share one
// database and the cache would not see the others' commits.
func openDatabase(ctx context.Context, cfg *serveConfig) (kassa.Store, error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", redactURL(cfg.DatabaseURL), err)
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.Data, "kassa.db"))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return storecache.Wrap(db, db), nil
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
