package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestLimits holds the stores open returns to kassa.Limits.
func TestLimits(t *testing.T, open Opener[kassa.Limits]) {
	run(t, open, []test[kassa.Limits]{
		{"Limit", testLimit},
		{"LimitAllOrNone", testLimitAllOrNone},
		{"LimitInvalid", testLimitInvalid},
		{"PurgeLimits", testPurgeLimits},
		{"LimitConcurrent", testLimitConcurrent},
	})
}

// wantWait fails t unless the wait and error of a Limits call are want
// and nil.
func wantWait(t *testing.T, what string, got time.Duration, err error, want time.Duration) {
	t.Helper()
	must(t, err)
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

// testLimit: a key takes its burst at once, then one per Every; a refused
// take says how long until the next, and takes nothing.
func testLimit(t *testing.T, s kassa.Limits) {
	a := kassa.Limit{Key: "ip:a", Every: 12 * time.Second, Burst: 3}
	w, err := s.LimitWait(ctx, at, a)
	wantWait(t, "LimitWait of a new key", w, err, 0)
	for i := range a.Burst {
		w, err := s.TakeLimit(ctx, at, a)
		wantWait(t, fmt.Sprintf("take %d", i+1), w, err, 0)
	}
	w, err = s.TakeLimit(ctx, at, a)
	wantWait(t, "take past the burst", w, err, a.Every)
	w, err = s.LimitWait(ctx, at, a)
	wantWait(t, "LimitWait past the burst", w, err, a.Every)
	other := kassa.Limit{Key: "ip:b", Every: a.Every, Burst: a.Burst}
	w, err = s.LimitWait(ctx, at, other)
	wantWait(t, "LimitWait of another key", w, err, 0)

	// A second before one comes back, and a refused take there: it took
	// nothing, so one is back a second later.
	w, err = s.TakeLimit(ctx, at.Add(a.Every-time.Second), a)
	wantWait(t, "take a second early", w, err, time.Second)
	w, err = s.LimitWait(ctx, at.Add(a.Every-time.Second), a)
	wantWait(t, "LimitWait a second early", w, err, time.Second)
	later := at.Add(a.Every)
	w, err = s.TakeLimit(ctx, later, a)
	wantWait(t, "take after Every", w, err, 0)
	w, err = s.TakeLimit(ctx, later, a)
	wantWait(t, "second take after Every", w, err, a.Every)

	// After Burst*Every without a take the whole burst is back.
	full := later.Add(time.Duration(a.Burst) * a.Every)
	for range a.Burst {
		w, err := s.TakeLimit(ctx, full, a)
		wantWait(t, "take after a rest", w, err, 0)
	}
	w, err = s.TakeLimit(ctx, full, a)
	wantWait(t, "take past the burst after a rest", w, err, a.Every)
}

// testLimitAllOrNone: a take of several keys takes from all or, when one
// may not take, from none, and says how long until all may.
func testLimitAllOrNone(t *testing.T, s kassa.Limits) {
	a := kassa.Limit{Key: "a", Every: 20 * time.Second, Burst: 2}
	b := kassa.Limit{Key: "b", Every: 10 * time.Second, Burst: 1}
	w, err := s.TakeLimit(ctx, at, a, b)
	wantWait(t, "take of a and b", w, err, 0)
	// a may take once more, b not: nothing is taken, in either order.
	w, err = s.TakeLimit(ctx, at, b, a)
	wantWait(t, "take of b and a", w, err, b.Every)
	w, err = s.TakeLimit(ctx, at, a, b)
	wantWait(t, "take of a and b again", w, err, b.Every)
	w, err = s.TakeLimit(ctx, at, a)
	wantWait(t, "a's second take", w, err, 0)
	// Both empty: the longer wait.
	w, err = s.TakeLimit(ctx, at, a, b)
	wantWait(t, "take of two empty keys", w, err, a.Every)
	w, err = s.LimitWait(ctx, at, b, a)
	wantWait(t, "LimitWait of two empty keys", w, err, a.Every)
	w, err = s.LimitWait(ctx, at.Add(b.Every), a, b)
	wantWait(t, "LimitWait once b is back", w, err, a.Every-b.Every)
}

func testLimitInvalid(t *testing.T, s kassa.Limits) {
	ok := kassa.Limit{Key: "k", Every: time.Second, Burst: 1}
	for name, limits := range map[string][]kassa.Limit{
		"none":         nil,
		"empty key":    {{Every: time.Second, Burst: 1}},
		"long key":     {{Key: strings.Repeat("k", 201), Every: time.Second, Burst: 1}},
		"key twice":    {ok, ok},
		"no Every":     {{Key: "k", Burst: 1}},
		"Every < 1 ms": {{Key: "k", Every: time.Microsecond, Burst: 1}},
		"no Burst":     {{Key: "k", Every: time.Second}},
	} {
		if _, err := s.TakeLimit(ctx, at, limits...); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Errorf("TakeLimit of %s: %v, want EINVALID", name, err)
		}
		if _, err := s.LimitWait(ctx, at, limits...); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Errorf("LimitWait of %s: %v, want EINVALID", name, err)
		}
	}
	// Nothing was taken: k has its one take.
	w, err := s.TakeLimit(ctx, at, ok)
	wantWait(t, "take after the refusals", w, err, 0)
	w, err = s.TakeLimit(ctx, at, kassa.Limit{Key: strings.Repeat("k", 200), Every: time.Second, Burst: 1})
	wantWait(t, "take of a 200-byte key", w, err, 0)
}

// testPurgeLimits: keys whose allowance is whole again are deleted, at
// most n a call; the others keep counting.
func testPurgeLimits(t *testing.T, s kassa.Limits) {
	every := 10 * time.Second
	for _, k := range []string{"p1", "p2", "p3", "p4", "p5"} {
		_, err := s.TakeLimit(ctx, at, kassa.Limit{Key: k, Every: every, Burst: 5})
		must(t, err)
	}
	held := kassa.Limit{Key: "held", Every: every, Burst: 1}
	for range 3 {
		_, err := s.TakeLimit(ctx, at, kassa.Limit{Key: held.Key, Every: every, Burst: 3}) // tat at+30s
		must(t, err)
	}
	n, err := s.PurgeLimits(ctx, at.Add(every-time.Millisecond), 10)
	if must(t, err); n != 0 {
		t.Fatalf("PurgeLimits before any tat passed: %d, want 0", n)
	}
	now := at.Add(every)
	for _, want := range []int64{2, 2, 1, 0} {
		n, err := s.PurgeLimits(ctx, now, 2)
		if must(t, err); n != want {
			t.Fatalf("PurgeLimits(n=2) = %d, want %d", n, want)
		}
	}
	w, err := s.LimitWait(ctx, now, held)
	wantWait(t, "LimitWait of the key not purged", w, err, 2*every)
	n, err = s.PurgeLimits(ctx, at.Add(3*every), 10)
	if must(t, err); n != 1 {
		t.Fatalf("PurgeLimits once the last tat passed: %d, want 1", n)
	}
}

// testLimitConcurrent: of many takes of one key at one time, exactly
// Burst succeed, whichever process or connection they come from.
func testLimitConcurrent(t *testing.T, s kassa.Limits) {
	l := kassa.Limit{Key: "hot", Every: time.Minute, Burst: 5}
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	took := 0
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			w, err := s.TakeLimit(ctx, at, l)
			if err != nil {
				errs <- err
				return
			}
			if w == 0 {
				mu.Lock()
				took++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if took != l.Burst {
		t.Fatalf("%d of %d concurrent takes took, want %d", took, n, l.Burst)
	}
}
