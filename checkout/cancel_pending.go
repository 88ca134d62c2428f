package checkout

import (
	"context"
	"fmt"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// Cancelling a pending order: the customer never signed the payment, and
// the owner does not want to hold its stock until the payment expires.
// Whether MAPI lets a payment still waiting for the customer be cancelled
// is UNCONFIRMED (docs/mapi.md §Unconfirmed points), so the order is
// cancelled in the shop even when Resurs refuses. Should the customer sign
// the payment afterwards, the sync that sees it accepted annuls it: it
// sends the owner's cancel again, as an action of its own.

// Timeline notes of a pending order's cancel and of a payment signed after it.
const (
	noteCancelledAtResurs = "Resurs Bank cancelled the unsigned payment"
	noteRefusedExpired    = "Resurs Bank refused to cancel the payment, which can no longer be signed (it expired)"
	noteRefusedSignable   = "Resurs Bank could not cancel the unsigned payment yet; it will be annulled if the customer signs it"
	noteSignedLate        = "payment signed after the order was cancelled"
	noteAnnulling         = "annulling it at Resurs (a cancel of everything, as %s asked)"
	noteAnnulUnderway     = "its annulment at Resurs is under way"
)

// pendingCancel reports whether a cancel of order o is the cancel of a
// pending order whose payment p is still waiting for the customer.
func pendingCancel(o *kassa.Order, p *mapi.Payment) bool {
	return o.Status == kassa.StatusPending && p.Status == mapi.StatusTaskRedirectionRequired
}

// cancelPending cancels the unsigned payment of pending order o at Resurs
// and then the order, which releases its stock. The cancel is an action
// like any other (stored first, its transactionId looked for before it is
// sent again). Should Resurs refuse it, the order is cancelled all the
// same, and the refused cancel stays on the order as the owner's wish:
// if the customer signs the payment later, it is annulled (see
// signedLate). Without an answer the order stays pending until the
// action queue settles the cancel. The caller holds the order's lock.
func (e *Engine) cancelPending(ctx context.Context, o *kassa.Order, req ActionRequest) (*kassa.Order, *kassa.Action, error) {
	const op = "checkout.Cancel"
	if !req.All {
		return o, nil, badInput(op, locale.Field("lines", "aftersale.cancel_whole"))
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
		return e.closePending(ctx, o, a, noteCancelledAtResurs)
	case kassa.ErrorCode(err) != kassa.EDECLINED:
		return o, a, err
	case e.expired(o):
		return e.closePending(ctx, o, a, noteRefusedExpired)
	}
	return e.closePending(ctx, o, a, noteRefusedSignable)
}

// closePending cancels order o, still pending after its payment's cancel
// (Resurs' answer may already have cancelled it), with an event that says
// who asked.
func (e *Engine) closePending(ctx context.Context, o *kassa.Order, a *kassa.Action, why string) (*kassa.Order, *kassa.Action, error) {
	if o.Status != kassa.StatusPending {
		return o, a, nil
	}
	note := fmt.Sprintf("order cancelled by %s before the payment was signed: %s", who(a.Source, a.Creator), why)
	o, err := e.force(ctx, o, kassa.StatusCancelled, syncOpts{src: a.Source}, "The order was cancelled by the shop.", note)
	if err != nil {
		return o, a, fmt.Errorf("checkout.Cancel: %w", err)
	}
	return o, a, nil
}

// signedLate decides on a payment accepted at Resurs for a cancelled
// order. When the owner cancelled the order before it was signed, and
// Resurs refused that cancel (cancelPending), the cancel is still owed:
// r.annul is set to it, for decide to carry out once this sync's write is
// done; while that annulment is pending (or done, and this read older) it
// is only noted. It returns the event's note and whether the engine takes
// care of the payment; if not, the "paid but closed" alert stands.
func (r *syncRun) signedLate(ctx context.Context, note string) (string, bool, error) {
	r.annul = nil
	owed, underway, err := r.e.owedCancel(ctx, r.order.ID)
	switch {
	case err != nil:
		return note, false, err
	case owed != nil:
		r.annul = owed
		return joinNote(note, noteSignedLate+": "+fmt.Sprintf(noteAnnulling, who(owed.Source, owed.Creator))), true, nil
	case underway:
		return joinNote(note, noteSignedLate+": "+noteAnnulUnderway), true, nil
	}
	return note, false, nil
}

// owedCancel looks at the cancels of an order (oldest first). The first
// one refused, for everything, is the owner's cancel of the pending order:
// alone, it is owed (returned); followed by one cancel still pending or
// succeeded, its annulment is under way. Anything else (the annulment
// refused or failed, several refusals) is left to the operator: the
// engine annuls a payment at most once.
func (e *Engine) owedCancel(ctx context.Context, orderID int64) (owed *kassa.Action, underway bool, err error) {
	as, _, err := e.store.Actions(ctx, kassa.ActionFilter{OrderID: orderID, Limit: 1000})
	if err != nil {
		return nil, false, fmt.Errorf("owed cancel: %w", err)
	}
	var cancels []*kassa.Action
	for _, a := range as {
		if a.Kind == kassa.ActionCancel {
			cancels = append(cancels, a)
		}
	}
	switch {
	case len(cancels) == 0 || cancels[0].State != kassa.ActionRefused || len(cancels[0].Lines) > 0:
		return nil, false, nil
	case len(cancels) == 1:
		return cancels[0], false, nil
	}
	s := cancels[1].State
	return nil, len(cancels) == 2 && (s == kassa.ActionPending || s == kassa.ActionSucceeded), nil
}

// annul carries out the owner's cancel that run found owed, on order o
// whose payment was signed after the order was cancelled: a cancel of
// everything authorized, by the after-sale path (stored first with its own
// transactionId, resumed by the action queue when Resurs does not answer,
// never sent twice). The sync is done whatever Resurs answers; should
// Resurs refuse, the order is paid but closed, and the alert is raised.
// The caller holds the order's lock.
func (e *Engine) annul(ctx context.Context, o *kassa.Order, run *syncRun) (*kassa.Order, error) {
	owed := run.annul
	a, err := e.newAction(ctx, o, kassa.ActionCancel, plan{amount: o.Authorized}, owed.Source, owed.Creator)
	if err != nil {
		return o, fmt.Errorf("checkout.Sync: annul the payment: %w", err)
	}
	o, a, err = e.execute(ctx, o, a)
	switch {
	case a.State == kassa.ActionRefused:
		e.alertPaidButClosed(o, o.Status, run.snap, run.src)
	case err != nil:
		e.log.Warn("annulling a payment signed after its order was cancelled", "order", o.ID, "action", a.ID, "err", err)
	}
	return o, nil
}

// who names whoever asked for an action in a timeline note: "admin Anna",
// or "the customer" for a purchase that replaced the order.
func who(src kassa.Source, creator string) string {
	switch {
	case src == kassa.SourceCheckout:
		return "the customer"
	case creator == "":
		return string(src)
	}
	return string(src) + " " + creator
}
