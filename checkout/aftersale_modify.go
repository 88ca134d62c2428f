package checkout

import (
	"context"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// Modify replaces the order's lines before anything is captured, within the
// authorization (docs/mapi.md §After-sale calls): Resurs gets a cancel of everything
// outstanding (carrying the action's transactionId), then the new lines
// (POST /v2/payments/{id}/order). The order's lines, totals and stock
// reservation follow once Resurs accepted both. A resumed modify looks for
// its cancel by transactionId and for a MODIFY_ORDER after it, so neither
// step is sent twice.
//
// Errors: EINVALID (bad lines); ECONFLICT (captured already, on hold, the
// new total above the authorization or the payment method's limit, stock
// short — recorded as an event); EDECLINED and EUNAVAILABLE as Capture.
func (e *Engine) Modify(ctx context.Context, orderID int64, req ModifyRequest) (*kassa.Order, *kassa.Action, error) {
	const op = "checkout.Modify"
	unlock := e.locks.lock(orderID)
	defer unlock()
	o, p, err := e.orderAndPayment(ctx, op, orderID)
	if err != nil {
		return o, nil, err
	}
	lines, total, err := e.modifiedLines(ctx, o, req.Lines)
	if err != nil {
		return o, nil, err
	}
	if sameLines(o.Lines, lines) {
		return o, nil, badInput(op, locale.Field("lines", "aftersale.same_lines"))
	}
	if err := e.checkUnsettled(ctx, op, o); err != nil {
		return o, nil, e.refusedPlan(ctx, o, kassa.ActionModify, req.Source, err)
	}
	if err := e.checkModify(ctx, o, p, lines, total); err != nil {
		return o, nil, e.refusedPlan(ctx, o, kassa.ActionModify, req.Source, err)
	}
	a, err := e.newAction(ctx, o, kassa.ActionModify, plan{lines: lines, amount: total}, req.Source, req.Creator)
	if err != nil {
		return o, nil, fmt.Errorf("%s: %w", op, err)
	}
	return e.executeModify(ctx, o, a)
}

// modifiedLines prices the new product lines of o as o was priced at the
// sale: its discount code's terms, its shipping choice with the
// free-shipping threshold, and its payment method's fee, whatever the
// shop's settings say now (a percentage is taken of the new products, a
// fixed amount at most their total; the code's validity and minimum order
// were met at the sale and are not checked again). An order without
// charges of its own is priced with the shop's current defaults.
func (e *Engine) modifiedLines(ctx context.Context, o *kassa.Order, reqs []kassa.LineRequest) ([]kassa.Line, kassa.Money, error) {
	lines, total, err := e.Quote(ctx, reqs)
	if err != nil || o.Charges == nil {
		return lines, total, err
	}
	lines = price(goodsOnly(lines), chargesOf(o.Charges))
	total, _ = sumLines(lines)
	return lines, total, nil
}

// checkModify refuses a modification the payment or the stock cannot take.
func (e *Engine) checkModify(ctx context.Context, o *kassa.Order, p *mapi.Payment, lines []kassa.Line, total kassa.Money) error {
	const op = "checkout.Modify"
	if err := checkPayment(op, o, p); err != nil {
		return err
	}
	switch limit := modifyLimit(p); {
	case p.Order.CapturedAmount > 0 || p.Order.RefundedAmount > 0:
		return refuse(op, "aftersale.modify_captured")
	case !p.Order.Can(mapi.ActionCancel) || limit <= 0:
		return refuse(op, "aftersale.modify_nothing")
	case total > limit:
		return refuse(op, "aftersale.modify_over", "Total", total, "Limit", limit)
	}
	if err := e.checkMethodLimit(ctx, o, p, total); err != nil {
		return err
	}
	return e.checkStock(ctx, o, lines)
}

// checkMethodLimit keeps the payment's total within the payment method's
// purchase limit (the lines are added to the payment's total at Resurs).
func (e *Engine) checkMethodLimit(ctx context.Context, o *kassa.Order, p *mapi.Payment, total kassa.Money) error {
	ms, err := e.allMethods(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.ID == o.PaymentMethodID && m.MaxPurchaseLimit > 0 && p.Order.TotalOrderAmount+mapi.Decimal(total) > m.MaxPurchaseLimit {
			return refuse("checkout.Modify", "aftersale.modify_method_limit", "Limit", kassa.Money(m.MaxPurchaseLimit),
				"Method", m.Name)
		}
	}
	return nil
}

// checkStock refuses new lines the stock cannot cover.
func (e *Engine) checkStock(ctx context.Context, o *kassa.Order, lines []kassa.Line) error {
	have := map[string]int64{}
	for _, l := range o.Lines {
		have[l.SKU] += l.Quantity
	}
	for _, l := range lines {
		more := l.Quantity - have[l.SKU]
		if l.SKU == "" || more <= 0 {
			continue
		}
		p, err := e.store.Product(ctx, l.SKU)
		if err != nil {
			return fmt.Errorf("checkout.Modify: %w", err)
		}
		if p.Stock < more {
			return refuse("checkout.Modify", "aftersale.modify_stock", "Stock", p.Stock, "SKU", l.SKU, "Wanted", more)
		}
	}
	return nil
}

// sameLines reports whether two line sets bill the same.
func sameLines(a, b []kassa.Line) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lineRef(a[i]) != lineRef(b[i]) || a[i].Quantity != b[i].Quantity || a[i].Total != b[i].Total {
			return false
		}
	}
	return true
}

