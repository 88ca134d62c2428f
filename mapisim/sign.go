package mapisim

import (
	"strings"
	"time"

	"github.com/kassa-dev/kassa/mapi"
)

// Decision is what the customer does on the signing page.
type Decision string

// The three buttons of the signing page.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
	Abort   Decision = "abort"

	DecisionApprove = Approve
	DecisionReject  = Reject
	DecisionAbort   = Abort
)

// Sign does what the signing page does when the customer presses a button,
// without HTTP, and returns where the customer is sent: the successUrl for
// an approval (also when the payment is now FROZEN or in INSPECTION, as
// Resurs redirects to success while it decides), the failUrl for reject,
// abort and an approval the persona turns into a rejection. Without
// redirection URLs it is the signing page, which then shows the outcome.
//
// Errors: ErrBadDecision, ErrNotFound, ErrExpired (TTL ran out) and
// ErrAlreadyDecided (a payment is decided once).
func (s *Sim) Sign(paymentID string, d Decision) (redirect string, err error) {
	if d != Approve && d != Reject && d != Abort {
		return "", ErrBadDecision
	}
	p := s.lookup(paymentID)
	if p == nil {
		return "", ErrNotFound
	}
	s.expireIfDue(p)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.decided {
		if rr := p.pay.RejectedReason; rr != nil && rr.Category == mapi.RejectedTimeout {
			return "", ErrExpired
		}
		return "", ErrAlreadyDecided
	}
	p.decided = true
	if s.decide(p, d) {
		return p.redirect(p.successURL), nil
	}
	return p.redirect(p.failURL), nil
}

func (p *payment) redirect(u string) string {
	if u != "" {
		return u
	}
	return p.baseURL + "/sign/" + p.pay.ID
}

// decide applies a decision; it reports whether the customer goes to the
// success URL. Caller holds p.mu.
func (s *Sim) decide(p *payment, d Decision) bool {
	switch d {
	case Abort:
		s.reject(p, mapi.RejectedAbortedByCustomer)
		return false
	case Reject:
		p.completed = true
		s.reject(p, mapi.RejectedCreditDenied)
		return false
	}
	p.completed = true
	per := s.personaOf(p)
	switch per.outcome {
	case outReject:
		s.reject(p, mapi.RejectedCreditDenied)
		return false
	case outFrozen, outFrozenThenAccept, outFrozenThenReject:
		return s.freeze(p, per)
	case outInspectThenAccept, outInspectThenReject:
		if p.handleInspection {
			s.inspect(p, per)
			return true
		}
	}
	s.accept(p)
	return true
}

func (s *Sim) personaOf(p *payment) persona {
	if c := p.pay.Customer; c != nil {
		if per, ok := personasByKey[personaKey(c.GovernmentID)]; ok {
			return per
		}
	}
	return persona{outcome: outAccept}
}

// personasByKey are the personas by personaKey, so that a persona is
// recognised whichever way a shop writes the number ("180872-48794" or
// "18087248794").
var personasByKey = func() map[string]persona {
	m := make(map[string]persona, len(personas))
	for id, per := range personas {
		m[personaKey(id)] = per
	}
	return m
}()

// personaKey is id without separators (dash, plus, spaces), upper case.
func personaKey(id string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", "+", "", " ", "").Replace(id))
}

// freeze handles the frozen personas. Without handleFrozenPayments the shop
// has said it cannot handle a frozen payment, so the simulator rejects it
// with PAYMENT_FROZEN (simulator choice, UNCONFIRMED for real MAPI).
func (s *Sim) freeze(p *payment, per persona) bool {
	if !p.handleFrozen {
		s.reject(p, mapi.RejectedPaymentFrozen)
		return false
	}
	p.pay.Status = mapi.StatusFrozen
	p.recompute()
	s.changed(p)
	s.notifyAuth(p, mapi.CallbackFrozen)
	if per.outcome != outFrozen {
		s.verdictLater(p, per.delay)
	}
	return true
}

// inspect puts a payment in manual inspection and schedules the verdict.
func (s *Sim) inspect(p *payment, per persona) {
	p.pay.Status = mapi.StatusInspection
	p.recompute()
	s.changed(p)
	s.notifyAuth(p, mapi.CallbackInspection)
	s.notifyCredit(p, "INSPECTION")
	s.verdictLater(p, per.delay)
}

// verdictLater has the persona's verdict on a frozen or inspected payment
// come after d; the time is stored, so that Open schedules it again.
// Caller holds p.mu.
func (s *Sim) verdictLater(p *payment, d time.Duration) {
	p.verdictAt = s.now().Add(d)
	s.after(d, func() { s.verdict(p) })
}

// verdict ends a freeze (unfrozen or annulled) or an inspection (approved
// or denied) as the payment's persona decides.
func (s *Sim) verdict(p *payment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := s.personaOf(p).outcome
	switch {
	case p.pay.Status == mapi.StatusFrozen && out == outFrozenThenAccept:
		s.accept(p)
	case p.pay.Status == mapi.StatusFrozen && out == outFrozenThenReject:
		s.reject(p, mapi.RejectedPaymentFrozen)
	case p.pay.Status == mapi.StatusInspection && out == outInspectThenAccept:
		s.notifyCredit(p, "CREDIT_APPROVED")
		s.accept(p)
	case p.pay.Status == mapi.StatusInspection && out == outInspectThenReject:
		s.notifyCredit(p, "REJECTED")
		s.reject(p, mapi.RejectedCreditDenied)
	}
}

// accept authorizes the whole order; with automatic capture it is captured
// at once. Caller holds p.mu.
func (s *Sim) accept(p *payment) {
	p.pay.Status = mapi.StatusAccepted
	p.pay.Order.AuthorizedAmount = p.pay.Order.TotalOrderAmount
	p.recompute()
	s.notifyAuth(p, mapi.CallbackAuthorized)
	if p.autoCapture {
		s.captureAll(p)
		s.notifyAuth(p, mapi.CallbackCaptured)
	}
	s.changed(p)
}

// reject makes the payment REJECTED for reason. Caller holds p.mu.
func (s *Sim) reject(p *payment, reason mapi.RejectedCategory) {
	p.pay.Status = mapi.StatusRejected
	p.pay.RejectedReason = &mapi.RejectedReason{Category: reason}
	p.pay.Order.AuthorizedAmount = 0
	p.recompute()
	s.changed(p)
	s.notifyAuth(p, mapi.CallbackRejected)
}

// expire rejects a payment not signed within its TTL (REJECTED, TIMEOUT;
// task not completed).
func (s *Sim) expire(p *payment) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.decided {
		return
	}
	p.decided = true
	s.reject(p, mapi.RejectedTimeout)
}

// expireIfDue expires a payment whose TTL has passed even if its timer has
// not run yet (a slow timer, or a closed simulator).
func (s *Sim) expireIfDue(p *payment) {
	p.mu.Lock()
	due := !p.decided && !s.clock.Now().Before(p.expiresAt)
	p.mu.Unlock()
	if due {
		s.expire(p)
	}
}
