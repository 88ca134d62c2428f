package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// After the sale: capture, cancel, refund and modify at Resurs.
//
// Every action follows one path, under the order's lock:
//
//  1. read the payment fresh and check the request against it and the
//     order (plan*): nothing is captured on hold, nothing beyond what is
//     authorized, nothing refunded that was not captured;
//  2. store the action with its deterministic transactionId
//     ("K000042-capture-1"), due in the action queue (aftersale_job.go)
//     once the call has certainly ended, so that it is resumed should this
//     process die or Resurs not answer;
//  3. call Resurs with that transactionId;
//  4. on success mirror the payment onto the order (the same apply path
//     as Sync); on a refusal leave the order as it was and record the MAPI
//     error on the action and as an event; on a lost answer look for the
//     transactionId in the payment's actionLog before anything is sent
//     again, so a capture or refund never happens twice.

// Defaults of after-sale actions.
const (
	defaultActionDelay    = 2 * time.Minute // before the queue resumes a still-pending action
	defaultActionAttempts = 20              // ~1.5 h of retries with the capped backoff
	defaultActionsCreator = "kassa"
)

// Capture captures the order's payment at Resurs: everything authorized
// (req.All), or the given lines and quantities (a partial capture leaves the
// order processing until everything is captured or cancelled).
//
// Errors: EINVALID with Fields (a request that names neither lines nor all,
// or both, or an amount; lines that do not fit the order); ENOTFOUND (no
// such order); ECONFLICT (the payment does not allow it: on hold, nothing
// left — recorded as an event; or Resurs does not know the payment);
// EDECLINED (Resurs refused: the order is unchanged, the action and an
// event carry the MAPI code, message and traceId); EUNAVAILABLE (no answer: the action stays pending and is
// resumed by the action queue, which first looks for its transactionId at
// Resurs).
// The action is returned whenever one was stored.
func (e *Engine) Capture(ctx context.Context, orderID int64, req ActionRequest) (*kassa.Order, *kassa.Action, error) {
	return e.act(ctx, orderID, kassa.ActionCapture, req)
}

// Cancel cancels the authorization: everything not captured (req.All), or
// the given lines. A pending order whose payment was never signed is
// cancelled whole (see cancelPending). Errors as Capture.
func (e *Engine) Cancel(ctx context.Context, orderID int64, req ActionRequest) (*kassa.Order, *kassa.Action, error) {
	return e.act(ctx, orderID, kassa.ActionCancel, req)
}

// Refund refunds captured money: by lines and quantities, by an amount
// (one line per captured VAT rate), or everything left when req.All.
// Errors as Capture.
func (e *Engine) Refund(ctx context.Context, orderID int64, req ActionRequest) (*kassa.Order, *kassa.Action, error) {
	return e.act(ctx, orderID, kassa.ActionRefund, req)
}

// OrderActions returns an order's after-sale actions, oldest first.
func (e *Engine) OrderActions(ctx context.Context, orderID int64) ([]*kassa.Action, error) {
	as, _, err := e.store.Actions(ctx, kassa.ActionFilter{OrderID: orderID, Limit: 1000})
	if err != nil {
		return nil, fmt.Errorf("checkout.OrderActions: %w", err)
	}
	return as, nil
}

// Actions lists actions across orders, newest first (the operator's view of
// failed and pending ones), and the total matching f.
func (e *Engine) Actions(ctx context.Context, f kassa.ActionFilter) ([]*kassa.Action, int, error) {
	as, n, err := e.store.Actions(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("checkout.Actions: %w", err)
	}
	return as, n, nil
}

// RetryAction resumes a pending or failed action now (the operator's
// "retry"): it looks for the action's transactionId at Resurs and sends it
// again only when Resurs has no trace of it. A succeeded or refused action
// is returned as it is. Without an answer the action is pending again,
// with a fresh count of automatic retries. Errors as Capture.
func (e *Engine) RetryAction(ctx context.Context, actionID int64, src kassa.Source) (*kassa.Order, *kassa.Action, error) {
	a, err := e.store.Action(ctx, actionID)
	if err != nil {
		return nil, nil, fmt.Errorf("checkout.RetryAction: %w", err)
	}
	unlock := e.locks.lock(a.OrderID)
	defer unlock()
	return e.resume(ctx, actionID, func(a *kassa.Action) bool {
		if src != "" {
			a.Source = src
		}
		a.Resumes, a.NextAttemptAt = 0, e.now().Add(e.cfg.ActionRetryDelay)
		return true
	})
}

