package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestIdempotencyAbandonWakesWaiters: when the request that claimed a key
// panics, a second request with the key that waits for it is woken and
// refused as interrupted (the claim stays: what the first run did is
// unknown); it neither hangs nor runs.
func TestIdempotencyAbandonWakesWaiters(t *testing.T) {
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := newIdempotency(db, time.Now, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if prev, conflict, err := c.begin(ctx, "POST /x\nk", []byte("b"), false); prev != nil || conflict || err != nil {
		t.Fatalf("first begin = %v, %v, %v; want to run", prev, conflict, err)
	}
	second := make(chan error, 1)
	wctx := &waitWatch{Context: ctx, waiting: make(chan struct{})}
	go func() {
		prev, conflict, err := c.begin(wctx, "POST /x\nk", []byte("b"), false)
		if prev != nil || conflict {
			err = nil
		}
		second <- err
	}()
	<-wctx.waiting // the second request waits for the first
	c.abandon("POST /x\nk")
	if err := <-second; kassa.ErrorCode(err) != kassa.ECONFLICT {
		t.Fatalf("the second request got %v; want the interrupted conflict", err)
	}
	if len(c.running) != 0 {
		t.Fatalf("%d runs left in memory", len(c.running))
	}

	// Server.idempotent abandons the run when its handler panics.
	s := &Server{idem: c}
	r := httptest.NewRequest(http.MethodPost, "/y", strings.NewReader("{}"))
	r.Header.Set("Idempotency-Key", "k2")
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the handler's panic did not reach the caller")
			}
		}()
		s.idempotent(httptest.NewRecorder(), r, false, func(context.Context, []byte) (int, []byte) { panic("boom") })
	}()
	if len(c.running) != 0 {
		t.Fatalf("a panicking request left its run in memory (%d)", len(c.running))
	}
}

// waitWatch is a request's context that closes waiting when the request
// first asks for Done. begin asks for it only once it waits for another
// request with the same key (the first thing a request that runs does
// with its context is the store's claim), so a test learns that a request
// waits without a counter in the production struct.
type waitWatch struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func (c *waitWatch) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

// TestIdempotencyOutlivesClient: a keyed request whose client hangs up
// runs to its end with a context of its own, and its real answer is what
// a retry gets, not one made of the cancellation.
func TestIdempotencyOutlivesClient(t *testing.T) {
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &Server{idem: newIdempotency(db, time.Now, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))}
	ctx, hangUp := context.WithCancel(context.Background())
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/orders", strings.NewReader("{}"))
	r.Header.Set("Idempotency-Key", "k")
	err = s.idempotent(httptest.NewRecorder(), r, false, func(ctx context.Context, _ []byte) (int, []byte) {
		hangUp()
		if ctx.Err() != nil {
			return http.StatusInternalServerError, []byte(`{"code":"internal"}`)
		}
		return http.StatusCreated, []byte(`{"id":1}`)
	})
	if err != nil {
		t.Fatal(err)
	}
	a, ok, err := db.Answer(context.Background(), "POST /api/orders\nk")
	if err != nil || !ok || a.Status != http.StatusCreated {
		t.Fatalf("stored answer = %+v, %v, %v; want the 201", a, ok, err)
	}
}

// flakyAnswers fails the first fails PutAnswer calls.
type flakyAnswers struct {
	*sqlite.DB
	fails int
}

func (f *flakyAnswers) PutAnswer(ctx context.Context, a kassa.Answer) error {
	if f.fails > 0 {
		f.fails--
		return errors.New("disk full")
	}
	return f.DB.PutAnswer(ctx, a)
}

// TestIdempotencyRetriesStoringAnswer: an answer that fails to be stored
// is tried again, since a claim left alone lets an order placement run a
// second time once it is stale.
func TestIdempotencyRetriesStoringAnswer(t *testing.T) {
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := &flakyAnswers{DB: db, fails: 2}
	c := newIdempotency(st, time.Now, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if prev, conflict, err := c.begin(context.Background(), "POST /x\nk", []byte("b"), true); prev != nil || conflict || err != nil {
		t.Fatalf("begin = %v, %v, %v; want to run", prev, conflict, err)
	}
	c.finish("POST /x\nk", http.StatusCreated, []byte(`{"id":1}`))
	a, ok, err := db.Answer(context.Background(), "POST /x\nk")
	if err != nil || !ok || a.Status != http.StatusCreated {
		t.Fatalf("stored = %+v, %v, %v; want the 201 after two failed tries", a, ok, err)
	}
}

// TestIdempotencyPurge: a keyed request, once its answer is sent, deletes
// the answers older than the retention, at most once an hour, by the
// answer's time (the answer has left by then); claims without an answer
// stay.
func TestIdempotencyPurge(t *testing.T) {
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	clock := t0
	var w *httptest.ResponseRecorder // the request running
	purges := 0
	st := purgeWatch{DB: db, purging: func() {
		purges++
		if !w.Flushed || w.Body.String() != `{}` {
			t.Error("purging before the answer was sent")
		}
	}}
	s := &Server{idem: newIdempotency(st, func() time.Time { return clock }, 24*time.Hour,
		slog.New(slog.NewTextHandler(io.Discard, nil)))}
	call := func(key string) {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader("{}"))
		r.Header.Set("Idempotency-Key", key)
		w = httptest.NewRecorder()
		err := s.idempotent(w, r, false, func(context.Context, []byte) (int, []byte) { return 201, []byte(`{}`) })
		if err != nil || w.Code != 201 {
			t.Fatalf("%s: %v, status %d", key, err, w.Code)
		}
	}
	stored := func(key string) bool {
		t.Helper()
		_, ok, err := db.Answer(ctx, "POST /x\n"+key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	call("old") // purges at t0: nothing to delete yet
	if _, _, err := s.idem.begin(ctx, "POST /x\nclaim", []byte("{}"), false); err != nil {
		t.Fatal(err) // a claim that never gets an answer
	}
	clock = t0.Add(23*time.Hour + 30*time.Minute)
	call("young") // purges: "old" is not a day old yet
	clock = t0.Add(24*time.Hour + 10*time.Minute)
	call("early") // "old" is, but the last purge was 40 minutes ago
	if !stored("old") {
		t.Fatal("an answer younger than a day, or within the hour of the last purge, was purged")
	}
	clock = t0.Add(24*time.Hour + 31*time.Minute)
	call("due")
	if stored("old") {
		t.Error("the answer older than a day was not purged")
	}
	if !stored("young") || !stored("early") || !stored("due") || !stored("claim") {
		t.Error("a recent answer or a claim was purged")
	}
	if purges != 3 {
		t.Errorf("%d purges, want 3 (at t0, 23.5 h and 24.5 h)", purges)
	}
}

// purgeWatch calls purging before it deletes answers.
type purgeWatch struct {
	*sqlite.DB
	purging func()
}

func (p purgeWatch) DeleteAnswers(ctx context.Context, before time.Time) (int64, error) {
	p.purging()
	return p.DB.DeleteAnswers(ctx, before)
}
