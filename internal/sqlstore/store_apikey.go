package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kassa-dev/kassa"
)

// The admin API's keys (kassa.APIKeys), found by the SHA-256 of the key.
const (
	apiKeyColumns   = `id, name, prefix, hash, created_at, last_used_at, revoked_at`
	insertAPIKeySQL = `INSERT INTO api_keys (name, prefix, hash, created_at) VALUES (?, ?, ?, ?)`
	apiKeyByHashSQL = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = ? AND revoked_at IS NULL`
	apiKeysSQL      = `SELECT ` + apiKeyColumns + ` FROM api_keys ORDER BY id DESC`
)

// maxAPIKeyName bounds the name of a key, in bytes.
const maxAPIKeyName = 100

// CreateAPIKey stores a new key. See kassa.APIKeys.
func (s *Store) CreateAPIKey(ctx context.Context, k *kassa.APIKey) (err error) {
	defer s.wrap(&err, "CreateAPIKey")
	if err := validateAPIKey(k); err != nil {
		return err
	}
	query := insertAPIKeySQL
	if !s.d.LastInsertID {
		query += ` RETURNING id`
	}
	return s.b.Transact(ctx, func(tx *Runner) error {
		id, err := s.insertID(ctx, tx, query, k.Name, k.Prefix, k.Hash[:], k.CreatedAt.UnixMilli())
		k.ID = id
		return err
	})
}

// validateAPIKey names every bad field of a new key.
func validateAPIKey(k *kassa.APIKey) error {
	var fields []kassa.FieldError
	check := func(bad bool, field, msg string) {
		if bad {
			fields = append(fields, kassa.FieldError{Field: field, Message: msg})
		}
	}
	check(k.Name == "", "name", "is required")
	check(len(k.Name) > maxAPIKeyName, "name", "is longer than 100 bytes")
	check(k.Prefix == "", "prefix", "is required")
	check(k.Hash == kassa.SessionHash{}, "hash", "is required")
	check(k.CreatedAt.IsZero(), "createdAt", "is required")
	if fields == nil {
		return nil
	}
	return &kassa.Error{Code: kassa.EINVALID, Message: "The API key is invalid.", Fields: fields}
}

// APIKeyByHash returns the valid key whose hash is h. See kassa.APIKeys.
func (s *Store) APIKeyByHash(ctx context.Context, h kassa.SessionHash) (_ kassa.APIKey, err error) {
	defer s.wrap(&err, "APIKeyByHash")
	k, err := scanAPIKey(s.b.Reader().QueryRowContext(ctx, apiKeyByHashSQL, h[:]))
	if errors.Is(err, sql.ErrNoRows) {
		return k, kassa.Errorf(kassa.ENOTFOUND, "The API key does not exist or was revoked.")
	}
	return k, err
}

// APIKeys lists every key, newest first.
func (s *Store) APIKeys(ctx context.Context) (_ []kassa.APIKey, err error) {
	defer s.wrap(&err, "APIKeys")
	return queryRows(ctx, s.b.Reader(), scanAPIKey, apiKeysSQL)
}

// RevokeAPIKey revokes key id, keeping the first revocation time.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64, at time.Time) (err error) {
	defer s.wrap(&err, "RevokeAPIKey(%d)", id)
	res, err := s.b.Writer().ExecContext(ctx,
		`UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, at.UnixMilli(), id)
	return oneAPIKey(res, err, id)
}

// TouchAPIKey sets the last use of key id.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) (err error) {
	defer s.wrap(&err, "TouchAPIKey(%d)", id)
	res, err := s.b.Writer().ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, at.UnixMilli(), id)
	return oneAPIKey(res, err, id)
}

// oneAPIKey is ENOTFOUND when the update res changed no key.
func oneAPIKey(res sql.Result, err error, id int64) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = kassa.Errorf(kassa.ENOTFOUND, "API key %d does not exist.", id)
	}
	return err
}

// scanAPIKey reads one row of apiKeyColumns.
func scanAPIKey(row interface{ Scan(...any) error }) (kassa.APIKey, error) {
	var k kassa.APIKey
	var hash []byte
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&k.ID, &k.Name, &k.Prefix, &hash, &created, &used, &revoked); err != nil {
		return k, err
	}
	copy(k.Hash[:], hash)
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = time.UnixMilli(created).UTC(), FromMillis(used), FromMillis(revoked)
	return k, nil
}
