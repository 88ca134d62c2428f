package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/kassa-dev/kassa/internal/sqlstore"
)

//go:embed migration/*.sql
var migrations embed.FS

// migrate applies, in order and each in its own transaction, the
// migrations not yet recorded in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`
	if _, err := db.write.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	ms, err := sqlstore.LoadMigrations(migrations)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	for _, m := range ms {
		if err := sqlstore.InTx(ctx, db.write, func(tx *sql.Tx) error { return db.apply(ctx, tx, m) }); err != nil {
			return fmt.Errorf("sqlstore.Migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// apply runs m in tx unless it is recorded already.
func (db *DB) apply(ctx context.Context, tx *sql.Tx, m sqlstore.Migration) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, db.now().UnixMilli())
	return err
}
