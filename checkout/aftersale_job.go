package checkout

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// ActionArgs is the River job that resumes one after-sale action: enqueued
// with the action itself, due once the call in flight has certainly ended,
// and retried with backoff while Resurs cannot be reached.
type ActionArgs struct {
	ActionID int64 `json:"actionId"`
}

// Kind implements river.JobArgs.
func (ActionArgs) Kind() string { return "kassa_action" }

// actionWorker resumes after-sale actions.
type actionWorker struct {
	river.WorkerDefaults[ActionArgs]
	e *Engine
}

// Work resumes the action unless it is settled. While Resurs cannot be
// reached the job fails so River retries it; after the last attempt the
// action is marked failed for an operator to retry.
func (w *actionWorker) Work(ctx context.Context, job *river.Job[ActionArgs]) error {
	e := w.e
	_, a, err := e.resume(ctx, job.Args.ActionID, "")
	switch kassa.ErrorCode(err) {
	case "", kassa.EDECLINED, kassa.EINVALID, kassa.ECONFLICT:
		return nil // settled, or recorded as refused
	case kassa.ENOTFOUND:
		return river.JobCancel(err)
	case kassa.EUNAVAILABLE:
		if job.Attempt < job.MaxAttempts || a == nil {
			return err
		}
		a.State = kassa.ActionFailed
		e.metrics.action(a.Kind, "failed")
		if uerr := e.store.UpdateAction(ctx, a); uerr != nil {
			return fmt.Errorf("%w; marking it failed: %w", err, uerr)
		}
		e.log.Error("after-sale action failed; an operator must retry it", "action", a.ID, "transactionId", a.TransactionID)
		return nil
	}
	return err
}

// callbackNote describes a callback for its sync event. A management
// callback names who acted: the shop itself (its action recognised by the
// transactionId in the actionLog entry) or whoever Resurs reports as
// creator, e.g. "CAPTURE by merchant-portal (action 5f0c…)".
func (e *Engine) callbackNote(ctx context.Context, cb *kassa.Callback) string {
	prefix := fmt.Sprintf("callback #%d", cb.ID)
	if cb.Kind != kassa.CallbackManagement {
		return fmt.Sprintf("%s (%s)", prefix, claimed(cb))
	}
	c, err := mapi.ParseManagementCallback(cb.Body)
	if err != nil {
		return fmt.Sprintf("%s (%s)", prefix, claimed(cb))
	}
	l, err := read(ctx, e, func(ctx context.Context) (*mapi.ActionLog, error) {
		return e.bank.GetAction(ctx, c.PaymentID, c.ActionID)
	})
	if err != nil {
		return fmt.Sprintf("%s (management %s, action %s)", prefix, c.Action, c.ActionID)
	}
	return fmt.Sprintf("%s (%s)", prefix, e.actor(ctx, cb.OrderID, l))
}

// actor says who did an actionLog entry.
func (e *Engine) actor(ctx context.Context, orderID int64, l *mapi.ActionLog) string {
	if l.TransactionID != nil {
		if a, err := e.store.ActionByTransactionID(ctx, *l.TransactionID); err == nil && a.OrderID == orderID {
			return fmt.Sprintf("%s by kassa (%s %s, action %s)", l.Type, a.Kind, a.TransactionID, l.ActionID)
		}
	}
	who := "an unknown creator"
	if l.Creator != nil && *l.Creator != "" {
		who = *l.Creator
	}
	return fmt.Sprintf("%s by %s (action %s)", l.Type, who, l.ActionID)
}
