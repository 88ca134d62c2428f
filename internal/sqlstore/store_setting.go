package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kassa-dev/kassa"
)

const putSettingSQL = `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`

// Setting returns a stored setting, or "" and false.
func (s *Store) Setting(ctx context.Context, key string) (_ string, _ bool, err error) {
	defer s.wrap(&err, "Setting(%q)", key)
	var v string
	err = s.b.Reader().QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// PutSetting stores a setting.
func (s *Store) PutSetting(ctx context.Context, key, value string) (err error) {
	defer s.wrap(&err, "PutSetting(%q)", key)
	if key == "" {
		return kassa.Errorf(kassa.EINVALID, "The setting name is empty.")
	}
	_, err = s.b.Writer().ExecContext(ctx, putSettingSQL, key, value)
	return err
}
