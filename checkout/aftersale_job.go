package checkout

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
)

// The action queue resumes after-sale actions left pending (queue.go): an
// action is stored due once the call about to be made has certainly
// ended; an action whose call got no answer, or whose process died, is
// claimed with Store.ClaimActions when that time has passed, and resumed.
// While Resurs cannot be reached it is retried with the capped backoff;
// after ActionAttempts resumes without an answer it is failed for an
// operator to retry.

// newActionQueue returns the queue of e's action workers.
func (e *Engine) newActionQueue() *queue[*kassa.Action] {
	return &queue[*kassa.Action]{
		name: "action", workers: e.cfg.Workers, poll: e.cfg.ActionPoll, log: e.log,
		claim: e.claimActions,
		work:  e.workAction,
		attrs: func(a *kassa.Action) []any { return []any{"action", a.ID, "order", a.OrderID} },
	}
}

// claimActions claims up to limit due actions for the workers, leased for
// as long as the engine waits for a call in flight.
func (e *Engine) claimActions(ctx context.Context, limit int) ([]*kassa.Action, error) {
	now := e.now()
	return e.store.ClaimActions(ctx, now, now.Add(e.cfg.ActionRetryDelay), limit)
}

// workAction resumes a claimed action under its order's lock. Without an
// answer it is due again after the backoff, or failed after ActionAttempts
// resumes; an action that is gone is dropped, and one that is no longer
// pending under this claim's lease is left alone: its lease ran out while
// another worker held it, and that worker has recorded what happened.
func (e *Engine) workAction(ctx context.Context, claimed *kassa.Action) {
	unlock := e.locks.lock(claimed.OrderID)
	defer unlock()
	_, a, err := e.resume(ctx, claimed.ID, func(a *kassa.Action) bool {
		return a.State == kassa.ActionPending && a.NextAttemptAt.Equal(claimed.NextAttemptAt)
	})
	switch kassa.ErrorCode(err) {
	case "", kassa.EDECLINED, kassa.EINVALID, kassa.ECONFLICT:
		return // settled, or recorded as refused
	case kassa.ENOTFOUND:
		e.log.Warn("after-sale action to resume is gone", "action", claimed.ID, "err", err)
		return
	}
	if ctx.Err() != nil || a == nil || a.State != kassa.ActionPending {
		return // stopping, or unreadable: the lease brings it back
	}
	e.retryLater(ctx, a, err)
}

// retryLater records a resume of a that got no answer: a is due again
// after the backoff, or failed after ActionAttempts resumes.
func (e *Engine) retryLater(ctx context.Context, a *kassa.Action, cause error) {
	a.Resumes++
	a.NextAttemptAt = e.now().Add(queueBackoff(a.Resumes))
	if a.Resumes >= e.cfg.ActionAttempts {
		a.State, a.NextAttemptAt = kassa.ActionFailed, time.Time{}
	}
	if err := e.store.UpdateAction(context.WithoutCancel(ctx), a); err != nil {
		e.log.Error("schedule action retry", "action", a.ID, "err", err, "cause", cause)
		return
	}
	if a.State == kassa.ActionFailed {
		e.metrics.action(a.Kind, "failed")
		e.log.Error("after-sale action failed; an operator must retry it", "action", a.ID, "transactionId", a.TransactionID)
	}
}
