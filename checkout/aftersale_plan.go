package checkout

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// This file turns an after-sale request into the lines to send, checked
// against the order and a fresh read of the payment. It calls nothing.

// ActionRequest asks for a capture, cancel or refund. It must say what it
// acts on, exactly one of: Lines; All (for a capture or cancel everything
// still authorized, for a refund everything captured and not yet
// refunded); or, for a refund only, an Amount (split into one line per
// VAT rate of what was captured). There is never an implicit "everything".
type ActionRequest struct {
	Lines   []kassa.LineRequest `json:"lines,omitempty"`  // SKU (or a line reference such as "shipping") and quantity
	Amount  kassa.Money         `json:"amount,omitempty"` // refund only
	All     bool                `json:"all,omitempty"`    // everything the action can take
	Source  kassa.Source        `json:"-"`                // admin, api, cli
	Creator string              `json:"-"`                // who asks, sent to Resurs as creator
}

// ModifyRequest gives an order's new product lines; shipping is computed
// as at checkout. The new total must fit in the authorization.
type ModifyRequest struct {
	Lines   []kassa.LineRequest `json:"lines"`
	Source  kassa.Source        `json:"-"`
	Creator string              `json:"-"`
}

// plan is a checked action: the lines to record and send (none = all
// eligible, for capture and cancel) and the amount expected to move.
type plan struct {
	lines  []kassa.Line
	amount kassa.Money
}

// lineRef is how a line is known to Resurs and in requests: its SKU, or
// its type in lower case for lines without one ("shipping").
func lineRef(l kassa.Line) string {
	switch {
	case l.SKU != "":
		return l.SKU
	case l.Type == kassa.LineDiscount:
		return discountRef(l.VATRate) // one discount line per VAT rate
	}
	return strings.ToLower(string(l.Type))
}

// ledger sums, per line reference, the quantities (in hundredths, as MAPI
// counts them) that the payment's actionLog captured, cancelled and refunded,
// and per VAT rate what was captured and refunded.
type ledger struct {
	captured, canceled, refunded map[string]mapi.Decimal
	capturedByRate               map[mapi.Decimal]mapi.Decimal
	refundedByRate               map[mapi.Decimal]mapi.Decimal
}

func ledgerOf(p *mapi.Payment) ledger {
	l := ledger{captured: map[string]mapi.Decimal{}, canceled: map[string]mapi.Decimal{},
		refunded: map[string]mapi.Decimal{}, capturedByRate: map[mapi.Decimal]mapi.Decimal{},
		refundedByRate: map[mapi.Decimal]mapi.Decimal{}}
	for _, a := range p.Order.ActionLog {
		for _, ol := range a.OrderLines {
			switch a.Type {
			case mapi.LogCapture:
				l.captured[ol.Reference] += ol.Quantity
				l.capturedByRate[ol.VATRate] += ol.TotalAmountIncludingVAT
			case mapi.LogCancel:
				l.canceled[ol.Reference] += ol.Quantity
			case mapi.LogRefund:
				l.refunded[ol.Reference] += ol.Quantity
				l.refundedByRate[ol.VATRate] += ol.TotalAmountIncludingVAT
			}
		}
	}
	return l
}

// refuse is a refusal that follows from the payment's state at Resurs
// (frozen, nothing to capture): ECONFLICT, recorded as an event.
func refuse(op, format string, args ...any) *kassa.Error {
	return &kassa.Error{Code: kassa.ECONFLICT, Op: op, Message: fmt.Sprintf(format, args...)}
}

// badInput is a request that does not fit the order: EINVALID with fields.
func badInput(op string, fields ...kassa.FieldError) *kassa.Error {
	return &kassa.Error{Code: kassa.EINVALID, Op: op, Message: "The request does not fit the order.", Fields: fields}
}

