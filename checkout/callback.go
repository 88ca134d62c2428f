package checkout

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// MaxCallbackBody is the largest callback body accepted (web enforces it too).
const MaxCallbackBody = 64 << 10

// CallbackArgs is the River job that processes one inbox entry.
type CallbackArgs struct {
	CallbackID int64 `json:"callbackId"`
}

// Kind implements river.JobArgs.
func (CallbackArgs) Kind() string { return "kassa_callback" }

// receiveCallback implements ReceiveCallback.
func (e *Engine) receiveCallback(ctx context.Context, kind kassa.CallbackKind, token string, body []byte) error {
	const op = "checkout.ReceiveCallback"
	o, err := e.tokenOrder(ctx, token)
	if err != nil {
		e.metrics.callback(kind, "error")
		return fmt.Errorf("%s: %w", op, err)
	}
	cb := &kassa.Callback{Kind: kind, Body: body, State: kassa.CallbackReceived}
	if len(body) > MaxCallbackBody {
		cb.Body = body[:MaxCallbackBody]
	}
	if o != nil {
		cb.OrderID = o.ID
	}
	paymentID, dedup, perr := parseCallback(kind, body)
	cb.PaymentID = paymentID
	switch {
	case o == nil:
		why := unauthenticated(cb, body)
		return e.quarantine(ctx, cb, why, &kassa.Error{Code: kassa.EUNAUTHORIZED, Op: op,
			Message: "The callback token is not valid."})
	case perr != nil:
		return e.quarantine(ctx, cb, "malformed body: "+perr.Error(), &kassa.Error{Code: kassa.EINVALID, Op: op,
			Message: "The callback body cannot be read.", Err: perr})
	case o.PaymentID != "" && o.PaymentID != paymentID:
		return e.quarantine(ctx, cb, "payment "+paymentID+" is not this order's payment", nil)
	}
	cb.DedupKey = dedup
	dup, err := e.store.RecordCallback(ctx, cb, e.enqueue(cb))
	switch {
	case err != nil:
		e.metrics.callback(kind, "error")
		return fmt.Errorf("%s: %w", op, err)
	case dup:
		e.metrics.callback(kind, "duplicate")
	default:
		e.metrics.callback(kind, "accepted")
	}
	return nil
}

// maxUnauthBody bounds the body stored for a callback with a bad or
// missing token: every callback is kept for the operator, but anyone can
// send these, so only an excerpt. (Its payment id, when parsed, is a UUID.)
const maxUnauthBody = 1 << 10

// unauthenticated cuts cb, a callback with a bad or missing token, down to
// an excerpt of body and returns the quarantine reason, which notes the
// original size when the body was cut.
func unauthenticated(cb *kassa.Callback, body []byte) string {
	if len(body) <= maxUnauthBody {
		return "bad or missing token"
	}
	cb.Body = body[:maxUnauthBody:maxUnauthBody]
	return fmt.Sprintf("bad or missing token; body of %d bytes, first %d kept", len(body), maxUnauthBody)
}

// tokenOrder returns the order a callback token belongs to, or nil when the
// token is missing, malformed, names no order or has the wrong secret.
func (e *Engine) tokenOrder(ctx context.Context, token string) (*kassa.Order, error) {
	id, secret, ok := splitToken(token)
	if !ok {
		return nil, nil
	}
	o, err := e.store.Order(ctx, id)
	switch {
	case kassa.ErrorCode(err) == kassa.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	case !sameSecret(secret, o.CallbackToken):
		return nil, nil
	}
	return o, nil
}

// parseCallback returns the payment id and the dedup key of a callback body.
func parseCallback(kind kassa.CallbackKind, body []byte) (paymentID, dedup string, err error) {
	if len(body) > MaxCallbackBody {
		return "", "", fmt.Errorf("body larger than %d bytes", MaxCallbackBody)
	}
	switch kind {
	case kassa.CallbackAuthorization:
		c, err := mapi.ParseAuthorizationCallback(body)
		if err != nil {
			return "", "", err
		}
		created := c.Created.UTC().Format(time.RFC3339Nano)
		return c.PaymentID, "a:" + c.PaymentID + ":" + string(c.Status) + ":" + created, nil
	case kassa.CallbackManagement:
		c, err := mapi.ParseManagementCallback(body)
		if err != nil {
			return "", "", err
		}
		return c.PaymentID, "m:" + c.PaymentID + ":" + c.ActionID, nil
	}
	return "", "", fmt.Errorf("unknown callback kind %q", kind)
}

