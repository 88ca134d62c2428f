package checkout

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// The callback inbox is the engine's work queue for callbacks. An entry is
// stored in state received with NextAttemptAt set to a lease; the process
// that stored it hands it straight to its workers through an in-memory
// queue. Whoever finds an entry still received after its NextAttemptAt
// (a crash, a full queue, a failed attempt waiting for its retry) claims it
// with Store.ClaimCallbacks, which moves the lease forward in the same
// transaction, so two processes do not pick up the same entry. Processing is
// idempotent anyway: it re-reads the payment and applies it with a
// compare-and-set, so an entry processed twice only adds an event.
const (
	// callbackLease is how long an entry belongs to the process that stored
	// or claimed it. It covers the wait in the queue and one attempt
	// (at most three payment reads of ReadTimeout each).
	callbackLease = time.Minute
	// callbackQueue bounds the in-memory queue; an entry that does not fit
	// is claimed when its lease ends.
	callbackQueue = 4096
	// claimBatch is the most entries one claim takes.
	claimBatch = 100
	// maxCallbackBackoff is the longest wait between two attempts.
	maxCallbackBackoff = 5 * time.Minute
)

// inbox runs the callback workers and the claim loop.
type inbox struct {
	queue chan entry

	mu      sync.Mutex
	running bool
	cancel  context.CancelFunc // of the workers' context
	stop    chan struct{}      // closed to end the claim loop and let the workers drain
	wg      sync.WaitGroup
}

// entry is an inbox entry handed to the workers. since is when this
// process received the callback (stripes.tick), so that a payment read that
// began later answers it; 0 for entries claimed from the store, whose
// arrival this process did not see.
type entry struct {
	cb    *kassa.Callback
	since uint64
}

// accepting reports whether this process's workers take new entries.
func (ib *inbox) accepting() bool {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	return ib.running
}