// checkPayment refuses any action on a payment Resurs has not accepted
// (frozen, under inspection, rejected): nothing may be captured on hold.
func checkPayment(op string, o *kassa.Order, p *mapi.Payment) error {
	switch {
	case o.Status == kassa.StatusOnHold:
		return refuse(op, "The order is on hold: Resurs Bank is still reviewing the payment (%s), so nothing can be done with it yet.", p.Status)
	case p.Status == mapi.StatusFrozen || p.Status == mapi.StatusInspection:
		return refuse(op, "Resurs Bank has put the payment on hold (%s); nothing can be captured or changed until they decide.", p.Status)
	case p.Status != mapi.StatusAccepted:
		return refuse(op, "The payment is %s at Resurs Bank; only accepted payments can be captured, cancelled or refunded.", p.Status)
	}
	return nil
}

// planCapture checks a capture: everything authorized, or lines within
// what each line has left (ordered − captured − cancelled).
func planCapture(o *kassa.Order, p *mapi.Payment, req ActionRequest) (plan, error) {
	return planAuthorized("checkout.Capture", o, p, req, mapi.ActionCapture, mapi.ActionPartialCapture,
		fmt.Sprintf("Nothing is left to capture: Resurs Bank reports %s authorized and %s captured.",
			kassa.Money(p.Order.AuthorizedAmount), kassa.Money(p.Order.CapturedAmount)))
}

// planCancel checks a cancel like a capture.
func planCancel(o *kassa.Order, p *mapi.Payment, req ActionRequest) (plan, error) {
	return planAuthorized("checkout.Cancel", o, p, req, mapi.ActionCancel, mapi.ActionPartialCancel,
		fmt.Sprintf("Nothing is left to cancel: Resurs Bank reports %s authorized.", kassa.Money(p.Order.AuthorizedAmount)))
}

// planAuthorized checks an action on the authorized amount (a capture or a
// cancel): all of it (req.All), which needs whole, or lines within what
// each line has left, which needs whole or partial; nothing is the refusal when no
// whole action is possible.
func planAuthorized(op string, o *kassa.Order, p *mapi.Payment, req ActionRequest, whole, partial mapi.ActionType, nothing string) (plan, error) {
	if err := checkPayment(op, o, p); err != nil {
		return plan{}, err
	}
	auth := kassa.Money(p.Order.AuthorizedAmount)
	if req.All {
		if !p.Order.Can(whole) || auth <= 0 {
			return plan{}, refuse(op, "%s", nothing)
		}
		return plan{amount: auth}, nil
	}
	led := ledgerOf(p)
	lines, err := pickLines(op, o, req.Lines, func(ref string) mapi.Decimal { return led.captured[ref] + led.canceled[ref] },
		"captured or cancelled")
	if err != nil {
		return plan{}, err
	}
	return withinLimit(op, lines, auth, "authorized", p.Order.Can(partial) || p.Order.Can(whole))
}

// checkRequest refuses a request that does not say what it acts on, or
// says it more than one way: capture and cancel take lines or all, a
// refund lines, an amount or all. It reads nothing, so bad input changes
// nothing.
func checkRequest(kind kassa.ActionKind, req ActionRequest) error {
	op := "checkout." + opName(kind)
	if kind != kassa.ActionRefund && req.Amount != 0 {
		return badInput(op, kassa.FieldError{Field: "amount",
			Message: fmt.Sprintf("Only a refund takes an amount; say which lines to %s, or all of them.", kind)})
	}
	modes := 0
	for _, set := range []bool{len(req.Lines) > 0, req.Amount != 0, req.All} {
		if set {
			modes++
		}
	}
	switch {
	case modes == 1:
		return nil
	case kind == kassa.ActionRefund:
		return badInput(op, kassa.FieldError{Field: "lines",
			Message: "Say what to refund: lines, an amount, or everything — exactly one of them."})
	}
	return badInput(op, kassa.FieldError{Field: "lines",
		Message: fmt.Sprintf("Say what to %s: lines, or everything (all) — exactly one of them.", kind)})
}

