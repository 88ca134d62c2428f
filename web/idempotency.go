package web

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// idempotent runs a mutating API call once per Idempotency-Key (scoped to
// method and path): the same key and body replay the stored answer, the
// same key with another body is a conflict. rerun says whether a call
// whose process died while it ran may run again (see idempotency).
//
// A keyed request runs to its end even when its client hangs up (its
// context ignores the client, bounded by keyedRunTimeout): its answer is
// stored for the retry, and an answer made of the client's cancellation
// would be replayed for a day.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, rerun bool, run func(ctx context.Context, body []byte) (int, []byte)) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // too large → 413
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		return invalid("Idempotency-Key", "At most 255 characters.")
	}
	if key == "" {
		status, answer := run(r.Context(), body)
		writeRaw(w, status, answer)
		return nil
	}
	key = r.Method + " " + r.URL.Path + "\n" + key
	prev, conflict, err := s.idem.begin(r.Context(), key, body, rerun)
	switch {
	case err != nil && r.Context().Err() != nil:
		return nil // the client went away while waiting: nobody to answer
	case err != nil:
		return err
	case conflict:
		return kassa.Errorf(kassa.ECONFLICT, "This Idempotency-Key was already used with another request body.")
	case prev != nil:
		w.Header().Set("Idempotent-Replayed", "true")
		writeRaw(w, prev.Status, prev.Body)
		return nil
	}
	a, err := s.runClaimed(r, key, func(ctx context.Context) (int, []byte, error) {
		status, answer := run(ctx, body)
		return status, answer, nil
	})
	if err != nil {
		return err
	}
	writeRaw(w, a.Status, a.Body)
	// The hourly purge runs after the answer has left, not before it.
	_ = http.NewResponseController(w).Flush()
	s.idem.purge(context.WithoutCancel(r.Context()), a.At)
	return nil
}

// runClaimed runs fn for key, which this request has claimed, and stores
// the answer fn makes in place of the claim. fn runs to its end even when
// the client hangs up (its context ignores the client, bounded by
// keyedRunTimeout): the retry gets the answer. When fn fails or panics,
// the claim is abandoned: its waiters wake, and it stays stored.
func (s *Server) runClaimed(r *http.Request, key string, fn func(ctx context.Context) (int, []byte, error)) (*kassa.Answer, error) {
	finished := false
	defer func() {
		if !finished {
			s.idem.abandon(key)
		}
	}()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), keyedRunTimeout)
	defer cancel()
	status, body, err := fn(ctx)
	if err != nil {
		return nil, err
	}
	a := s.idem.finish(key, status, body)
	finished = true
	return a, nil
}

// idempotency runs a mutating API request once per Idempotency-Key: the
// same key with the same body gets the stored answer again (no second
// order, no second refund), the same key with another body is refused.
// Before the request runs, a claim for its key is stored; its answer then
// replaces the claim. Answers are kept for ttl (claims are never deleted:
// see below), so a retry after a
// restart, or sent to another shop process on the same database, still
// gets the first answer. Within one process, a retry waits for the first
// request. A retry whose key is claimed but has no answer is refused with
// 409: the first request is running in another process, or its process
// died while it ran. For a capture, refund or cancel that stays so (a
// second run could refund twice; the outcome is for an operator to look
// at). Placing an order may run again once the claim is staleClaim old:
// a request that old is not running any more, and the order it may have
// made never reached its customer, so it expires unpaid.
type idempotency struct {
	store kassa.Answers
	now   func() time.Time
	ttl   time.Duration
	log   *slog.Logger

	mu      sync.Mutex
	running map[string]*idemRun // requests in flight in this process
	purges  throttle            // hourly
}

// staleClaim is the age after which a claim without an answer is taken to
// belong to a request whose process died: a keyed request runs at most
// keyedRunTimeout (placing an order is bounded tighter still, by
// checkout.Config.PlaceTimeout), and storing its answer 10 s more.
const staleClaim = 5 * time.Minute

// keyedRunTimeout bounds a keyed request, which does not end with its
// client.
const keyedRunTimeout = 2 * time.Minute

// idemRun is a request in flight; done is closed when it ended, with
// answer set (nil when it ended without one: the waiters try again).
type idemRun struct {
	bodyHash [32]byte
	done     chan struct{}
	answer   *kassa.Answer
}

func newIdempotency(st kassa.Answers, now func() time.Time, ttl time.Duration, log *slog.Logger) *idempotency {
	return &idempotency{store: st, now: now, ttl: ttl, log: log, running: map[string]*idemRun{},
		purges: throttle{every: time.Hour}}
}

