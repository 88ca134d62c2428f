package kassa

import (
	"fmt"
	"slices"
	"time"
)

// MailKind is what an order e-mail tells, and to whom.
type MailKind string

// The customer's mails, and the shop owner's.
const (
	MailConfirmation    MailKind = "confirmation"     // customer: the order is confirmed (processing or completed)
	MailOnHold          MailKind = "on-hold"          // customer: the order awaits Resurs Bank's decision
	MailAccepted        MailKind = "accepted"         // customer: the on-hold order was accepted
	MailRejected        MailKind = "rejected"         // customer: the on-hold order was declined or cancelled
	MailCancelled       MailKind = "cancelled"        // customer: a confirmed order was cancelled
	MailRefunded        MailKind = "refunded"         // customer: money was refunded (Mail.Amount)
	MailNewOrder        MailKind = "new-order"        // owner: a new order is confirmed or on hold
	MailPaidButClosed   MailKind = "paid-but-closed"  // owner: an accepted payment on a closed order
	MailWebhookDisabled MailKind = "webhook-disabled" // owner: a webhook endpoint failed too long and was disabled
)

// MailKinds lists every kind.
var MailKinds = []MailKind{MailConfirmation, MailOnHold, MailAccepted, MailRejected, MailCancelled,
	MailRefunded, MailNewOrder, MailPaidButClosed, MailWebhookDisabled}

// Valid reports whether k is a known kind.
func (k MailKind) Valid() bool { return slices.Contains(MailKinds, k) }

// MailState is where a mail of the outbox stands.
//
//	queued ──► sent     the SMTP server took it
//	   └─────► failed   the attempts ran out; shown in the admin
//	kept                no SMTP server is configured: rendered and kept
//	                    only, for the admin to read
type MailState string

const (
	MailQueued MailState = "queued"
	MailSent   MailState = "sent"
	MailFailed MailState = "failed"
	MailKept   MailState = "kept"
)

// MailStates lists every state.
var MailStates = []MailState{MailQueued, MailSent, MailFailed, MailKept}

// Valid reports whether s is a known state.
func (s MailState) Valid() bool { return slices.Contains(MailStates, s) }

// Mail is one e-mail of the outbox, rendered when it is enqueued: in the
// same transaction as the order write that causes it (Tx.AddMail), so that
// a crash neither loses nor repeats it. Key makes it unique: a retried
// write or a second process enqueues the same Key, which is stored once.
// A queued mail is also an entry of the engine's work queue, due at
// NextAttemptAt.
type Mail struct {
	ID      int64     `json:"id"`
	OrderID int64     `json:"orderId"`
	Key     string    `json:"key"` // idempotency key, e.g. "42/confirmation"; unique
	Kind    MailKind  `json:"kind"`
	Lang    string    `json:"lang"` // language of the text, "en"
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`             // the plain-text body
	HTML    string    `json:"html"`             // the HTML body
	Amount  Money     `json:"amount,omitempty"` // what a refund mail reports
	State   MailState `json:"state"`
	// Attempts counts the failed sending attempts; Error is the last one's.
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	SentAt    time.Time `json:"sentAt"` // zero until sent
	// NextAttemptAt is when a queued mail is due: at once when enqueued,
	// the lease of the attempt in flight, or the retry after a failed
	// one. Zero in every other state.
	NextAttemptAt time.Time `json:"-"`
}

// MailKey returns the idempotency key of the mail of kind about order id
// for the event named by event (e.g. the refunded total after a refund),
// or "" for a kind that happens once per order.
func MailKey(orderID int64, kind MailKind, event string) string {
	if event == "" {
		return fmt.Sprintf("%d/%s", orderID, kind)
	}
	return fmt.Sprintf("%d/%s/%s", orderID, kind, event)
}

// MailFilter selects mails for listings.
type MailFilter struct {
	State   MailState // "" = any
	OrderID int64     // 0 = any
	Limit   int       // 0 = 50
	Offset  int
	After   int64 // keyset paging, as in OrderFilter
	Before  int64
}
