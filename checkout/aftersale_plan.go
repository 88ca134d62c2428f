package checkout

import (
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
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

// ModifyRequest gives an order's new product lines; the discount,
// shipping and fee lines follow from the order's own charges, as at the
// sale (Engine.Modify). The new total must fit in the authorization.
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
	// The amounts per line reference: a discount's share goes by amount
	// (discountShares), not by quantity.
	capturedAmt, canceledAmt, refundedAmt map[string]kassa.Money
}

func ledgerOf(p *mapi.Payment) ledger {
	l := ledger{captured: map[string]mapi.Decimal{}, canceled: map[string]mapi.Decimal{},
		refunded: map[string]mapi.Decimal{}, capturedByRate: map[mapi.Decimal]mapi.Decimal{},
		refundedByRate: map[mapi.Decimal]mapi.Decimal{}, capturedAmt: map[string]kassa.Money{},
		canceledAmt: map[string]kassa.Money{}, refundedAmt: map[string]kassa.Money{}}
	for _, a := range p.Order.ActionLog {
		for _, ol := range a.OrderLines {
			amt := kassa.Money(ol.TotalAmountIncludingVAT)
			switch a.Type {
			case mapi.LogCapture:
				l.captured[ol.Reference] += ol.Quantity
				l.capturedByRate[ol.VATRate] += ol.TotalAmountIncludingVAT
				l.capturedAmt[ol.Reference] += amt
			case mapi.LogCancel:
				l.canceled[ol.Reference] += ol.Quantity
				l.canceledAmt[ol.Reference] += amt
			case mapi.LogRefund:
				l.refunded[ol.Reference] += ol.Quantity
				l.refundedByRate[ol.VATRate] += ol.TotalAmountIncludingVAT
				l.refundedAmt[ol.Reference] += amt
			}
		}
	}
	return l
}

// refuse is a refusal that follows from the payment's state at Resurs
// (frozen, nothing to capture): ECONFLICT with the catalog's message id,
// recorded as an event.
func refuse(op, id string, args ...any) *kassa.Error {
	e := locale.Error(kassa.ECONFLICT, id, args...)
	e.Op = op
	return e
}

// badInput is a request that does not fit the order: EINVALID with fields.
func badInput(op string, fields ...kassa.FieldError) *kassa.Error {
	e := locale.Error(kassa.EINVALID, "aftersale.not_fit")
	e.Op, e.Fields = op, fields
	return e
}

// checkPayment refuses any action on a payment Resurs has not accepted
// (frozen, under inspection, rejected): nothing may be captured on hold.
func checkPayment(op string, o *kassa.Order, p *mapi.Payment) error {
	switch {
	case o.Status == kassa.StatusOnHold:
		return refuse(op, "aftersale.on_hold", "Status", p.Status)
	case p.Status == mapi.StatusFrozen || p.Status == mapi.StatusInspection:
		return refuse(op, "aftersale.frozen", "Status", p.Status)
	case p.Status != mapi.StatusAccepted:
		return refuse(op, "aftersale.not_accepted", "Status", p.Status)
	}
	return nil
}

// planCapture checks a capture: everything authorized, or lines within
// what each line has left (ordered − captured − cancelled).
func planCapture(o *kassa.Order, p *mapi.Payment, req ActionRequest) (plan, error) {
	return planAuthorized("checkout.Capture", o, p, req, mapi.ActionCapture, mapi.ActionPartialCapture,
		refuse("checkout.Capture", "aftersale.nothing_capture", "Authorized", kassa.Money(p.Order.AuthorizedAmount),
			"Captured", kassa.Money(p.Order.CapturedAmount)))
}

// planCancel checks a cancel like a capture.
func planCancel(o *kassa.Order, p *mapi.Payment, req ActionRequest) (plan, error) {
	return planAuthorized("checkout.Cancel", o, p, req, mapi.ActionCancel, mapi.ActionPartialCancel,
		refuse("checkout.Cancel", "aftersale.nothing_cancel", "Authorized", kassa.Money(p.Order.AuthorizedAmount)))
}