// errInterrupted answers a retry whose key is claimed without an answer.
func errInterrupted() error {
	return kassa.Errorf(kassa.ECONFLICT, "A request with this Idempotency-Key is running, "+
		"or was interrupted and its outcome is unknown. Look at the order before trying again with a new key.")
}

// begin claims key for body (taking over a stale claim when rerun). It
// returns:
//   - (nil, false, nil) when the caller is to run the request: it must
//     call finish;
//   - (answer, false, nil) with the stored answer to replay;
//   - (nil, true, nil) when the key was used with another body;
//   - an error (errInterrupted, or the store's) when nothing may run.
func (c *idempotency) begin(ctx context.Context, key string, body []byte, rerun bool) (*kassa.Answer, bool, error) {
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
		prev, err := c.claim(ctx, key, h, rerun)
		switch {
		case err != nil:
			c.end(key, run, nil)
			return nil, false, err
		case prev != nil:
			c.end(key, run, prev)
			return c.replay(prev, h)
		}
		return nil, false, nil
	}
}

// claim stores the claim for key, or returns what is stored for it. An
// answer older than ttl is replaced by the claim (the store decides, so
// that expiry has one clock and one precision).
func (c *idempotency) claim(ctx context.Context, key string, bodyHash [32]byte, rerun bool) (*kassa.Answer, error) {
	now := c.now()
	var takeOver time.Time
	if rerun {
		takeOver = now.Add(-staleClaim)
	}
	prev, claimed, err := c.store.ClaimAnswer(ctx, kassa.Answer{Key: key, BodyHash: bodyHash, At: now}, takeOver, now.Add(-c.ttl))
	switch {
	case err != nil:
		return nil, fmt.Errorf("idempotency: %w", err)
	case claimed:
		return nil, nil
	}
	return &prev, nil
}

// replay returns a, or a conflict when it answered another body, or
// errInterrupted when it is a claim.
func (c *idempotency) replay(a *kassa.Answer, bodyHash [32]byte) (*kassa.Answer, bool, error) {
	switch {
	case a.BodyHash != bodyHash:
		return nil, true, nil
	case a.Status == 0:
		return nil, false, errInterrupted()
	}
	return a, false, nil
}

// finish stores the answer of the request begin let run in place of its
// claim, wakes the waiters and returns the answer to send (the caller
// then runs purge). Storing uses
// its own context: a client that hung up must not keep the answer from
// its retry. When the answer cannot be stored it is still sent (the
// request ran), and logged; retries then get errInterrupted.
func (c *idempotency) finish(key string, status int, body []byte) *kassa.Answer {
	c.mu.Lock()
	run := c.running[key] // begin registered it
	c.mu.Unlock()
	a := &kassa.Answer{Key: key, BodyHash: run.bodyHash, Status: status, Body: body, At: c.now()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.putAnswer(ctx, a)
	c.end(key, run, a)
	return a
}

// putAnswer stores a, trying three times: while only the claim is stored,
// a retry of an order placement may run it again once the claim is stale,
// although this run placed an order.
func (c *idempotency) putAnswer(ctx context.Context, a *kassa.Answer) {
	var err error
tries:
	for i, wait := range []time.Duration{0, 100 * time.Millisecond, time.Second} {
		if i > 0 {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				break tries // out of time: err is the last try's
			}
		}
		if err = c.store.PutAnswer(ctx, *a); err == nil {
			return
		}
	}
	c.log.Error("store idempotent answer", "key", a.Key, "err", err)
}

// abandon ends the run of key without an answer (it panicked). Its claim
// stays in the store: what it did before is unknown.
func (c *idempotency) abandon(key string) {
	c.mu.Lock()
	run := c.running[key]
	c.mu.Unlock()
	if run != nil {
		c.end(key, run, nil)
	}
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

// purge deletes the answers older than ttl at now, at most once per hour;
// a keyed request runs it after its answer is sent, with the answer's
// time. Claims
// without an answer stay: an after-sale request cut off by a crash must
// never run again under its key, not even a day later.
func (c *idempotency) purge(ctx context.Context, now time.Time) {
	if !c.purges.due(now) {
		return
	}
	if _, err := c.store.DeleteAnswers(ctx, now.Add(-c.ttl)); err != nil {
		c.log.Error("delete old idempotent answers", "err", err)
	}
}