// quarantine stores cb as quarantined (no dedup key, so a forged body can
// never shadow a real callback) and returns answer.
func (e *Engine) quarantine(ctx context.Context, cb *kassa.Callback, why string, answer error) error {
	cb.State, cb.Error, cb.DedupKey = kassa.CallbackQuarantined, why, ""
	if _, err := e.store.RecordCallback(ctx, cb, nil); err != nil {
		e.metrics.callback(cb.Kind, "error")
		return fmt.Errorf("checkout.ReceiveCallback: %w", err)
	}
	result := "quarantined"
	if answer != nil {
		result = "rejected"
	}
	e.metrics.callback(cb.Kind, result)
	e.log.Warn("callback quarantined", "kind", cb.Kind, "order", cb.OrderID, "callback", cb.ID, "reason", why)
	return answer
}

// enqueue returns the TxFunc that inserts cb's job in the inbox transaction.
func (e *Engine) enqueue(cb *kassa.Callback) kassa.TxFunc {
	return func(ctx context.Context, tx *sql.Tx) error {
		if cb.ID == 0 {
			return errors.New("enqueue callback job: the store did not fill in the callback id")
		}
		if _, err := e.river.InsertTx(ctx, tx, CallbackArgs{CallbackID: cb.ID}, nil); err != nil {
			return fmt.Errorf("enqueue callback job: %w", err)
		}
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
	// The state and its job in one transaction: an entry is never left
	// received without a job to process it.
	cb.State, cb.Error = kassa.CallbackReceived, ""
	if err := e.store.UpdateCallback(ctx, cb, e.enqueue(cb)); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// callbackWorker processes callback jobs.
type callbackWorker struct {
	river.WorkerDefaults[CallbackArgs]
	e *Engine
}

// Work re-reads the payment the callback is about and applies it. A MAPI
// failure is returned so River retries with backoff; after the last attempt
// the inbox entry is marked failed (the sweeper still catches up).
func (w *callbackWorker) Work(ctx context.Context, job *river.Job[CallbackArgs]) error {
	e := w.e
	cb, err := e.store.Callback(ctx, job.Args.CallbackID)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if cb.State != kassa.CallbackReceived && cb.State != kassa.CallbackFailed {
		return nil // processed already, or never meant to be
	}
	err = e.processCallback(ctx, cb)
	cb.Attempts = job.Attempt
	switch {
	case err == nil:
		cb.State, cb.Error, cb.ProcessedAt = kassa.CallbackProcessed, "", e.now()
		e.metrics.callbackApplied(time.Since(cb.ReceivedAt))
	case errors.Is(err, errForeignPayment):
		cb.State, cb.Error = kassa.CallbackQuarantined, err.Error()
	case job.Attempt >= job.MaxAttempts:
		cb.State, cb.Error = kassa.CallbackFailed, err.Error()
	default:
		cb.Error = err.Error()
	}
	if uerr := e.store.UpdateCallback(ctx, cb, nil); uerr != nil {
		return errors.Join(err, uerr)
	}
	if errors.Is(err, errForeignPayment) {
		return nil
	}
	return err
}

// processCallback syncs the callback's order from a payment read.
func (e *Engine) processCallback(ctx context.Context, cb *kassa.Callback) error {
	note := e.callbackNote(ctx, cb)
	_, err := e.syncOrder(ctx, cb.OrderID, syncOpts{src: kassa.SourceCallback, note: note, candidate: cb.PaymentID})
	return err
}

// claimed describes what a callback body claims, for the event note.
func claimed(cb *kassa.Callback) string {
	switch cb.Kind {
	case kassa.CallbackAuthorization:
		if c, err := mapi.ParseAuthorizationCallback(cb.Body); err == nil {
			return "claims " + string(c.Status)
		}
	case kassa.CallbackManagement:
		if c, err := mapi.ParseManagementCallback(cb.Body); err == nil {
			return "management " + string(c.Action)
		}
	}
	return string(cb.Kind)
}