// planAuthorized checks an action on the authorized amount (a capture or a
// cancel): all of it (req.All), which needs whole, or lines within what
// each line has left, which needs whole or partial; nothing is the refusal when no
// whole action is possible.
func planAuthorized(op string, o *kassa.Order, p *mapi.Payment, req ActionRequest, whole, partial mapi.ActionType, nothing *kassa.Error) (plan, error) {
	if err := checkPayment(op, o, p); err != nil {
		return plan{}, err
	}
	auth := kassa.Money(p.Order.AuthorizedAmount)
	if req.All {
		if !p.Order.Can(whole) || auth <= 0 {
			return plan{}, nothing
		}
		return plan{amount: auth}, nil
	}
	led := ledgerOf(p)
	lines, err := pickLines(op, o, req.Lines, func(ref string) mapi.Decimal { return led.captured[ref] + led.canceled[ref] },
		"aftersale.used.captured_or_cancelled")
	if err != nil {
		return plan{}, err
	}
	used := func(ref string) kassa.Money { return led.capturedAmt[ref] + led.canceledAmt[ref] }
	lines = append(lines, discountShares(o, lines, func(l kassa.Line) kassa.Money { return l.Total }, used)...)
	return withinLimit(op, lines, auth, "aftersale.what.authorized", p.Order.Can(partial) || p.Order.Can(whole))
}

