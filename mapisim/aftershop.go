package mapisim

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/kassa-dev/kassa/mapi"
)

// PortalCreator is the creator of actions done through Sim.Portal.
const PortalCreator = "merchant-portal"

// actionIn is the body of capture, cancel, refund and add-order-lines.
type actionIn struct {
	OrderLines        []lineIn        `json:"orderLines"`
	Creator           *string         `json:"creator"`
	TransactionID     *string         `json:"transactionId"`
	InvoiceOptions    json.RawMessage `json:"invoiceOptions"`
	RefundNoteOptions json.RawMessage `json:"refundNoteOptions"`
}

// action is a validated after-shop request.
type action struct {
	typ     mapi.ActionLogType
	lines   []mapi.OrderLine // nil: everything eligible
	creator *string
	txID    *string
}

func (s *Sim) handleCapture(w http.ResponseWriter, r *http.Request) error {
	return s.handleAction2(w, r, mapi.LogCapture)
}

func (s *Sim) handleCancel(w http.ResponseWriter, r *http.Request) error {
	return s.handleAction2(w, r, mapi.LogCancel)
}

func (s *Sim) handleRefund(w http.ResponseWriter, r *http.Request) error {
	return s.handleAction2(w, r, mapi.LogRefund)
}

func (s *Sim) handleAddLines(w http.ResponseWriter, r *http.Request) error {
	return s.handleAction2(w, r, mapi.LogModifyOrder)
}

// handleAction2 runs one after-shop call and answers the updated payment.
func (s *Sim) handleAction2(w http.ResponseWriter, r *http.Request, typ mapi.ActionLogType) error {
	p, err := s.paymentFor(r)
	if err != nil {
		return err
	}
	var in actionIn
	if err := decodeBody(r, &in, typ != mapi.LogModifyOrder); err != nil {
		return err
	}
	a := action{typ: typ, creator: nonEmpty(in.Creator), txID: nonEmpty(in.TransactionID)}
	errs := map[string]string{}
	if in.OrderLines != nil || typ == mapi.LogModifyOrder {
		a.lines = parseLines("orderLines", in.OrderLines, errs)
	}
	if len(errs) > 0 {
		return validation(errs)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := s.execute(p, a); err != nil {
		return err
	}
	b, err := p.marshal()
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, b)
	return nil
}

