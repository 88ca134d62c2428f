package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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
	go func() {
		prev, conflict, err := c.begin(ctx, "POST /x\nk", []byte("b"), false)
		if prev != nil || conflict {
			err = nil
		}
		second <- err
	}()
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
		s.idempotent(httptest.NewRecorder(), r, false, func([]byte) (int, []byte) { panic("boom") })
	}()
	if len(c.running) != 0 {
		t.Fatalf("a panicking request left its run in memory (%d)", len(c.running))
	}
}
