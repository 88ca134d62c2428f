package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kassa-dev/kassa"
)

// Write statements, prepared at Open.
var (
	putSettingSQL = write(`INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
)

// Setting returns a stored setting, or "" and false.
func (db *DB) Setting(ctx context.Context, key string) (_ string, _ bool, err error) {
	defer wrap(&err, "sqlite.Setting(%q)", key)
	var v string
	err = db.reader().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// PutSetting stores a setting.
func (db *DB) PutSetting(ctx context.Context, key, value string) (err error) {
	defer wrap(&err, "sqlite.PutSetting(%q)", key)
	if key == "" {
		return kassa.Errorf(kassa.EINVALID, "The setting name is empty.")
	}
	_, err = db.writer().ExecContext(ctx, putSettingSQL, key, value)
	return err
}
