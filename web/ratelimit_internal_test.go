package web

import (
	"fmt"
	"testing"
	"time"
)

func TestAuthLimiterPerClient(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := newAuthLimiter(func() time.Time { return now })
	for i := range ipFailBurst {
		if w := l.wait("192.0.2.1", "admin"); w != 0 {
			t.Fatalf("failure %d: wait %v, want none", i+1, w)
		}
		l.fail("192.0.2.1", "admin")
	}
	if w := l.wait("192.0.2.1", "admin"); w != ipFailEvery {
		t.Fatalf("after %d failures: wait %v, want %v", ipFailBurst, w, ipFailEvery)
	}
	if w := l.wait("192.0.2.2", "admin"); w != 0 {
		t.Errorf("another client waits %v, want none", w)
	}
	now = now.Add(ipFailEvery - time.Second)
	if w := l.wait("192.0.2.1", "admin"); w != time.Second {
		t.Errorf("a second before the next token: wait %v, want 1s", w)
	}
	now = now.Add(time.Second)
	if w := l.wait("192.0.2.1", "admin"); w != 0 {
		t.Errorf("after %v: wait %v, want none", ipFailEvery, w)
	}
}

func TestAuthLimiterPerAccount(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := newAuthLimiter(func() time.Time { return now })
	for i := range accountFailBurst {
		l.fail(fmt.Sprintf("192.0.2.%d", i), "admin") // one failure per client
	}
	if w := l.wait("198.51.100.1", "admin"); w != accountFailEvery {
		t.Errorf("a fresh client after %d failures on the account: wait %v, want %v", accountFailBurst, w, accountFailEvery)
	}
	if w := l.wait("198.51.100.1", "clerk"); w != 0 {
		t.Errorf("another account waits %v, want none", w)
	}
}

func TestAuthLimiterBoundsMemory(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	l := newAuthLimiter(func() time.Time { return now })
	for range ipFailBurst {
		l.fail("192.0.2.1", "admin")
	}
	for i := range maxBuckets - 1 {
		l.fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256), "admin")
	}
	// One token later the clients that failed once are as new; the
	// drained one is not, and is remembered when a new client comes.
	now = now.Add(ipFailEvery)
	l.fail("198.51.100.1", "admin")
	if n := len(l.ips.m); n != 2 {
		t.Errorf("%d client buckets after pruning, want 2", n)
	}
	if _, ok := l.ips.m["192.0.2.1"]; !ok {
		t.Error("the drained client was forgotten")
	}
}