// planRefund checks a refund by lines (within what each line has captured
// and not refunded), by amount, or of everything left.
func planRefund(o *kassa.Order, p *mapi.Payment, req ActionRequest) (plan, error) {
	const op = "checkout.Refund"
	if err := checkPayment(op, o, p); err != nil {
		return plan{}, err
	}
	left := kassa.Money(p.Order.CapturedAmount - p.Order.RefundedAmount)
	canRefund := p.Order.Can(mapi.ActionRefund) || p.Order.Can(mapi.ActionPartialRefund)
	if left <= 0 || !canRefund {
		return plan{}, refuse(op, "Nothing is left to refund: Resurs Bank reports %s captured and %s refunded.",
			kassa.Money(p.Order.CapturedAmount), kassa.Money(p.Order.RefundedAmount))
	}
	led := ledgerOf(p)
	switch {
	case req.Amount != 0:
		return planRefundAmount(op, led, req.Amount, left)
	case req.All:
		return planRefundAll(o, led, left), nil
	}
	lines, err := pickLines(op, o, req.Lines, func(ref string) mapi.Decimal {
		return refundedOrUncaptured(o, led, ref)
	}, "not captured or already refunded")
	if err != nil {
		return plan{}, err
	}
	return withinLimit(op, lines, left, "captured and not refunded", true)
}

// refundedOrUncaptured is the quantity of line ref that cannot be refunded:
// ordered − captured + refunded.
func refundedOrUncaptured(o *kassa.Order, led ledger, ref string) mapi.Decimal {
	var ordered mapi.Decimal
	for _, l := range o.Lines {
		if lineRef(l) == ref {
			ordered += mapi.Units(l.Quantity)
		}
	}
	return ordered - led.captured[ref] + led.refunded[ref]
}

// planRefundAll refunds what every line has captured and not refunded;
// when the lines do not add up to what is left (an earlier refund by
// amount), the rest is refunded by VAT rate.
func planRefundAll(o *kassa.Order, led ledger, left kassa.Money) plan {
	var lines []kassa.Line
	var sum kassa.Money
	for _, l := range o.Lines {
		q := (led.captured[lineRef(l)] - led.refunded[lineRef(l)]).Hundredths() / 100
		if q > 0 && q <= l.Quantity {
			part := partial(l, q)
			lines, sum = append(lines, part), sum+part.Total
		}
	}
	if sum == left && len(lines) > 0 {
		return plan{lines: lines, amount: left}
	}
	return plan{lines: splitByVAT(led, left), amount: left}
}

// planRefundAmount refunds amount as one line per VAT rate, in proportion
// to what was captured and not refunded at each rate.
func planRefundAmount(op string, led ledger, amount, left kassa.Money) (plan, error) {
	switch {
	case amount < 0:
		return plan{}, badInput(op, kassa.FieldError{Field: "amount", Message: "must be more than 0.00"})
	case amount > left:
		return plan{}, badInput(op, kassa.FieldError{Field: "amount",
			Message: fmt.Sprintf("%s is more than the %s captured and not yet refunded", amount, left)})
	}
	lines := splitByVAT(led, amount)
	if len(lines) == 0 {
		return plan{}, refuse(op, "Resurs Bank reports no captured lines to refund against.")
	}
	return plan{lines: lines, amount: amount}, nil
}

// splitByVAT divides amount over the VAT rates of what is captured and not
// refunded, in proportion (largest remainder, so the parts add up exactly).
func splitByVAT(led ledger, amount kassa.Money) []kassa.Line {
	type share struct {
		rate mapi.Decimal
		base int64
	}
	var shares []share
	var total int64
	for rate, c := range led.capturedByRate {
		if b := (c - led.refundedByRate[rate]).Hundredths(); b > 0 {
			shares, total = append(shares, share{rate, b}), total+b
		}
	}
	if total == 0 {
		return nil
	}
	sort.Slice(shares, func(i, j int) bool { return shares[i].rate > shares[j].rate })
	parts := make([]int64, len(shares))
	rems := make([]int64, len(shares))
	var given int64
	for i, s := range shares {
		parts[i], rems[i] = int64(amount)*s.base/total, int64(amount)*s.base%total
		given += parts[i]
	}
	for given < int64(amount) { // hand out the rest to the largest remainders
		best := 0
		for i := range rems {
			if rems[i] > rems[best] {
				best = i
			}
		}
		parts[best]++
		rems[best] = -1
		given++
	}
	var lines []kassa.Line
	for i, s := range shares {
		if parts[i] == 0 {
			continue
		}
		m, rate := kassa.Money(parts[i]), s.rate.Hundredths()
		lines = append(lines, kassa.Line{Position: 900 + i, Type: "NORMAL", SKU: "refund",
			Description: fmt.Sprintf("Refund (VAT %s %%)", s.rate), Quantity: 1, UnitPrice: m,
			VATRate: rate, Total: m, VATAmount: kassa.VATPart(m, rate)})
	}
	return lines
}

