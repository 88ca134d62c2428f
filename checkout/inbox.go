package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// The callback inbox is the engine's work queue for callbacks (queue.go):
// an entry is stored in state received with NextAttemptAt set to a lease
// and handed to the callback workers; whoever finds it still received
// after its NextAttemptAt claims it with Store.ClaimCallbacks. Processing
// is idempotent: it re-reads the payment and applies it with a
// compare-and-set, so an entry processed twice only adds an event.

// callbackLease is how long an entry belongs to the process that stored or
// claimed it. It covers the wait in the queue and one attempt (at most
// three payment reads of ReadTimeout each).
const callbackLease = time.Minute

// entry is an inbox entry handed to the workers. since is when this
// process received the callback (stripes.tick), so that a payment read that
// began later answers it; 0 for entries claimed from the store, whose
// arrival this process did not see.
type entry struct {
	cb    *kassa.Callback
	since uint64
	claim *callbackClaim // the body as parsed at receipt; nil when claimed from the store
}

// newInbox returns the queue of e's callback workers.
func (e *Engine) newInbox() *queue[entry] {
	return &queue[entry]{
		name: "callback", workers: e.cfg.Workers, poll: e.cfg.CallbackPoll, log: e.log,
		claim: e.claimCallbacks,
		work:  e.processEntry,
		attrs: func(en entry) []any { return []any{"callback", en.cb.ID, "order", en.cb.OrderID} },
	}
}

// claimCallbacks claims up to limit due inbox entries for the workers.
func (e *Engine) claimCallbacks(ctx context.Context, limit int) ([]entry, error) {
	now := e.now()
	cbs, err := e.store.ClaimCallbacks(ctx, now, now.Add(callbackLease), limit)
	if err != nil {
		return nil, err
	}
	ens := make([]entry, len(cbs))
	for i, cb := range cbs {
		ens[i] = entry{cb: cb}
	}
	return ens, nil
}

// dispatch hands a stored entry to this process's callback workers; it
// never blocks (see queue.dispatch).
func (e *Engine) dispatch(en entry) {
	e.inbox.dispatch(en)
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
		e.processEntry(ctx, entry{cb: cb})
	}
	return len(cbs), nil
}

// processEntry makes one attempt at an inbox entry: it re-reads the payment
// and applies it, storing the entry as processed in the same transaction
// as the order write or event. A failed attempt is stored with its error
// and the time of the next one; after CallbackAttempts the entry is failed
// (the sweeper still reads the order, and the admin can process it again).
func (e *Engine) processEntry(ctx context.Context, en entry) {
	cb := en.cb
	if cb.State != kassa.CallbackReceived {
		return
	}
	attempts := cb.Attempts + 1
	settle := &inboxWrite{cb: cb, attempts: attempts, at: e.now()}
	err := e.processCallback(ctx, en, settle)
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
		cb.NextAttemptAt = e.now().Add(queueBackoff(attempts))
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
	if e.onSettled != nil {
		e.onSettled(cb)
	}
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

// ReprocessCallback queues an inbox entry for processing again (the admin's
// "process again"), whatever its state, except quarantined entries, which
// belong to no order (EINVALID).
func (e *Engine) ReprocessCallback(ctx context.Context, id int64) error {
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
	e.dispatch(entry{cb: cb}) // the operator asks for a read of its own
	return nil
}
