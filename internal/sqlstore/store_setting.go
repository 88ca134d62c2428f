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

// Swaps of a setting: a missing one counts as "", so a swap from "" may
// insert; the conflict clause then swaps only a stored "".
const (
	swapEmptySettingSQL = `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value = ''`
	swapSettingSQL = `UPDATE settings SET value = ? WHERE key = ? AND value = ?`
)

// SwapSetting stores value under key if the stored value is old. See
// kassa.Settings.
func (s *Store) SwapSetting(ctx context.Context, key, old, value string) (_ bool, err error) {
	defer s.wrap(&err, "SwapSetting(%q)", key)
	if key == "" {
		return false, kassa.Errorf(kassa.EINVALID, "The setting name is empty.")
	}
	var res sql.Result
	if old == "" {
		res, err = s.b.Writer().ExecContext(ctx, swapEmptySettingSQL, key, value)
	} else {
		res, err = s.b.Writer().ExecContext(ctx, swapSettingSQL, value, key, old)
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