// startInbox starts the workers and the claim loop. Entries already due
// (e.g. stored while no engine ran) are claimed at once.
func (e *Engine) startInbox() {
	ib := &e.inbox
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if ib.running {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	ib.queue = make(chan entry, callbackQueue)
	ib.stop, ib.cancel, ib.running = make(chan struct{}), cancel, true
	for range e.cfg.Workers {
		ib.wg.Go(func() { e.callbackWorker(ctx, ib.queue) })
	}
	ib.wg.Go(func() { e.claimLoop(ctx, ib.stop) })
}

// stopInbox stops taking entries, lets the workers finish what is queued
// until ctx ends, then cancels them. Entries left received are claimed by
// the next process once their lease ends.
func (e *Engine) stopInbox(ctx context.Context) error {
	ib := &e.inbox
	ib.mu.Lock()
	if !ib.running {
		ib.mu.Unlock()
		return nil
	}
	ib.running = false
	close(ib.stop)
	close(ib.queue) // no sender remains: dispatch checks running under mu
	cancel := ib.cancel
	ib.mu.Unlock()

	done := make(chan struct{})
	go func() { ib.wg.Wait(); close(done) }()
	select {
	case <-done:
		cancel()
		return nil
	case <-ctx.Done():
		cancel()
		<-done
		return ctx.Err()
	}
}

// dispatch hands a stored entry to this process's workers; it never
// blocks. When the queue is full or the engine is not running, the entry
// stays received and is claimed once its NextAttemptAt has passed.
func (e *Engine) dispatch(cb *kassa.Callback, since uint64) {
	ib := &e.inbox
	ib.mu.Lock()
	defer ib.mu.Unlock()
	if !ib.running {
		return
	}
	select {
	case ib.queue <- entry{cb, since}:
	default:
		e.log.Warn("callback queue full; the entry waits for its lease to end", "callback", cb.ID, "order", cb.OrderID)
	}
}

// leaseFor is the NextAttemptAt to store with a new or re-queued entry: a
// lease when this process will work on it, now when it will not (the
// engine is not running), so that a running process claims it at once.
func (e *Engine) leaseFor(now time.Time) time.Time {
	if e.inbox.accepting() {
		return now.Add(callbackLease)
	}
	return now
}

// callbackWorker processes entries from queue until it is closed and empty.
func (e *Engine) callbackWorker(ctx context.Context, queue <-chan entry) {
	for en := range queue {
		e.processEntry(ctx, en.cb, en.since)
	}
}

// claimLoop claims due entries every CallbackPoll, and once at start.
func (e *Engine) claimLoop(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(e.cfg.CallbackPoll)
	defer t.Stop()
	for {
		if _, err := e.claimDue(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("claim callbacks", "err", err)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// claimDue claims the entries that are due and queues them, while there is
// room in the queue; it returns how many it queued.
func (e *Engine) claimDue(ctx context.Context) (int, error) {
	queued := 0
	for {
		room := min(claimBatch, cap(e.inbox.queue)-len(e.inbox.queue))
		if room <= 0 || !e.inbox.accepting() {
			return queued, nil
		}
		now := e.now()
		cbs, err := e.store.ClaimCallbacks(ctx, now, now.Add(callbackLease), room)
		if err != nil {
			return queued, fmt.Errorf("checkout: claim callbacks: %w", err)
		}
		for _, cb := range cbs {
			e.dispatch(cb, 0)
		}
		queued += len(cbs)
		if len(cbs) < room {
			return queued, nil
		}
	}
}

// RetryCallbacks processes, in the caller's goroutine, the inbox entries
// that are due now (retries after a failed attempt, entries whose lease
// ended); the claim loop does the same every CallbackPoll. It returns how
// many entries it processed.
func (e *Engine) RetryCallbacks(ctx context.Context) (int, error) {
	now := e.now()
	cbs, err := e.store.ClaimCallbacks(ctx, now, now.Add(callbackLease), claimBatch)
	if err != nil {
		return 0, fmt.Errorf("checkout.RetryCallbacks: %w", err)
	}
	for _, cb := range cbs {
		e.processEntry(ctx, cb, 0)
	}
	return len(cbs), nil
}

// processEntry makes one attempt at an inbox entry: it re-reads the payment
// and applies it, storing the entry as processed in the same transaction
// as the order write or event. A failed attempt is stored with its error
// and the time of the next one; after CallbackAttempts the entry is failed
// (the sweeper still reads the order, and the admin can process it again).
func (e *Engine) processEntry(ctx context.Context, cb *kassa.Callback, since uint64) {
	if cb.State != kassa.CallbackReceived {
		return
	}
	attempts := cb.Attempts + 1
	settle := &inboxWrite{cb: cb, attempts: attempts, at: e.now()}
	err := e.processCallback(ctx, cb, settle, since)
	if err == nil && settle.done {
		e.settled(cb)
		return
	}
	cb.Attempts, cb.ProcessedAt, cb.NextAttemptAt = attempts, zeroTime, zeroTime
	switch {
	case err == nil:
		// Nothing was written for the order (e.g. no payment to read yet):
		// the entry is settled on its own.
		cb.State, cb.Error, cb.ProcessedAt = kassa.CallbackProcessed, "", e.now()
	case errors.Is(err, errForeignPayment):
		cb.State, cb.Error = kassa.CallbackQuarantined, err.Error()
	case ctx.Err() != nil:
		// Stopping: the attempt does not count, the lease brings it back.
		return
	case attempts >= e.cfg.CallbackAttempts:
		cb.State, cb.Error = kassa.CallbackFailed, err.Error()
	default:
		cb.State, cb.Error = kassa.CallbackReceived, err.Error()
		cb.NextAttemptAt = e.now().Add(callbackBackoff(attempts))
	}
	if uerr := e.store.UpdateCallback(context.WithoutCancel(ctx), cb, nil); uerr != nil {
		e.log.Error("store callback state", "callback", cb.ID, "order", cb.OrderID, "err", uerr, "cause", err)
		return
	}
	if err != nil {
		e.log.Warn("callback attempt failed", "callback", cb.ID, "order", cb.OrderID, "attempt", attempts,
			"state", cb.State, "err", err)
	}
	if cb.State != kassa.CallbackReceived {
		e.settled(cb)
	}
}

// settled records an entry that reached its final state.
func (e *Engine) settled(cb *kassa.Callback) {
	if cb.State == kassa.CallbackProcessed {
		e.metrics.callbackApplied(time.Since(cb.ReceivedAt))
	}
	if e.cfg.CallbackSettled != nil {
		e.cfg.CallbackSettled(cb)
	}
}

// callbackBackoff is the wait after failed attempt n: 1 s, 2 s, 4 s … at
// most maxCallbackBackoff.
func callbackBackoff(n int) time.Duration {
	d := time.Second
	for i := 1; i < n && d < maxCallbackBackoff; i++ {
		d *= 2
	}
	return min(d, maxCallbackBackoff)
}

// inboxWrite settles an inbox entry inside the sync's own write. Its then
// marks the entry processed; done says it ran in the last write, so the
// entry is stored as processed when that write returned nil.
type inboxWrite struct {
	cb       *kassa.Callback
	attempts int
	at       time.Time
	done     bool
}

// then returns the TxFunc for the sync's write (nil for a sync without an
// entry to settle).
func (w *inboxWrite) then() kassa.TxFunc {
	if w == nil {
		return nil
	}
	w.done = false
	cb := *w.cb
	cb.State, cb.Error, cb.Attempts, cb.ProcessedAt, cb.NextAttemptAt =
		kassa.CallbackProcessed, "", w.attempts, w.at, zeroTime
	return func(ctx context.Context, tx kassa.Tx) error {
		if err := tx.UpdateCallback(ctx, &cb); err != nil {
			return err
		}
		w.done, *w.cb = true, cb
		return nil
	}
}

// reprocessCallback implements ReprocessCallback.
func (e *Engine) reprocessCallback(ctx context.Context, id int64) error {
	const op = "checkout.ReprocessCallback"
	cb, err := e.store.Callback(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if cb.State == kassa.CallbackQuarantined || cb.OrderID == 0 {
		return &kassa.Error{Code: kassa.EINVALID, Op: op,
			Message: "This callback belongs to no order and cannot be processed."}
	}
	now := e.now()
	cb.State, cb.Error, cb.Attempts, cb.NextAttemptAt = kassa.CallbackReceived, "", 0, e.leaseFor(now)
	if err := e.store.UpdateCallback(ctx, cb, nil); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	e.dispatch(cb, 0) // the operator asks for a read of its own
	return nil
}