// executeModify runs (or resumes) both steps of a modify. The caller holds
// the order's lock.
func (e *Engine) executeModify(ctx context.Context, o *kassa.Order, a *kassa.Action) (*kassa.Order, *kassa.Action, error) {
	p, err := call(e, func() (*mapi.Payment, error) { return e.bank.GetPayment(ctx, o.PaymentID) })
	if err != nil {
		return e.actionReadFailed(ctx, o, a, err)
	}
	cancelAt, added := modifyProgress(p, a.TransactionID)
	if cancelAt < 0 {
		a.Attempts++
		p, err = call(e, func() (*mapi.Payment, error) {
			return e.bank.Cancel(ctx, o.PaymentID, &mapi.CancelRequest{Creator: a.Creator, TransactionID: a.TransactionID})
		})
		if err != nil {
			return e.modifyFailed(ctx, o, a, err)
		}
	}
	if !added {
		a.Attempts++
		p, err = call(e, func() (*mapi.Payment, error) {
			return e.bank.AddOrderLines(ctx, o.PaymentID, &mapi.AddOrderLinesRequest{OrderLines: mapiLines(a.Lines), Creator: a.Creator})
		})
		if err != nil {
			return e.modifyFailed(ctx, o, a, err)
		}
	}
	return e.modified(ctx, o, a, p)
}

// modifyProgress finds the cancel carrying transactionID in the actionLog
// (-1 when absent) and whether lines were added after it.
func modifyProgress(p *mapi.Payment, transactionID string) (cancelAt int, added bool) {
	cancelAt = -1
	for i, l := range p.Order.ActionLog {
		switch {
		case cancelAt < 0 && l.Type == mapi.LogCancel && l.TransactionID != nil && *l.TransactionID == transactionID:
			cancelAt = i
		case cancelAt >= 0 && l.Type == mapi.LogModifyOrder:
			return cancelAt, true
		}
	}
	return cancelAt, false
}

// modifyFailed records a refused or unanswered step. After a refusal the
// order is synced, since the cancel may have gone through.
func (e *Engine) modifyFailed(ctx context.Context, o *kassa.Order, a *kassa.Action, err error) (*kassa.Order, *kassa.Action, error) {
	if !refused(err) {
		return e.noAnswer(ctx, o, a, err)
	}
	o, a, rerr := e.refusedByBank(ctx, o, a, err)
	if p, gerr := call(e, func() (*mapi.Payment, error) { return e.bank.GetPayment(ctx, o.PaymentID) }); gerr == nil {
		if at, _ := modifyProgress(p, a.TransactionID); at >= 0 {
			run := syncRun{e: e, order: o, payment: p.ID, snap: snapshotOf(p), src: a.Source, note: "after the refused modify"}
			if synced, serr := run.apply(ctx); serr == nil {
				o = synced
			}
		}
	}
	return o, a, rerr
}

// modified records a finished modify: the action, then the order's new
// lines with the payment's amounts, retried on a version conflict.
func (e *Engine) modified(ctx context.Context, o *kassa.Order, a *kassa.Action, p *mapi.Payment) (*kassa.Order, *kassa.Action, error) {
	if at, _ := modifyProgress(p, a.TransactionID); at >= 0 {
		for _, l := range p.Order.ActionLog[at:] {
			if l.Type == mapi.LogModifyOrder {
				a.MAPIActionID = l.ActionID
				break
			}
		}
	}
	e.metrics.action(a.Kind, "succeeded")
	a.State, a.Error, a.NextAttemptAt = kassa.ActionSucceeded, kassa.ActionError{}, time.Time{}
	defer func() {
		if err := e.store.UpdateAction(ctx, a); err != nil {
			e.log.Error("record finished modify", "action", a.ID, "err", err)
		}
	}()
	snap := snapshotOf(p)
	var err error
	for range maxCASTries {
		if err = e.writeModified(ctx, o, a, p.ID, snap); kassa.ErrorCode(err) != kassa.ECONFLICT {
			break
		}
		if o, err = e.store.Order(ctx, o.ID); err != nil {
			break
		}
	}
	if err != nil {
		return o, a, fmt.Errorf("checkout.Modify: %w", err)
	}
	return o, a, nil
}

// writeModified writes the new lines, totals and payment amounts once.
func (e *Engine) writeModified(ctx context.Context, o *kassa.Order, a *kassa.Action, paymentID string, snap kassa.PaymentSnapshot) error {
	d := kassa.Transition(o.Status, snap)
	old := o.Total
	o.Lines, o.Total, o.VATTotal = a.Lines, a.Amount, 0
	for _, l := range a.Lines {
		o.VATTotal += l.VATAmount
	}
	mirror(o, paymentID, snap)
	if d.Applied {
		o.Status, o.StatusReason = d.To, reasonFor(d.To, snap)
	}
	note := fmt.Sprintf("modify %s accepted by Resurs: order total %s → %s (%s)", a.TransactionID, old, o.Total, describeAction(a))
	ev := e.event(o, a.Source, d.From, d.Applied, snap.Status, joinNote(note, d.Note))
	return e.store.ReplaceOrderLines(ctx, o, &ev, e.actionEvent(o, a, nil))
}
