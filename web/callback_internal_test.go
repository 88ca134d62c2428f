package web

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/sqlite"
)

// TestTestNonce: the callback test nonce is accepted once, only while
// fresh, and only when it matches exactly.
func TestTestNonce(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s := &Server{cfg: Config{Store: db}, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		now: func() time.Time { return now }}

	take := func(n string) bool {
		t.Helper()
		ok, err := s.takeTestNonce(ctx, n)
		if err != nil {
			t.Fatalf("takeTestNonce(%q): %v", n, err)
		}
		return ok
	}
	if take("") || take("anything") {
		t.Fatal("a nonce was accepted before any was issued")
	}
	n, err := s.issueTestNonce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != 32 {
		t.Fatalf("nonce %q, want 32 hex digits", n)
	}
	if take("") || take(n[:31]) || take(n+"0") {
		t.Fatal("a wrong nonce was accepted")
	}
	if !take(n) {
		t.Fatal("the issued nonce was refused")
	}
	if take(n) {
		t.Fatal("the nonce was accepted twice")
	}

	// A newer nonce replaces the older one; an expired one is refused.
	old, err := s.issueTestNonce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err = s.issueTestNonce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if old == n || take(old) {
		t.Fatalf("the replaced nonce %q was accepted (new %q)", old, n)
	}
	now = now.Add(testNonceTTL + time.Second)
	if take(n) {
		t.Fatal("an expired nonce was accepted")
	}
}
