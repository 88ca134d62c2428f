package kassa

import "fmt"

// Payment states as MAPI names them (mirrors mapi.PaymentStatus; the root
// package imports nothing of ours).
const (
	PaymentTaskRedirectionRequired = "TASK_REDIRECTION_REQUIRED"
	PaymentInspection              = "INSPECTION"
	PaymentSupplementingRequired   = "SUPPLEMENTING_REQUIRED"
	PaymentFrozen                  = "FROZEN"
	PaymentAccepted                = "ACCEPTED"
	PaymentRejected                = "REJECTED"
)

// Rejection categories that decide failed versus cancelled.
const (
	RejectedCreditDenied      = "CREDIT_DENIED"
	RejectedAbortedByCustomer = "ABORTED_BY_CUSTOMER"
	RejectedTimeout           = "TIMEOUT"
	RejectedCanceled          = "CANCELED"
)

// PaymentSnapshot is what one read of the payment at Resurs says. It always
// comes from GET /v2/payments/{id}, never from a callback body or a browser.
type PaymentSnapshot struct {
	Status           string // MAPI payment status
	RejectedCategory string // rejectedReason.category when REJECTED
	TaskCompleted    bool   // GET .../tasks/status completed, read only when REJECTED
	Total            Money  // order.totalOrderAmount
	Authorized       Money
	Captured         Money
	Refunded         Money
	Canceled         Money
}

// Decision is the result of Transition.
type Decision struct {
	From, To Status
	Applied  bool   // To differs from From and the edge is legal
	Note     string // why, for the event timeline
}

// Target returns the order status a payment snapshot implies on its own,
// and false when the snapshot implies none (unknown status).
func Target(p PaymentSnapshot) (Status, bool) {
	switch p.Status {
	case PaymentTaskRedirectionRequired:
		return StatusPending, true
	case PaymentFrozen, PaymentInspection, PaymentSupplementingRequired:
		return StatusOnHold, true
	case PaymentAccepted:
		switch {
		case p.Authorized > 0:
			return StatusProcessing, true
		case p.Captured > 0 && p.Refunded >= p.Captured:
			return StatusRefunded, true
		case p.Captured > 0:
			return StatusCompleted, true
		case p.Canceled > 0:
			return StatusCancelled, true
		default:
			return StatusProcessing, true
		}
	case PaymentRejected:
		switch p.RejectedCategory {
		case RejectedCreditDenied:
			return StatusFailed, true
		case RejectedAbortedByCustomer, RejectedTimeout, RejectedCanceled:
			return StatusCancelled, true
		}
		if p.TaskCompleted {
			return StatusFailed, true
		}
		return StatusCancelled, true
	}
	return "", false
}

// edges lists every legal status change. Anything else is refused, which is
// what makes a stale or repeated read harmless.
var edges = map[Status][]Status{
	StatusPending:    {StatusOnHold, StatusProcessing, StatusCompleted, StatusRefunded, StatusFailed, StatusCancelled},
	StatusOnHold:     {StatusProcessing, StatusCompleted, StatusRefunded, StatusFailed, StatusCancelled},
	StatusProcessing: {StatusCompleted, StatusRefunded, StatusCancelled},
	StatusCompleted:  {StatusRefunded},
}

// CanMove reports whether from → to is a legal edge.
func CanMove(from, to Status) bool {
	for _, s := range edges[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transition decides the next status of an order in cur given a payment
// snapshot. It is pure and total: every (status, snapshot) pair gives a
// Decision, and a Decision that is not Applied leaves the order as it is.
func Transition(cur Status, p PaymentSnapshot) Decision {
	d := Decision{From: cur, To: cur}
	to, ok := Target(p)
	switch {
	case !ok:
		d.Note = fmt.Sprintf("payment status %q is unknown; order left %s", p.Status, cur)
	case to == cur:
		d.Note = fmt.Sprintf("payment %s; order already %s", describe(p), cur)
	case !CanMove(cur, to):
		d.Note = fmt.Sprintf("payment %s implies %s; %s → %s is not allowed, order left %s",
			describe(p), to, cur, to, cur)
	case cur == StatusProcessing && p.Status != PaymentAccepted:
		// An accepted payment is cancelled only by Resurs cancelling it in
		// full; a REJECTED read of it is an anomaly and must not restock.
		d.Note = fmt.Sprintf("payment %s implies %s, but the payment was accepted; order left %s",
			describe(p), to, cur)
	default:
		d.To, d.Applied = to, true
		d.Note = fmt.Sprintf("payment %s", describe(p))
	}
	return d
}

func describe(p PaymentSnapshot) string {
	s := p.Status
	if p.Status == PaymentRejected {
		cat := p.RejectedCategory
		if cat == "" {
			cat = "no reason"
		}
		s += " (" + cat
		if p.TaskCompleted {
			s += ", task completed"
		}
		s += ")"
	}
	if p.Captured > 0 || p.Refunded > 0 || p.Canceled > 0 {
		s += fmt.Sprintf(" [authorized %s, captured %s, refunded %s, canceled %s]",
			p.Authorized, p.Captured, p.Refunded, p.Canceled)
	}
	return s
}