// checkRequest refuses a request that does not say what it acts on, or
// says it more than one way: capture and cancel take lines or all, a
// refund lines, an amount or all. It reads nothing, so bad input changes
// nothing.
func checkRequest(kind kassa.ActionKind, req ActionRequest) error {
	op := "checkout." + opName(kind)
	if kind != kassa.ActionRefund && req.Amount != 0 {
		return badInput(op, locale.Field("amount", "aftersale.amount_only_refund", "Action", actionVerb(kind)))
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
		return badInput(op, locale.Field("lines", "aftersale.say_refund"))
	}
	return badInput(op, locale.Field("lines", "aftersale.say_what", "Action", actionVerb(kind)))
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
		return plan{}, refuse(op, "aftersale.nothing_refund",
			"Captured", kassa.Money(p.Order.CapturedAmount), "Refunded", kassa.Money(p.Order.RefundedAmount))
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
	}, "aftersale.used.uncaptured_or_refunded")
	if err != nil {
		return plan{}, err
	}
	captured := func(l kassa.Line) kassa.Money { return led.capturedAmt[lineRef(l)] }
	lines = append(lines, discountShares(o, lines, captured, func(ref string) kassa.Money { return led.refundedAmt[ref] })...)
	return withinLimit(op, lines, left, "aftersale.what.refundable", true)
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
		if l.Type == kassa.LineDiscount { // taken by amount: its shares are lines of quantity 1
			if rest := led.capturedAmt[lineRef(l)] - led.refundedAmt[lineRef(l)]; rest < 0 && rest >= l.Total {
				lines, sum = append(lines, share(l, -rest)), sum+rest
			}
			continue
		}
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
		return plan{}, badInput(op, locale.Field("amount", "aftersale.amount_positive"))
	case amount > left:
		return plan{}, badInput(op, locale.Field("amount", "aftersale.amount_over", "Amount", amount, "Left", left))
	}
	lines := splitByVAT(led, amount)
	if len(lines) == 0 {
		return plan{}, refuse(op, "aftersale.no_captured_lines")
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
func pickLines(op string, o *kassa.Order, reqs []kassa.LineRequest, used func(ref string) mapi.Decimal, usedWhat locale.ID) ([]kassa.Line, error) {
	var out []kassa.Line
	var fields []kassa.FieldError
	seen := map[string]bool{}
	for i, r := range reqs {
		field := fmt.Sprintf("lines[%d]", i)
		l, ok := findLine(o, r.SKU)
		switch {
		case !ok:
			fields = append(fields, locale.Field(field+".sku", "aftersale.no_line", "SKU", strconv.Quote(r.SKU)))
			continue
		case seen[lineRef(l)]:
			fields = append(fields, locale.Field(field+".sku", "aftersale.line_twice", "SKU", strconv.Quote(r.SKU)))
			continue
		case r.Quantity <= 0:
			fields = append(fields, locale.Field(field+".quantity", "aftersale.quantity_min"))
			continue
		}
		seen[lineRef(l)] = true
		left := (mapi.Units(l.Quantity) - used(lineRef(l))).Hundredths() / 100
		if r.Quantity > left {
			fields = append(fields, locale.Field(field+".quantity", "aftersale.only_left", "Left", max(left, 0),
				"Quantity", l.Quantity, "Ref", lineRef(l), "Used", usedWhat))
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

// discountShares returns the part of each discount line of o that goes
// with the product lines picked, when the request names no discount line
// itself: a capture or cancel of some products takes their share of the
// discount, a refund of some captured products gives their share back.
// At each VAT rate, of a discount D over a base B of products (whole
// gives a product line's part of the base: its total, or what of it was
// captured), the products acted on so far, before plus now, carry
// floor(D × (before + now) / B) of the discount; the share is that minus
// what the discount's own line has had already (done, by amount). So the
// shares are exact to the hundredth and add up to D once every product
// is acted on, whatever the steps.
func discountShares(o *kassa.Order, picked []kassa.Line, whole func(kassa.Line) kassa.Money, done func(ref string) kassa.Money) []kassa.Line {
	for _, l := range picked {
		if l.Type == kassa.LineDiscount {
			return nil
		}
	}
	var out []kassa.Line
	for _, d := range o.Lines {
		if d.Type != kassa.LineDiscount {
			continue
		}
		var base, before, now kassa.Money
		for _, g := range goodsOnly(o.Lines) {
			if g.VATRate == d.VATRate {
				base, before = base+whole(g), before+done(lineRef(g))
			}
		}
		for _, g := range goodsOnly(picked) {
			if g.VATRate == d.VATRate {
				now += g.Total
			}
		}
		disc := -whole(d)        // what of the discount there is to take
		had := -done(lineRef(d)) // what of it was taken already
		if now <= 0 || disc <= 0 || base <= 0 {
			continue
		}
		due := disc
		if before+now < base {
			due = mulDiv(disc, before+now, base)
		}
		if amt := min(due, disc) - had; amt > 0 {
			out = append(out, share(d, amt))
		}
	}
	return out
}

// mulDiv is floor(a × b / c) for 0 ≤ b < c and 0 ≤ a, without overflow.
func mulDiv(a, b, c kassa.Money) kassa.Money {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c)) // hi < c: b < c
	return kassa.Money(q)
}

// share is amt of discount line d as a line of its own (quantity 1).
func share(d kassa.Line, amt kassa.Money) kassa.Line {
	d.Quantity, d.UnitPrice, d.Total = 1, -amt, -amt
	d.VATAmount = kassa.VATPart(d.Total, d.VATRate)
	return d
}

// withinLimit checks the lines' sum against what Resurs has available.
func withinLimit(op string, lines []kassa.Line, avail kassa.Money, what locale.ID, possible bool) (plan, error) {
	var sum kassa.Money
	for _, l := range lines {
		sum += l.Total
	}
	switch {
	case !possible || avail <= 0:
		return plan{}, refuse(op, "aftersale.not_allowed", "Avail", avail, "What", what)
	case sum > avail:
		return plan{}, badInput(op, locale.Field("lines", "aftersale.lines_over", "Sum", sum, "Avail", avail,
			"What", what))
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

// actionVerb names what an action of kind does, as a verb of a message
// ("say which lines to capture").
func actionVerb(kind kassa.ActionKind) locale.ID { return locale.ID("action.verb." + string(kind)) }

// actionThe names an action of kind as a message's noun ("refused the
// capture"): Swedish writes it in its definite form.
func actionThe(kind kassa.ActionKind) locale.ID { return locale.ID("action.the." + string(kind)) }