// act implements Capture, Cancel and Refund.
func (e *Engine) act(ctx context.Context, id int64, kind kassa.ActionKind, req ActionRequest) (*kassa.Order, *kassa.Action, error) {
	op := "checkout." + opName(kind)
	if err := checkRequest(kind, req); err != nil {
		return nil, nil, err
	}
	unlock := e.locks.lock(id)
	defer unlock()
	o, p, err := e.orderAndPayment(ctx, op, id)
	if err != nil {
		return o, nil, err
	}
	if err := e.checkUnsettled(ctx, op, o); err != nil {
		return o, nil, e.refusedPlan(ctx, o, kind, req.Source, err)
	}
	if kind == kassa.ActionCancel && pendingCancel(o, p) {
		return e.cancelPending(ctx, o, req)
	}
	pl, err := planFor(kind, o, p, req)
	if err != nil {
		return o, nil, e.refusedPlan(ctx, o, kind, req.Source, err)
	}
	a, err := e.newAction(ctx, o, kind, pl, req.Source, req.Creator)
	if err != nil {
		return o, nil, fmt.Errorf("%s: %w", op, err)
	}
	return e.execute(ctx, o, a)
}

// checkUnsettled refuses a new action while another one of the order is
// pending or failed: its outcome at Resurs is not known yet, and acting
// again could capture or refund twice.
func (e *Engine) checkUnsettled(ctx context.Context, op string, o *kassa.Order) error {
	as, _, err := e.store.Actions(ctx, kassa.ActionFilter{OrderID: o.ID, Limit: 1000})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return unsettled(op, as)
}

// unsettled refuses when one of the actions is not final.
func unsettled(op string, as []*kassa.Action) error {
	for _, a := range as {
		if !a.State.Final() {
			return refuse(op, "aftersale.unsettled", "Action", actionThe(a.Kind), "TX", a.TransactionID, "State", a.State)
		}
	}
	return nil
}

func planFor(kind kassa.ActionKind, o *kassa.Order, p *mapi.Payment, req ActionRequest) (plan, error) {
	switch kind {
	case kassa.ActionCapture:
		return planCapture(o, p, req)
	case kassa.ActionCancel:
		return planCancel(o, p, req)
	}
	return planRefund(o, p, req)
}

func opName(k kassa.ActionKind) string {
	switch k {
	case kassa.ActionCapture:
		return "Capture"
	case kassa.ActionCancel:
		return "Cancel"
	case kassa.ActionRefund:
		return "Refund"
	}
	return "Modify"
}

