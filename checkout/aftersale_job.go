package checkout

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/kassa-dev/kassa"
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
