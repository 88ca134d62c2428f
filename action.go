package kassa

import (
	"fmt"
	"slices"
	"time"
)

// ActionKind is what an after-sale action does at Resurs.
type ActionKind string

const (
	ActionCapture ActionKind = "capture" // POST /v2/payments/{id}/capture
	ActionCancel  ActionKind = "cancel"  // POST /v2/payments/{id}/cancel
	ActionRefund  ActionKind = "refund"  // POST /v2/payments/{id}/refund
	ActionModify  ActionKind = "modify"  // cancel, then POST /v2/payments/{id}/order
)

// ActionKinds lists every kind.
var ActionKinds = []ActionKind{ActionCapture, ActionCancel, ActionRefund, ActionModify}

// Valid reports whether k is a known kind.
func (k ActionKind) Valid() bool { return slices.Contains(ActionKinds, k) }

// ActionState is where an action stands.
//
//	pending ──► succeeded   Resurs executed it (answer or actionLog says so)
//	   │  └───► refused     Resurs answered no (4xx); nothing happened
//	   └──────► failed      retries ran out while Resurs was unreachable;
//	                        an operator may retry (back to pending)
type ActionState string

const (
	ActionPending   ActionState = "pending"
	ActionSucceeded ActionState = "succeeded"
	ActionRefused   ActionState = "refused"
	ActionFailed    ActionState = "failed"
)

// ActionStates lists every state.
var ActionStates = []ActionState{ActionPending, ActionSucceeded, ActionRefused, ActionFailed}

// Valid reports whether s is a known state.
func (s ActionState) Valid() bool { return slices.Contains(ActionStates, s) }

// Final reports whether nothing more happens to an action in s.
func (s ActionState) Final() bool { return s == ActionSucceeded || s == ActionRefused }

// ActionError is what Resurs (or the shop, when Resurs could not be
// reached) said about a refused or failed action.
type ActionError struct {
	Code    string `json:"code,omitempty"`    // MAPI code, e.g. "400"
	Message string `json:"message,omitempty"` // MAPI message, shown to the admin
	TraceID string `json:"traceId,omitempty"` // MAPI traceId, to quote to Resurs support
}

// String formats e for notes and screens: "400: Cannot capture [trace abc]".
func (e ActionError) String() string {
	s := e.Message
	if e.Code != "" {
		s = e.Code + ": " + s
	}
	if e.TraceID != "" {
		s += " [trace " + e.TraceID + "]"
	}
	return s
}

// Action is one after-sale action on an order's payment: a capture,
// cancel, refund or modification. It is stored, with its deterministic
// TransactionID, before Resurs is called, so that after a lost answer or a
// crash the engine can look for that TransactionID in the payment's
// actionLog instead of acting twice.
type Action struct {
	ID            int64       `json:"id"`
	OrderID       int64       `json:"orderId"`
	Kind          ActionKind  `json:"kind"`
	TransactionID string      `json:"transactionId"` // e.g. "K000042-capture-1"; unique
	Lines         []Line      `json:"lines"`         // what is sent; empty = everything eligible (full capture/cancel)
	Amount        Money       `json:"amount"`        // sum of Lines, or the amount expected for "everything"
	State         ActionState `json:"state"`
	Error         ActionError `json:"error"`
	Attempts      int         `json:"attempts"`          // calls made to Resurs
	MAPIActionID  string      `json:"mapiActionId"`      // actionLog actionId once known
	Source        Source      `json:"source"`            // admin, api, cli
	Creator       string      `json:"creator,omitempty"` // who asked (admin user name), sent to Resurs
	CreatedAt     time.Time   `json:"createdAt"`
	UpdatedAt     time.Time   `json:"updatedAt"`

	// NextAttemptAt is when a pending action is due to be resumed unless
	// it is settled before: the lease of the attempt in flight, or the
	// retry after an attempt that got no answer. Zero when the action is
	// settled or failed (an operator retries a failed one).
	NextAttemptAt time.Time `json:"-"`
	// Resumes counts the resumes that got no answer since the action was
	// stored or an operator last retried it; the engine fails the action
	// when it reaches its limit.
	Resumes int `json:"-"`
	// OrderVersion, when set, is the version of the order the action was
	// planned against (not stored): CreateAction then stores it only if
	// the order is still at that version and has no other action pending
	// or failed, so that two processes acting on one order at once never
	// both send an action to the bank.
	OrderVersion int64 `json:"-"`
}

// TransactionID returns the deterministic transactionId of the seq-th
// action of kind on the order numbered number: "K000042-refund-2".
func TransactionID(number string, kind ActionKind, seq int) string {
	return fmt.Sprintf("%s-%s-%d", number, kind, seq)
}

// ActionFilter selects actions for listings (the operator's view of
// failed actions). Zero values select everything.
type ActionFilter struct {
	State   ActionState // "" = any
	OrderID int64       // 0 = any
	Limit   int         // 0 = 50
	Offset  int
	After   int64 // keyset paging, as in OrderFilter
	Before  int64
}
