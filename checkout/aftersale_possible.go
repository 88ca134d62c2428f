package checkout

import (
	"errors"
	"slices"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// Possible says which after-sale actions an order allows now, by the same
// checks the actions themselves make, so that a page offers exactly what
// would be accepted, and says why the rest is missing.
type Possible struct {
	Capture, Cancel, Refund Allowed
	Modify                  bool
	// CancelOrder is a cancel of a pending order whose payment was never
	// signed (Engine.Cancel with All): the whole order, nothing by lines.
	CancelOrder bool
	Authorized  kassa.Money // left to capture or cancel
	Refundable  kassa.Money // captured and not yet refunded
	Why         []string    // why what is missing is missing, one sentence each, in English
	// WhySaid are Why's messages, in the same order, for a page in the
	// reader's language (locale.Lang.Say).
	WhySaid []kassa.Said
}

// Allowed says how an action may be asked for: everything at once, and
// by lines (for a refund also by amount).
type Allowed struct {
	All, Lines bool
}

// Offered names the actions allowed, in MAPI's words (CAPTURE,
// PARTIAL_CAPTURE, …), for the "possible actions" line of a page.
func (p Possible) Offered() []mapi.ActionType {
	var out []mapi.ActionType
	add := func(ok bool, t mapi.ActionType) {
		if ok {
			out = append(out, t)
		}
	}
	add(p.Capture.All, mapi.ActionCapture)
	add(p.Capture.Lines, mapi.ActionPartialCapture)
	add(p.Cancel.All || p.CancelOrder, mapi.ActionCancel)
	add(p.Cancel.Lines, mapi.ActionPartialCancel)
	add(p.Refund.All, mapi.ActionRefund)
	add(p.Refund.Lines, mapi.ActionPartialRefund)
	return out
}

// PossibleActions works out what order o allows, given a fresh read of its
// payment p (nil when Resurs could not be read) and the order's actions.
// It calls nothing.
func PossibleActions(o *kassa.Order, p *mapi.Payment, actions []*kassa.Action) Possible {
	var pos Possible
	switch {
	case o.PaymentID == "":
		return pos.because(locale.Error(kassa.ECONFLICT, "aftersale.possible.no_payment"))
	case p == nil:
		return pos.because(locale.Error(kassa.EUNAVAILABLE, "aftersale.possible.unreadable"))
	}
	if err := unsettled("checkout.Possible", actions); err != nil {
		return pos.because(err)
	}
	if pendingCancel(o, p) {
		pos.CancelOrder = true
		return pos
	}
	pos.Authorized = kassa.Money(p.Order.AuthorizedAmount)
	pos.Refundable = kassa.Money(p.Order.CapturedAmount - p.Order.RefundedAmount)
	pos.Capture = pos.allowed(kassa.ActionCapture, o, p)
	pos.Cancel = pos.allowed(kassa.ActionCancel, o, p)
	pos.Refund = pos.allowed(kassa.ActionRefund, o, p)
	pos.Modify = pos.Cancel.All && p.Order.CapturedAmount == 0 && p.Order.RefundedAmount == 0
	return pos
}

// allowed asks the action's plan whether everything may be taken; lines
// may be taken when everything may, or when Resurs offers only the partial
// form of the action and something is left for it.
func (pos *Possible) allowed(kind kassa.ActionKind, o *kassa.Order, p *mapi.Payment) Allowed {
	_, err := planFor(kind, o, p, ActionRequest{All: true})
	if err == nil {
		return Allowed{All: true, Lines: true}
	}
	if partialLeft(kind, o, p) {
		return Allowed{Lines: true}
	}
	if kassa.ErrorCode(err) == kassa.ECONFLICT {
		pos.note(err)
	}
	return Allowed{}
}

// partialLeft reports whether Resurs offers the partial form of an action
// and something is left for it.
func partialLeft(kind kassa.ActionKind, o *kassa.Order, p *mapi.Payment) bool {
	if checkPayment("checkout.Possible", o, p) != nil {
		return false
	}
	switch kind {
	case kassa.ActionCapture:
		return p.Order.AuthorizedAmount > 0 && p.Order.Can(mapi.ActionPartialCapture)
	case kassa.ActionCancel:
		return p.Order.AuthorizedAmount > 0 && p.Order.Can(mapi.ActionPartialCancel)
	}
	return p.Order.CapturedAmount > p.Order.RefundedAmount && p.Order.Can(mapi.ActionPartialRefund)
}

// because returns pos with why's message as the reason nothing is offered.
func (pos Possible) because(why error) Possible {
	pos.note(why)
	return pos
}

// note adds why's message once.
func (pos *Possible) note(why error) {
	msg := kassa.ErrorMessage(why)
	if slices.Contains(pos.Why, msg) {
		return
	}
	var said kassa.Said
	var e *kassa.Error
	if errors.As(why, &e) {
		said = e.Said
	}
	pos.Why = append(pos.Why, msg)
	pos.WhySaid = append(pos.WhySaid, said)
}