func nonEmpty(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

// Portal performs an action "in the Merchant Portal": it is executed like the
// API call of the same type (LogCapture, LogCancel, LogRefund or
// LogModifyOrder; lines nil = everything eligible) with creator
// "merchant-portal", and a management callback is sent.
func (s *Sim) Portal(paymentID string, typ mapi.ActionLogType, lines []mapi.OrderLine) (*mapi.Payment, error) {
	p := s.lookup(paymentID)
	if p == nil {
		return nil, ErrNotFound
	}
	for i, l := range lines {
		if err := l.TotalAmountIncludingVAT.Valid(); err != nil {
			return nil, fmt.Errorf("mapisim: portal line %d: %w", i, err)
		}
	}
	creator := PortalCreator
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := s.execute(p, action{typ: typ, lines: lines, creator: &creator}); err != nil {
		return nil, err
	}
	c := p.snapshot()
	return &c, nil
}

// execute checks and applies an action, logs it and queues the management
// callback. It returns the new actionId. Caller holds p.mu.
func (s *Sim) execute(p *payment, a action) (string, error) {
	if p.pay.Status != mapi.StatusAccepted {
		return "", errorf(http.StatusBadRequest, "Action %s is not possible on a payment with status %s", a.typ, p.pay.Status)
	}
	if a.txID != nil && p.txIDs[string(a.typ)+"|"+*a.txID] {
		// Simulator behaviour, UNCONFIRMED for real MAPI: a transactionId
		// is used once per action type, so a retried call cannot act twice.
		return "", errorf(http.StatusConflict, "transactionId %s was already used for %s on this payment", *a.txID, a.typ)
	}
	lines, err := s.apply(p, a)
	if err != nil {
		return "", err
	}
	id := s.newID()
	p.pay.Order.ActionLog = append(p.pay.Order.ActionLog, mapi.ActionLog{
		ActionID: id, Type: a.typ, Created: mapi.Time{Time: s.now()}, OrderLines: lines,
		TransactionID: a.txID, Creator: a.creator,
	})
	if a.txID != nil {
		p.txIDs[string(a.typ)+"|"+*a.txID] = true
	}
	p.recompute()
	s.changed(p)
	s.notifyMgmt(p, a.typ, id)
	return id, nil
}

// apply moves the amounts of an action and returns the affected lines.
func (s *Sim) apply(p *payment, a action) ([]mapi.OrderLine, error) {
	o := &p.pay.Order
	switch a.typ {
	case mapi.LogCapture:
		amt, lines, err := pick(a, o.AuthorizedAmount, p.eligible(mapi.LogCapture), "capture", "authorized")
		if err == nil {
			o.AuthorizedAmount -= amt
			o.CapturedAmount += amt
		}
		return lines, err
	case mapi.LogCancel:
		amt, lines, err := pick(a, o.AuthorizedAmount, p.eligible(mapi.LogCancel), "cancel", "authorized")
		if err == nil {
			o.AuthorizedAmount -= amt
			o.CanceledAmount += amt
		}
		return lines, err
	case mapi.LogRefund:
		if o.CapturedAmount == 0 {
			return nil, errorf(http.StatusBadRequest, "Nothing has been captured, so nothing can be refunded")
		}
		amt, lines, err := pick(a, o.CapturedAmount-o.RefundedAmount, p.eligible(mapi.LogRefund), "refund", "captured and not refunded")
		if err == nil {
			o.RefundedAmount += amt
		}
		return lines, err
	case mapi.LogModifyOrder:
		return a.lines, p.addLines(a.lines)
	}
	return nil, errorf(http.StatusBadRequest, "Unknown action %s", a.typ)
}

// pick returns the amount and lines of a capture, cancel or refund:
// the given lines, or all eligible lines when none are given.
func pick(a action, avail mapi.Decimal, eligible []mapi.OrderLine, verb, what string) (mapi.Decimal, []mapi.OrderLine, error) {
	if a.lines == nil {
		if avail <= 0 {
			return 0, nil, errorf(http.StatusBadRequest, "Nothing to %s: the %s amount is 0.00", verb, what)
		}
		if sum(eligible) != avail || len(eligible) == 0 {
			eligible = []mapi.OrderLine{{Description: "Remaining amount", Quantity: mapi.Units(1), QuantityUnit: "st",
				TotalAmountIncludingVAT: avail, Type: mapi.LineNormal}}
		}
		return avail, eligible, nil
	}
	amt := sum(a.lines)
	switch {
	case amt <= 0:
		return 0, nil, errorf(http.StatusBadRequest, "The lines to %s must add up to more than 0.00, got %s", verb, amt)
	case amt > avail:
		return 0, nil, errorf(http.StatusBadRequest, "Cannot %s %s: only %s is %s", verb, amt, avail, what)
	}
	return amt, a.lines, nil
}

// addLines grows the order within the method's maximum purchase limit.
func (p *payment) addLines(lines []mapi.OrderLine) error {
	o := &p.pay.Order
	add := sum(lines)
	if add <= 0 {
		return errorf(http.StatusBadRequest, "The added lines must add up to more than 0.00, got %s", add)
	}
	if o.TotalOrderAmount+add > p.method.MaxPurchaseLimit {
		return validation(map[string]string{"orderLines": fmt.Sprintf(
			"New total %s exceeds the maximum purchase limit %s of the payment method",
			o.TotalOrderAmount+add, p.method.MaxPurchaseLimit)})
	}
	o.TotalOrderAmount += add
	o.AuthorizedAmount += add
	return nil
}

// eligible returns the lines a capture or cancel (everything not yet
// captured or cancelled) or a refund (everything captured and not yet
// refunded) without lines would affect. Caller holds p.mu.
func (p *payment) eligible(typ mapi.ActionLogType) []mapi.OrderLine {
	var plus, minus []mapi.OrderLine
	for _, e := range p.pay.Order.ActionLog {
		switch {
		case typ == mapi.LogRefund && e.Type == mapi.LogCapture,
			typ != mapi.LogRefund && (e.Type == mapi.LogCreate || e.Type == mapi.LogModifyOrder):
			plus = append(plus, e.OrderLines...)
		case typ == mapi.LogRefund && e.Type == mapi.LogRefund,
			typ != mapi.LogRefund && (e.Type == mapi.LogCapture || e.Type == mapi.LogCancel):
			minus = append(minus, e.OrderLines...)
		}
	}
	return subtractLines(plus, minus)
}

// subtractLines removes from plus the lines in minus: a line with the same
// description, reference, VAT rate and type is reduced by its quantity and
// amount (removed when nothing is left). A DISCOUNT line is reduced by
// amount only: a shop takes a discount's share with its products, as a
// line of quantity 1 with part of the amount.
func subtractLines(plus, minus []mapi.OrderLine) []mapi.OrderLine {
	out := append([]mapi.OrderLine(nil), plus...)
	for _, m := range minus {
		for i := range out {
			l := &out[i]
			discount := l.Type == mapi.LineDiscount
			if l.Description != m.Description || l.Reference != m.Reference || l.VATRate != m.VATRate || l.Type != m.Type ||
				(!discount && l.Quantity < m.Quantity) || (discount && l.TotalAmountIncludingVAT > m.TotalAmountIncludingVAT) {
				continue
			}
			if !discount {
				l.Quantity -= m.Quantity
			}
			l.TotalAmountIncludingVAT -= m.TotalAmountIncludingVAT
			l.TotalVATAmount = nil
			if l.Quantity == 0 || (discount && l.TotalAmountIncludingVAT == 0) {
				out = append(out[:i], out[i+1:]...)
			}
			break
		}
	}
	return out
}

// captureAll captures everything authorized at once (automatic capture);
// it sends no management callback. Caller holds p.mu.
func (s *Sim) captureAll(p *payment) {
	o := &p.pay.Order
	lines := p.eligible(mapi.LogCapture)
	amt := o.AuthorizedAmount
	o.CapturedAmount += amt
	o.AuthorizedAmount = 0
	o.ActionLog = append(o.ActionLog, mapi.ActionLog{
		ActionID: s.newID(), Type: mapi.LogCapture, Created: mapi.Time{Time: s.now()}, OrderLines: lines,
	})
	p.recompute()
}
