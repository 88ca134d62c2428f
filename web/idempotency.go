package web

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// idempotency runs a mutating API request once per Idempotency-Key: the
// same key with the same body gets the stored answer again (no second
// order, no second refund), the same key with another body is refused.
// Answers are kept in the store for ttl, so a client retrying after a
// restart still gets the first answer; a second request with a key whose
// first request is still running in this process waits for it.
//
// Not covered: a process that dies while it runs the request stores no
// answer, so a retry runs it again. For after-sale actions the engine's
// action log and deterministic transactionId still keep Resurs from
// seeing one action twice.
type idempotency struct {
	store answerStore
	now   func() time.Time
	ttl   time.Duration
	log   *slog.Logger

	mu        sync.Mutex
	running   map[string]*idemRun // requests in flight in this process
	lastPurge time.Time
}

// answerStore is the part of kassa.Store idempotency uses.
type answerStore interface {
	Answer(ctx context.Context, key string) (kassa.Answer, bool, error)
	PutAnswer(ctx context.Context, a kassa.Answer) (kassa.Answer, bool, error)
	DeleteAnswers(ctx context.Context, before time.Time) (int64, error)
}

// idemRun is a request in flight; done is closed when it ended, with
// answer set (nil when it ended without one: the waiters try again).
type idemRun struct {
	bodyHash [32]byte
	done     chan struct{}
	answer   *kassa.Answer
}

func newIdempotency(st answerStore, now func() time.Time, ttl time.Duration, log *slog.Logger) *idempotency {
	return &idempotency{store: st, now: now, ttl: ttl, log: log, running: map[string]*idemRun{}}
}

// begin claims key for body. It returns:
//   - (nil, false, nil) when the caller is to run the request: it must
//     call finish;
//   - (answer, false, nil) with the stored answer to replay;
//   - (nil, true, nil) when the key was used with another body;
//   - an error when the stored answers cannot be read (nothing runs).
func (c *idempotency) begin(ctx context.Context, key string, body []byte) (*kassa.Answer, bool, error) {
	h := sha256.Sum256(body)
	for {
		c.mu.Lock()
		run, waiting := c.running[key]
		if !waiting {
			run = &idemRun{bodyHash: h, done: make(chan struct{})}
			c.running[key] = run
		}
		c.mu.Unlock()
		if waiting {
			if run.bodyHash != h {
				return nil, true, nil
			}
			select {
			case <-run.done:
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
			if run.answer == nil {
				continue // it ended without an answer: try again
			}
			return c.replay(run.answer, h)
		}
		stored, ok, err := c.store.Answer(ctx, key)
		if err == nil && ok && !c.fresh(stored) {
			// An expired answer would keep this run's from being stored.
			_, err = c.store.DeleteAnswers(ctx, c.now().Add(-c.ttl))
			ok = false
		}
		switch {
		case err != nil:
			c.end(key, run, nil)
			return nil, false, fmt.Errorf("idempotency: %w", err)
		case ok:
			c.end(key, run, &stored)
			return c.replay(&stored, h)
		}
		return nil, false, nil
	}
}

// replay returns a, or a conflict when it answered another body.
func (c *idempotency) replay(a *kassa.Answer, bodyHash [32]byte) (*kassa.Answer, bool, error) {
	if a.BodyHash != bodyHash {
		return nil, true, nil
	}
	return a, false, nil
}

func (c *idempotency) fresh(a kassa.Answer) bool { return c.now().Sub(a.At) <= c.ttl }

// finish stores the answer of the request begin let run, wakes the
// waiters and returns the answer to send. Storing uses its own context:
// a client that hung up must not keep the answer from its retry. When the
// answer cannot be stored it is still sent (the request ran), and logged.
func (c *idempotency) finish(key string, status int, body []byte) *kassa.Answer {
	c.mu.Lock()
	run := c.running[key]
	c.mu.Unlock()
	a := &kassa.Answer{Key: key, Status: status, Body: body, At: c.now()}
	if run != nil {
		a.BodyHash = run.bodyHash
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.purge(ctx)
	kept, stored, err := c.store.PutAnswer(ctx, *a)
	switch {
	case err != nil:
		c.log.Error("store idempotent answer", "err", err)
	case !stored && c.fresh(kept):
		// Another shop process ran the same request first; its answer
		// is the one retries get.
		c.log.Warn("idempotent request ran twice", "key", key)
	}
	if run != nil {
		c.end(key, run, a)
	}
	return a
}

// end removes run and wakes its waiters with answer.
func (c *idempotency) end(key string, run *idemRun, answer *kassa.Answer) {
	c.mu.Lock()
	if c.running[key] == run {
		delete(c.running, key)
	}
	c.mu.Unlock()
	run.answer = answer
	close(run.done)
}

// purge deletes the answers older than ttl, at most once per hour.
func (c *idempotency) purge(ctx context.Context) {
	c.mu.Lock()
	now := c.now()
	due := now.Sub(c.lastPurge) >= time.Hour
	if due {
		c.lastPurge = now
	}
	c.mu.Unlock()
	if !due {
		return
	}
	if _, err := c.store.DeleteAnswers(ctx, now.Add(-c.ttl)); err != nil {
		c.log.Error("delete old idempotent answers", "err", err)
	}
}
