package kassa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"
)

// APIKey is a key another system (a merchant's own shop) uses on the
// admin API as `Authorization: Bearer <key>`. Only the SHA-256 of the key
// is stored (Hash): the key itself is shown once, when it is created.
// Prefix is its first characters ("kassa_3f9a"), enough to recognise it in
// a list without being able to use it.
type APIKey struct {
	ID         int64       `json:"id"`
	Name       string      `json:"name"`
	Prefix     string      `json:"prefix"`
	Hash       SessionHash `json:"-"`
	CreatedAt  time.Time   `json:"createdAt"`
	LastUsedAt time.Time   `json:"lastUsedAt"` // zero until used; kept to the minute or so
	RevokedAt  time.Time   `json:"revokedAt"`  // zero while the key is valid
}

// Revoked reports whether the key no longer opens anything.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// APIKeys is the admin API's keys. Times are kept to the millisecond.
type APIKeys interface {
	// CreateAPIKey stores k (ID filled in). EINVALID when its Name is
	// empty or longer than 100 bytes, its Prefix empty, its Hash zero or
	// its CreatedAt zero; ECONFLICT when a key with its Hash exists.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns the key whose Hash is h, unless it is revoked:
	// ENOTFOUND for an unknown or revoked key. It reads the store every
	// time, so that a revoke by another process counts at once.
	APIKeyByHash(ctx context.Context, h SessionHash) (APIKey, error)
	// APIKeys lists every key, revoked ones too, newest first.
	APIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey revokes key id at at; revoking a revoked key keeps its
	// first RevokedAt and is no error. ENOTFOUND when there is no such key.
	RevokeAPIKey(ctx context.Context, id int64, at time.Time) error
	// TouchAPIKey sets the LastUsedAt of key id to at; ENOTFOUND when
	// there is no such key.
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error
}

// APIKeyPrefix starts every API key, so that a key is recognisable in a
// configuration file or a leak scanner.
const APIKeyPrefix = "kassa_"

// apiKeyShown is how many characters of a key its Prefix keeps.
const apiKeyShown = len(APIKeyPrefix) + 8

// NewAPIKey makes a key named name, created at now: the secret key, shown
// once ("kassa_" and 43 base64url characters, 256 random bits), and the
// APIKey to store, which holds only its hash.
func NewAPIKey(name string, now time.Time) (string, *APIKey, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("kassa.NewAPIKey: %w", err)
	}
	key := APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, &APIKey{Name: name, Prefix: key[:apiKeyShown], Hash: HashAPIKey(key), CreatedAt: now}, nil
}

// HashAPIKey returns what the store keeps of key: its SHA-256. A key of
// 256 random bits needs no slow hash.
func HashAPIKey(key string) SessionHash { return sha256.Sum256([]byte(key)) }