// pickLines turns requested (reference, quantity) pairs into partial order
// lines, each within what its line has left; used says how much of a line
// is no longer available.
func pickLines(op string, o *kassa.Order, reqs []kassa.LineRequest, used func(ref string) mapi.Decimal, usedWhat string) ([]kassa.Line, error) {
	var out []kassa.Line
	var fields []kassa.FieldError
	seen := map[string]bool{}
	for i, r := range reqs {
		field := fmt.Sprintf("lines[%d]", i)
		l, ok := findLine(o, r.SKU)
		switch {
		case !ok:
			fields = append(fields, kassa.FieldError{Field: field + ".sku", Message: fmt.Sprintf("The order has no line %q.", r.SKU)})
			continue
		case seen[lineRef(l)]:
			fields = append(fields, kassa.FieldError{Field: field + ".sku", Message: fmt.Sprintf("Line %q is given twice.", r.SKU)})
			continue
		case r.Quantity <= 0:
			fields = append(fields, kassa.FieldError{Field: field + ".quantity", Message: "must be at least 1"})
			continue
		}
		seen[lineRef(l)] = true
		left := (mapi.Units(l.Quantity) - used(lineRef(l))).Hundredths() / 100
		if r.Quantity > left {
			fields = append(fields, kassa.FieldError{Field: field + ".quantity", Message: fmt.Sprintf(
				"Only %d of %d × %s are left; the rest is %s.", max(left, 0), l.Quantity, lineRef(l), usedWhat)})
			continue
		}
		out = append(out, partial(l, r.Quantity))
	}
	if fields != nil {
		return nil, badInput(op, fields...)
	}
	return out, nil
}

// findLine returns the order line with reference ref.
func findLine(o *kassa.Order, ref string) (kassa.Line, bool) {
	for _, l := range o.Lines {
		if lineRef(l) == ref {
			return l, true
		}
	}
	return kassa.Line{}, false
}

// partial is q units of l, with the line's own total when q is all of it.
func partial(l kassa.Line, q int64) kassa.Line {
	if q == l.Quantity {
		return l
	}
	l.Quantity = q
	l.Total = l.UnitPrice * kassa.Money(q)
	l.VATAmount = kassa.VATPart(l.Total, l.VATRate)
	return l
}

// withinLimit checks the lines' sum against what Resurs has available.
func withinLimit(op string, lines []kassa.Line, avail kassa.Money, what string, possible bool) (plan, error) {
	var sum kassa.Money
	for _, l := range lines {
		sum += l.Total
	}
	switch {
	case !possible || avail <= 0:
		return plan{}, refuse(op, "Resurs Bank does not allow this now: %s %s.", avail, what)
	case sum > avail:
		return plan{}, badInput(op, kassa.FieldError{Field: "lines",
			Message: fmt.Sprintf("The lines add up to %s, but only %s is %s at Resurs Bank.", sum, avail, what)})
	}
	return plan{lines: lines, amount: sum}, nil
}

// modifyLimit is the most a modified order may total: the approved credit
// limit when Resurs reports one, else what is authorized now (ecom2's rule:
// new lines are authorized within the old authorization).
func modifyLimit(p *mapi.Payment) kassa.Money {
	if a := p.Application; a != nil && a.ApprovedCreditLimit != nil && *a.ApprovedCreditLimit > 0 {
		return kassa.Money(*a.ApprovedCreditLimit)
	}
	return kassa.Money(p.Order.AuthorizedAmount)
}

// mapiLog is the actionLog type of an action kind's (first) call.
func mapiLog(k kassa.ActionKind) mapi.ActionLogType {
	switch k {
	case kassa.ActionCapture:
		return mapi.LogCapture
	case kassa.ActionRefund:
		return mapi.LogRefund
	}
	return mapi.LogCancel // cancel, and the cancel that starts a modify
}