// orderAndPayment loads the order and reads its payment fresh.
func (e *Engine) orderAndPayment(ctx context.Context, op string, id int64) (*kassa.Order, *mapi.Payment, error) {
	o, err := e.store.Order(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	if o.PaymentID == "" {
		return o, nil, refuse(op, "aftersale.no_payment", "Number", o.Number)
	}
	p, err := call(e, func() (*mapi.Payment, error) { return e.bank.GetPayment(ctx, o.PaymentID) })
	switch {
	case mapi.IsNotFound(err):
		return o, nil, paymentUnknown(op, o, err)
	case err != nil:
		return o, nil, unavailable(op, err)
	}
	return o, p, nil
}

// refusedPlan records a refusal that follows from the payment's state
// as an event; bad input changes nothing at all.
func (e *Engine) refusedPlan(ctx context.Context, o *kassa.Order, kind kassa.ActionKind, src kassa.Source, err error) error {
	if kassa.ErrorCode(err) != kassa.ECONFLICT {
		return err
	}
	ev := e.event(o, src, o.Status, false, o.PaymentStatus, fmt.Sprintf("%s refused: %s", kind, kassa.ErrorMessage(err)))
	if aerr := e.store.AddEvent(ctx, ev, nil); aerr != nil {
		return errors.Join(err, aerr)
	}
	return err
}

// newAction stores a pending action with the next transactionId of its
// kind, due in the action queue once the call about to be made has
// certainly ended.
func (e *Engine) newAction(ctx context.Context, o *kassa.Order, kind kassa.ActionKind, pl plan, src kassa.Source, creator string) (*kassa.Action, error) {
	prev, _, err := e.store.Actions(ctx, kassa.ActionFilter{OrderID: o.ID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	seq := 1
	for _, a := range prev {
		if a.Kind == kind {
			seq++
		}
	}
	if creator == "" {
		creator = defaultActionsCreator
	}
	a := &kassa.Action{OrderID: o.ID, Kind: kind, TransactionID: kassa.TransactionID(o.Number, kind, seq),
		Lines: pl.lines, Amount: pl.amount, State: kassa.ActionPending, Source: src, Creator: creator,
		NextAttemptAt: e.now().Add(e.cfg.ActionRetryDelay), OrderVersion: o.Version}
	// Stored only if o is still as read and no other action of it is
	// unsettled: another process acting on the order at the same moment
	// gets ECONFLICT here, before anything is sent to Resurs.
	if err := e.store.CreateAction(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// execute sends a pending action to Resurs and records the outcome. The
// caller holds the order's lock.
func (e *Engine) execute(ctx context.Context, o *kassa.Order, a *kassa.Action) (*kassa.Order, *kassa.Action, error) {
	if a.Kind == kassa.ActionModify {
		return e.executeModify(ctx, o, a)
	}
	a.Attempts++
	p, err := call(e, func() (*mapi.Payment, error) { return e.send(ctx, o.PaymentID, a) })
	switch {
	case err == nil:
		return e.succeeded(ctx, o, a, p)
	case refused(err):
		return e.refusedByBank(ctx, o, a, err)
	}
	return e.noAnswer(ctx, o, a, err)
}

// send makes the MAPI call of a capture, cancel or refund.
func (e *Engine) send(ctx context.Context, paymentID string, a *kassa.Action) (*mapi.Payment, error) {
	var lines []mapi.OrderLine
	if len(a.Lines) > 0 {
		lines = mapiLines(a.Lines)
	}
	switch a.Kind {
	case kassa.ActionCapture:
		return e.bank.Capture(ctx, paymentID, &mapi.CaptureRequest{OrderLines: lines, Creator: a.Creator, TransactionID: a.TransactionID})
	case kassa.ActionCancel:
		return e.bank.Cancel(ctx, paymentID, &mapi.CancelRequest{OrderLines: lines, Creator: a.Creator, TransactionID: a.TransactionID})
	case kassa.ActionRefund:
		return e.bank.Refund(ctx, paymentID, &mapi.RefundRequest{OrderLines: lines, Creator: a.Creator, TransactionID: a.TransactionID})
	}
	return nil, fmt.Errorf("send: unknown action kind %q", a.Kind)
}

// succeeded marks a as executed at Resurs and mirrors the payment p onto
// the order through the same path as Sync.
func (e *Engine) succeeded(ctx context.Context, o *kassa.Order, a *kassa.Action, p *mapi.Payment) (*kassa.Order, *kassa.Action, error) {
	if l := p.Order.FindAction(a.TransactionID); l != nil {
		a.MAPIActionID = l.ActionID
	}
	note := fmt.Sprintf("%s %s of %s, asked by %s, accepted by Resurs", a.Kind, a.TransactionID, describeAction(a), a.Creator)
	if a.MAPIActionID != "" {
		note += " (action " + a.MAPIActionID + ")"
	}
	// The order first: should the process die in between, the action is
	// still pending and its job finds the transactionId and finishes it.
	run := syncRun{e: e, order: o, payment: p.ID, snap: snapshotOf(p), src: a.Source, note: note, action: a}
	o, err := run.apply(ctx)
	e.metrics.action(a.Kind, "succeeded")
	a.State, a.Error, a.NextAttemptAt = kassa.ActionSucceeded, kassa.ActionError{}, time.Time{}
	if uerr := e.store.UpdateAction(ctx, a); uerr != nil {
		err = errors.Join(err, fmt.Errorf("checkout.%s: %w", opName(a.Kind), uerr))
	}
	return o, a, err
}

// describeAction says what an action moves: "everything (248.00)" or
// "2 × TEE, 1 × shipping (447.00)".
func describeAction(a *kassa.Action) string {
	if len(a.Lines) == 0 {
		return fmt.Sprintf("everything (%s)", a.Amount)
	}
	s := ""
	for i, l := range a.Lines {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%d × %s", l.Quantity, lineRef(l))
	}
	return fmt.Sprintf("%s (%s)", s, a.Amount)
}

// refusedByBank handles a 4xx answer. A conflict may mean that this very
// transactionId was executed before (a retry racing a lost answer), so the
// payment is read once more before calling it a refusal.
func (e *Engine) refusedByBank(ctx context.Context, o *kassa.Order, a *kassa.Action, cause error) (*kassa.Order, *kassa.Action, error) {
	if p, ok := e.executedAt(ctx, o, a); ok {
		return e.succeeded(ctx, o, a, p)
	}
	e.metrics.action(a.Kind, "refused")
	a.State, a.Error, a.NextAttemptAt = kassa.ActionRefused, actionError(cause), time.Time{}
	if err := e.store.UpdateAction(ctx, a); err != nil {
		return o, a, errors.Join(cause, err)
	}
	ev := e.event(o, a.Source, o.Status, false, o.PaymentStatus,
		fmt.Sprintf("%s %s of %s refused by Resurs: %s", a.Kind, a.TransactionID, describeAction(a), mapiDetail(cause)))
	if err := e.store.AddEvent(ctx, ev, nil); err != nil {
		return o, a, errors.Join(cause, err)
	}
	if mapi.IsNotFound(cause) {
		return o, a, paymentUnknown("checkout."+opName(a.Kind), o, cause)
	}
	refused := locale.Error(kassa.EDECLINED, "aftersale.refused", "Action", actionThe(a.Kind), "Error", a.Error.String())
	refused.Op, refused.Err = "checkout."+opName(a.Kind), cause
	return o, a, refused
}

// actionReadFailed handles a failed read of the payment before an action is
// sent again: a payment Resurs does not know settles the action as
// refused; any other failure leaves it pending for the action queue.
func (e *Engine) actionReadFailed(ctx context.Context, o *kassa.Order, a *kassa.Action, cause error) (*kassa.Order, *kassa.Action, error) {
	if mapi.IsNotFound(cause) {
		return e.refusedByBank(ctx, o, a, cause)
	}
	return e.noAnswer(ctx, o, a, cause)
}

// noAnswer handles a call whose outcome is unknown (timeout, 5xx, breaker
// open): if the transactionId is in the actionLog it happened; otherwise
// the action stays pending, due in the action queue at its NextAttemptAt.
func (e *Engine) noAnswer(ctx context.Context, o *kassa.Order, a *kassa.Action, cause error) (*kassa.Order, *kassa.Action, error) {
	if p, ok := e.executedAt(ctx, o, a); ok {
		return e.succeeded(ctx, o, a, p)
	}
	e.metrics.action(a.Kind, "no_answer")
	a.Error = actionError(cause)
	if err := e.store.UpdateAction(ctx, a); err != nil {
		e.log.Error("record action attempt", "action", a.ID, "err", err)
	}
	e.log.Warn("after-sale action got no answer; will retry", "action", a.ID, "transactionId", a.TransactionID, "err", cause)
	err := unavailable("checkout."+opName(a.Kind), cause)
	err.Message = fmt.Sprintf("Resurs Bank did not answer. The %s (%s) will be retried automatically; it will not happen twice.",
		a.Kind, a.TransactionID)
	return o, a, err
}

// executedAt reads the payment and reports whether a's transactionId is in
// its actionLog (with the matching type).
func (e *Engine) executedAt(ctx context.Context, o *kassa.Order, a *kassa.Action) (*mapi.Payment, bool) {
	p, err := call(e, func() (*mapi.Payment, error) { return e.bank.GetPayment(ctx, o.PaymentID) })
	if err != nil {
		return nil, false
	}
	l := p.Order.FindAction(a.TransactionID)
	return p, l != nil && l.Type == mapiLog(a.Kind) && a.Kind != kassa.ActionModify
}

// actionError extracts MAPI's code, message and traceId from err.
func actionError(err error) kassa.ActionError {
	var me *mapi.Error
	if !errors.As(err, &me) {
		return kassa.ActionError{Message: err.Error()}
	}
	ae := kassa.ActionError{Code: me.Code, Message: me.Message, TraceID: me.TraceID}
	if ae.Code == "" && me.HTTPStatus != 0 {
		ae.Code = fmt.Sprint(me.HTTPStatus)
	}
	for _, f := range me.Fields {
		ae.Message += fmt.Sprintf("; %s: %s", f.Field, f.Message)
	}
	if ae.Message == "" {
		ae.Message = mapiDetail(err)
	}
	return ae
}

// resume continues a pending or failed action: if Resurs executed it, it
// is recorded as such; otherwise it is sent again with the same
// transactionId. The caller holds the order's lock; prepare adjusts the
// action read fresh under it before anything is sent, or reports false to
// leave it as it is.
func (e *Engine) resume(ctx context.Context, actionID int64, prepare func(*kassa.Action) bool) (*kassa.Order, *kassa.Action, error) {
	a, err := e.store.Action(ctx, actionID) // may have moved before the lock was taken
	if err != nil {
		return nil, nil, fmt.Errorf("checkout.RetryAction: %w", err)
	}
	o, err := e.store.Order(ctx, a.OrderID)
	if err != nil || a.State.Final() || !prepare(a) {
		return o, a, err
	}
	a.State = kassa.ActionPending
	if a.Kind == kassa.ActionModify {
		return e.executeModify(ctx, o, a)
	}
	p, err := call(e, func() (*mapi.Payment, error) { return e.bank.GetPayment(ctx, o.PaymentID) })
	if err != nil {
		return e.actionReadFailed(ctx, o, a, err)
	}
	if l := p.Order.FindAction(a.TransactionID); l != nil && l.Type == mapiLog(a.Kind) {
		return e.succeeded(ctx, o, a, p)
	}
	return e.execute(ctx, o, a)
}
