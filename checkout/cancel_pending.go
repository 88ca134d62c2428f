package checkout

import (
	"context"
	"fmt"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// Cancelling a pending order: the customer never signed the payment, and
// the owner does not want to hold its stock until the payment expires.

// pendingCancel reports whether a cancel of order o is the cancel of a
// pending order whose payment p is still waiting for the customer.
func pendingCancel(o *kassa.Order, p *mapi.Payment) bool {
	return o.Status == kassa.StatusPending && p.Status == mapi.StatusTaskRedirectionRequired
}

// cancelPending cancels the unsigned payment of pending order o at Resurs
// and then the order, which releases its stock. The cancel is an action
// like any other (stored first, its transactionId looked for before it is
// sent again). Should Resurs refuse it, the order is cancelled all the
// same only when the payment can no longer be signed (it expired);
// otherwise the order stays pending and the error says so. The caller
// holds the order's lock.
func (e *Engine) cancelPending(ctx context.Context, o *kassa.Order, req ActionRequest) (*kassa.Order, *kassa.Action, error) {
	const op = "checkout.Cancel"
	if !req.All {
		return o, nil, badInput(op, kassa.FieldError{Field: "lines",
			Message: "The payment was never signed, so the order is cancelled whole: ask for all of it, not lines."})
	}
	if err := e.checkUnsettled(ctx, op, o); err != nil {
		return o, nil, e.refusedPlan(ctx, o, kassa.ActionCancel, req.Source, err)
	}
	a, err := e.newAction(ctx, o, kassa.ActionCancel, plan{amount: o.Total}, req.Source, req.Creator)
	if err != nil {
		return o, nil, fmt.Errorf("%s: %w", op, err)
	}
	o, a, err = e.execute(ctx, o, a)
	switch {
	case err == nil:
		return e.closePending(ctx, o, a, "Resurs Bank cancelled the unsigned payment")
	case kassa.ErrorCode(err) != kassa.EDECLINED:
		return o, a, err
	case e.expired(o):
		return e.closePending(ctx, o, a, "Resurs Bank refused to cancel the payment, which can no longer be signed (it expired)")
	}
	return o, a, &kassa.Error{Code: kassa.ECONFLICT, Op: op, Err: err, Message: fmt.Sprintf(
		"Resurs Bank refused to cancel the payment (%s), and the customer can still sign it until %s, so the order stays pending. It is cancelled automatically if it is not signed by then.",
		a.Error.Message, o.ExpiresAt.Add(e.cfg.ExpiryGrace).UTC().Format("2006-01-02 15:04 MST"))}
}

// closePending cancels order o, still pending after its payment's cancel
// (Resurs' answer may already have cancelled it), with an event that says
// who asked.
func (e *Engine) closePending(ctx context.Context, o *kassa.Order, a *kassa.Action, why string) (*kassa.Order, *kassa.Action, error) {
	if o.Status != kassa.StatusPending {
		return o, a, nil
	}
	note := fmt.Sprintf("order cancelled by %s (%s) before the payment was signed: %s", a.Source, a.Creator, why)
	o, err := e.force(ctx, o, kassa.StatusCancelled, syncOpts{src: a.Source}, "The order was cancelled by the shop.", note)
	if err != nil {
		return o, a, fmt.Errorf("checkout.Cancel: %w", err)
	}
	return o, a, nil
}
