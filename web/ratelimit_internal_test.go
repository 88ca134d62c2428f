package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
)

// limitStore opens a store for the limiters' tests.
func limitStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testAuthLimiter returns a sign-in limiter on st whose clock reads *now.
func testAuthLimiter(st kassa.Limits, now *time.Time) *authLimiter {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &authLimiter{store: st, now: func() time.Time { return *now }, mac: (&Server{key: []byte("k")}).mac,
		log: log, purge: newLimitPurge(st, log)}
}

// waitOf returns a function that returns the wait of a limiter call,
// failing t on an error.
func waitOf(t *testing.T) func(time.Duration, error) time.Duration {
	return func(wait time.Duration, err error) time.Duration {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return wait
	}
}

func TestAuthLimiterPerClient(t *testing.T) {
	ctx, mw := t.Context(), waitOf(t)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := testAuthLimiter(limitStore(t), &now)
	for i := range ipFailBurst {
		if w := mw(l.wait(ctx, "192.0.2.1", "admin")); w != 0 {
			t.Fatalf("failure %d: wait %v, want none", i+1, w)
		}
		l.fail(ctx, "192.0.2.1", "admin")
	}
	if w := mw(l.wait(ctx, "192.0.2.1", "admin")); w != ipFailEvery {
		t.Fatalf("after %d failures: wait %v, want %v", ipFailBurst, w, ipFailEvery)
	}
	if w := mw(l.waitClient(ctx, "192.0.2.1")); w != ipFailEvery {
		t.Fatalf("after %d failures, by the client alone: wait %v, want %v", ipFailBurst, w, ipFailEvery)
	}
	if w := mw(l.wait(ctx, "192.0.2.2", "admin")); w != 0 {
		t.Errorf("another client waits %v, want none", w)
	}
	now = now.Add(ipFailEvery - time.Second)
	if w := mw(l.wait(ctx, "192.0.2.1", "admin")); w != time.Second {
		t.Errorf("a second before the next token: wait %v, want 1s", w)
	}
	now = now.Add(time.Second)
	if w := mw(l.wait(ctx, "192.0.2.1", "admin")); w != 0 {
		t.Errorf("after %v: wait %v, want none", ipFailEvery, w)
	}
}

func TestAuthLimiterPerAccount(t *testing.T) {
	ctx, mw := t.Context(), waitOf(t)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := testAuthLimiter(limitStore(t), &now)
	for i := range accountFailBurst {
		l.fail(ctx, fmt.Sprintf("192.0.2.%d", i), "admin") // one failure per client
	}
	if w := mw(l.wait(ctx, "198.51.100.1", "admin")); w != accountFailEvery {
		t.Errorf("a fresh client after %d failures on the account: wait %v, want %v", accountFailBurst, w, accountFailEvery)
	}
	if w := mw(l.wait(ctx, "198.51.100.1", "clerk")); w != 0 {
		t.Errorf("another account waits %v, want none", w)
	}
	// An API key names no account: only the client's failures count.
	if w := mw(l.waitClient(ctx, "198.51.100.1")); w != 0 {
		t.Errorf("a fresh client with an API key waits %v, want none", w)
	}
}

// TestAuthLimiterPurges: a failure a minute after the last purge deletes
// the rows of the buckets that are full again; the others stay.
func TestAuthLimiterPurges(t *testing.T) {
	ctx, mw := t.Context(), waitOf(t)
	db := limitStore(t)
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	now := start
	l := testAuthLimiter(db, &now)
	l.fail(ctx, "192.0.2.1", "admin") // purges nothing: the first purge
	now = now.Add(limitPurgeEvery - time.Second)
	l.fail(ctx, "192.0.2.2", "admin") // too soon for another purge
	now = start.Add(limitPurgeEvery)
	l.fail(ctx, "192.0.2.3", "admin") // purges 192.0.2.1's full bucket
	if n, err := db.PurgeLimits(ctx, now, 100); err != nil || n != 0 {
		t.Errorf("rows left to purge: %d (%v), want 0", n, err)
	}
	// The buckets not full are kept: the account's and the later clients'.
	if w := mw(l.waitClient(ctx, "192.0.2.2")); w != 0 {
		t.Errorf("192.0.2.2 waits %v, want none after one failure", w)
	}
	for range ipFailBurst - 1 {
		l.fail(ctx, "192.0.2.3", "admin")
	}
	if w := mw(l.waitClient(ctx, "192.0.2.3")); w != ipFailEvery {
		t.Errorf("192.0.2.3 after %d failures: wait %v, want %v (its row was purged?)", ipFailBurst, w, ipFailEvery)
	}
}

// failingLimits is a store whose limits cannot be read or taken.
type failingLimits struct{}

var errLimitsDown = errors.New("limits down")

func (failingLimits) LimitWait(context.Context, time.Time, ...kassa.Limit) (time.Duration, error) {
	return 0, errLimitsDown
}

func (failingLimits) TakeLimit(context.Context, time.Time, ...kassa.Limit) (time.Duration, error) {
	return 0, errLimitsDown
}

func (failingLimits) PurgeLimits(context.Context, time.Time, int) (int64, error) {
	return 0, errLimitsDown
}

// TestAuthLimiterFailsClosed: when the store cannot say how long to wait,
// the sign-in is refused, not let through.
func TestAuthLimiterFailsClosed(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := testAuthLimiter(failingLimits{}, &now)
	if _, err := l.wait(t.Context(), "192.0.2.1", "admin"); err != errSignInUnavailable {
		t.Errorf("wait = %v, want errSignInUnavailable", err)
	}
	if _, err := l.waitClient(t.Context(), "192.0.2.1"); err != errSignInUnavailable {
		t.Errorf("waitClient = %v, want errSignInUnavailable", err)
	}
	l.fail(t.Context(), "192.0.2.1", "admin") // logs, and does not panic
}
