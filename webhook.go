package kassa

import (
	"context"
	"slices"
	"time"
)

// WebhookType is the type of a webhook event.
type WebhookType string

// The events kassa sends to a merchant's system.
const (
	WebhookOrderCreated       WebhookType = "order.created"        // an order was placed or a checkout created
	WebhookOrderStatusChanged WebhookType = "order.status_changed" // before, after, amounts, reason
	WebhookOrderAction        WebhookType = "order.action"         // a capture, cancel, refund or modify succeeded at Resurs
)

// WebhookTypes lists every type.
var WebhookTypes = []WebhookType{WebhookOrderCreated, WebhookOrderStatusChanged, WebhookOrderAction}

// Valid reports whether t is a known type.
func (t WebhookType) Valid() bool { return slices.Contains(WebhookTypes, t) }

// WebhookEndpoint is a URL of a merchant's system that receives webhook
// events, signed with its Secret per the Standard Webhooks specification
// (docs/architecture.md §Webhooks).
type WebhookEndpoint struct {
	ID     int64         `json:"id"`
	URL    string        `json:"url"`
	Events []WebhookType `json:"events"` // empty: every type
	Secret string        `json:"-"`      // "whsec_" and the base64 key
	// DisabledAt is set when the endpoint was disabled (by the owner, or
	// after failing for too long: DisabledReason says which); a disabled
	// endpoint gets no new events and nothing is delivered to it.
	DisabledAt     time.Time `json:"disabledAt"`
	DisabledReason string    `json:"disabledReason,omitempty"`
	// FailingSince is the first failed delivery since the last success;
	// zero while the endpoint answers.
	FailingSince time.Time `json:"failingSince"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Wants reports whether the endpoint subscribes to events of type t.
func (e *WebhookEndpoint) Wants(t WebhookType) bool {
	return len(e.Events) == 0 || slices.Contains(e.Events, t)
}

// WebhookEvent is one event about an order, to be delivered to every
// enabled endpoint that wants its type. Key makes it unique (a retried
// write enqueues it once); its webhook-id is "evt_" and Key.
type WebhookEvent struct {
	OrderID int64
	Key     string // e.g. "42-created", "42-v7", "K000042-capture-1"
	Type    WebhookType
	Body    []byte // the JSON body sent: {"id","type","timestamp","data"}
	// Encode, when Body is nil, writes the body, at most once. SQLite
	// calls it only when an enabled endpoint wants the event, so that a
	// shop without webhooks does not encode an order for every write of
	// it; PostgreSQL calls it always, as finding out would cost a round
	// trip, which costs more than the encoding.
	Encode func() ([]byte, error)
	At     time.Time
}

// WebhookDeliveryState is where the delivery of an event to one endpoint
// stands: queued (due at NextAttemptAt) → delivered, or failed after the
// retries ran out (an operator may send it again: queued).
type WebhookDeliveryState string

const (
	WebhookQueued    WebhookDeliveryState = "queued"
	WebhookDelivered WebhookDeliveryState = "delivered"
	WebhookFailed    WebhookDeliveryState = "failed"
)

// WebhookDeliveryStates lists every state.
var WebhookDeliveryStates = []WebhookDeliveryState{WebhookQueued, WebhookDelivered, WebhookFailed}

// Valid reports whether s is a known state.
func (s WebhookDeliveryState) Valid() bool { return slices.Contains(WebhookDeliveryStates, s) }

// WebhookDelivery is one event to one endpoint: an entry of the work
// queue, and its delivery log.
type WebhookDelivery struct {
	ID            int64                `json:"id"`
	EndpointID    int64                `json:"endpointId"`
	OrderID       int64                `json:"orderId"`
	MessageID     string               `json:"messageId"` // the webhook-id header: "evt_" + the event's Key
	Type          WebhookType          `json:"type"`
	Body          []byte               `json:"-"`
	State         WebhookDeliveryState `json:"state"`
	Attempts      int                  `json:"attempts"`
	LastStatus    int                  `json:"lastStatus,omitempty"` // HTTP status of the last attempt; 0 for none or no answer
	LastError     string               `json:"lastError,omitempty"`
	LastAttemptAt time.Time            `json:"lastAttemptAt"`
	DeliveredAt   time.Time            `json:"deliveredAt"`
	CreatedAt     time.Time            `json:"createdAt"`
	NextAttemptAt time.Time            `json:"-"` // queued: when due; zero otherwise
}

// WebhookDeliveryFilter selects deliveries for listings; paged like
// OrderFilter.
type WebhookDeliveryFilter struct {
	EndpointID int64                // 0 = any
	OrderID    int64                // 0 = any
	State      WebhookDeliveryState // "" = any
	Limit      int                  // 0 = 50, at most 1000
	Offset     int
	After      int64 // keyset paging, as in OrderFilter
	Before     int64
}

// Webhooks is the webhook endpoints and the outbox of their deliveries.
type Webhooks interface {
	// CreateWebhookEndpoint stores ep (ID, CreatedAt, UpdatedAt filled in).
	// EINVALID for an empty URL or Secret or an unknown event type.
	CreateWebhookEndpoint(ctx context.Context, ep *WebhookEndpoint) error
	// WebhookEndpoint returns one endpoint; ENOTFOUND if unknown.
	WebhookEndpoint(ctx context.Context, id int64) (*WebhookEndpoint, error)
	// WebhookEndpoints lists every endpoint, oldest first.
	WebhookEndpoints(ctx context.Context) ([]*WebhookEndpoint, error)
	// UpdateWebhookEndpoint writes URL, Events, DisabledAt, DisabledReason
	// and FailingSince, sets UpdatedAt, and runs then in the same
	// transaction. ENOTFOUND if unknown; EINVALID as Create.
	UpdateWebhookEndpoint(ctx context.Context, ep *WebhookEndpoint, then TxFunc) error
	// DeleteWebhookEndpoint deletes an endpoint and its deliveries;
	// ENOTFOUND if unknown.
	DeleteWebhookEndpoint(ctx context.Context, id int64) error
	// AddWebhookEvent queues ev for every enabled endpoint that wants its
	// type (none: nothing is stored), once per endpoint and Key: a second
	// add of the same Key stores nothing. EINVALID for an unknown type, an
	// empty Key or Body, or no order. Inside another write's transaction,
	// Tx.AddWebhookEvent does the same.
	AddWebhookEvent(ctx context.Context, ev *WebhookEvent) error
	// WebhookDelivery returns one delivery; ENOTFOUND if unknown.
	WebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error)
	// WebhookDeliveries lists deliveries newest first, and the total
	// matching f, counted up to CountCap+1.
	WebhookDeliveries(ctx context.Context, f WebhookDeliveryFilter) ([]*WebhookDelivery, int, error)
	// UpdateWebhookDelivery writes State, Attempts, LastStatus,
	// LastError, LastAttemptAt, DeliveredAt and NextAttemptAt. ENOTFOUND if
	// unknown; EINVALID for an unknown state or negative attempts.
	UpdateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error
	// ClaimWebhookDeliveries returns up to limit queued deliveries due at
	// now (NextAttemptAt not after now) to enabled endpoints, each the
	// oldest queued delivery of its endpoint and order (so that an order's
	// events reach an endpoint in order), earliest due first; in the same
	// transaction it sets their NextAttemptAt to lease. EINVALID when
	// limit is not positive or lease is not after now.
	ClaimWebhookDeliveries(ctx context.Context, now, lease time.Time, limit int) ([]*WebhookDelivery, error)
}
