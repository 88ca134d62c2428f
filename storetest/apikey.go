package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestAPIKeys holds the stores open returns to kassa.APIKeys.
func TestAPIKeys(t *testing.T, open Opener[kassa.APIKeys]) {
	run(t, open, []test[kassa.APIKeys]{
		{"CreateAndFind", testAPIKeyCreate},
		{"Invalid", testAPIKeyInvalid},
		{"Revoke", testAPIKeyRevoke},
		{"Touch", testAPIKeyTouch},
	})
}

// apiKey returns a key named n created at created.
func apiKey(n string, created time.Time) *kassa.APIKey {
	return &kassa.APIKey{Name: n, Prefix: "kassa_" + n, Hash: sha256.Sum256([]byte(n)), CreatedAt: created}
}

func testAPIKeyCreate(t *testing.T, s kassa.APIKeys) {
	a, b := apiKey("a", at), apiKey("b", at.Add(time.Minute))
	must(t, s.CreateAPIKey(ctx, a))
	must(t, s.CreateAPIKey(ctx, b))
	if a.ID == 0 || b.ID == 0 || a.ID == b.ID {
		t.Fatalf("ids %d and %d, want two distinct ids", a.ID, b.ID)
	}
	wantCode(t, s.CreateAPIKey(ctx, apiKey("a", at)), kassa.ECONFLICT)

	got, err := s.APIKeyByHash(ctx, a.Hash)
	must(t, err)
	if d := diff(*a, got); d != "" {
		t.Fatalf("APIKeyByHash (-want +got):\n%s", d)
	}
	_, err = s.APIKeyByHash(ctx, sha256.Sum256([]byte("unknown")))
	wantCode(t, err, kassa.ENOTFOUND)

	list, err := s.APIKeys(ctx)
	must(t, err)
	if d := diff([]kassa.APIKey{*b, *a}, list); d != "" {
		t.Fatalf("APIKeys, newest first (-want +got):\n%s", d)
	}
}

func testAPIKeyInvalid(t *testing.T, s kassa.APIKeys) {
	long := make([]byte, 101)
	for i := range long {
		long[i] = 'x'
	}
	for _, k := range []*kassa.APIKey{
		{Prefix: "kassa_x", Hash: sha256.Sum256([]byte("x")), CreatedAt: at},
		{Name: string(long), Prefix: "kassa_x", Hash: sha256.Sum256([]byte("x")), CreatedAt: at},
		{Name: "x", Hash: sha256.Sum256([]byte("x")), CreatedAt: at},
		{Name: "x", Prefix: "kassa_x", CreatedAt: at},
		{Name: "x", Prefix: "kassa_x", Hash: sha256.Sum256([]byte("x"))},
	} {
		wantCode(t, s.CreateAPIKey(ctx, k), kassa.EINVALID)
	}
	list, err := s.APIKeys(ctx)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("invalid keys stored: %v", list)
	}
}

func testAPIKeyRevoke(t *testing.T, s kassa.APIKeys) {
	a, b := apiKey("a", at), apiKey("b", at)
	must(t, s.CreateAPIKey(ctx, a))
	must(t, s.CreateAPIKey(ctx, b))
	revoked := at.Add(time.Hour)
	must(t, s.RevokeAPIKey(ctx, a.ID, revoked))
	_, err := s.APIKeyByHash(ctx, a.Hash)
	wantCode(t, err, kassa.ENOTFOUND)
	if _, err := s.APIKeyByHash(ctx, b.Hash); err != nil {
		t.Fatalf("the other key after a revoke: %v", err)
	}
	must(t, s.RevokeAPIKey(ctx, a.ID, revoked.Add(time.Hour)))
	wantCode(t, s.RevokeAPIKey(ctx, 9999, revoked), kassa.ENOTFOUND)

	list, err := s.APIKeys(ctx)
	must(t, err)
	for _, k := range list {
		if k.ID == a.ID && !k.RevokedAt.Equal(revoked) {
			t.Fatalf("revoked at %v, want the first revocation %v", k.RevokedAt, revoked)
		}
		if k.ID == b.ID && k.Revoked() {
			t.Fatalf("key b revoked: %+v", k)
		}
	}
}

func testAPIKeyTouch(t *testing.T, s kassa.APIKeys) {
	a := apiKey("a", at)
	must(t, s.CreateAPIKey(ctx, a))
	used := at.Add(3 * time.Minute)
	must(t, s.TouchAPIKey(ctx, a.ID, used))
	got, err := s.APIKeyByHash(ctx, a.Hash)
	must(t, err)
	if !got.LastUsedAt.Equal(used) {
		t.Fatalf("LastUsedAt %v, want %v", got.LastUsedAt, used)
	}
	wantCode(t, s.TouchAPIKey(ctx, 9999, used), kassa.ENOTFOUND)
}
