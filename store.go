package kassa

import (
	"context"
	"time"
)

// Tx is the writes that may join another write's transaction: a TxFunc
// receives one, and whatever it writes through it commits or rolls back
// together with the write that runs the TxFunc.
type Tx interface {
	// UpdateCallback is Inbox.UpdateCallback inside the transaction: it
	// writes the same fields of cb; ENOTFOUND when the entry does not
	// exist, EINVALID for an unknown state or negative attempts.
	UpdateCallback(ctx context.Context, cb *Callback) error
	// AddMail is Mails.AddMail inside the transaction: the mail caused by
	// the write commits with it or not at all.
	AddMail(ctx context.Context, m *Mail) error
	// AddWebhookEvent is Webhooks.AddWebhookEvent inside the transaction:
	// the event of a change commits with it or not at all.
	AddWebhookEvent(ctx context.Context, ev *WebhookEvent) error
}

// TxFunc runs inside a store's write transaction, after the store's own
// writes and before the commit; tx joins that transaction. The engine uses
// it to settle an inbox entry in the same transaction as the change it
// belongs to: everything commits or rolls back together. A nil TxFunc does
// nothing. An error rolls the whole transaction back and is returned by the
// write.
type TxFunc func(ctx context.Context, tx Tx) error

// OrderFilter selects orders for listings. Zero values select everything.
//
// A listing is paged by keyset: After (the id of the last row of a page)
// gives the page that follows it in the listing's order, Before (the id of
// the first row) the page that precedes it, each found through an index
// however deep it lies. Offset still pages from the start, at a cost that
// grows with it; it is ignored when After or Before is set.
type OrderFilter struct {
	Status Status // "" = any
	// Query matches the orders that have each of its words (runs of
	// letters, runs of digits) among the words of their number ("K000042"
	// is k, 000042 and 42), e-mail, first, last and company name and merchant reference, the last
	// word as the beginning of a word ("anna lindq" finds Anna Lindqvist),
	// or, when the whole query is an order's payment id, that order alone.
	// Case does not matter; accents do.
	Query  string
	Limit  int // 0 = 50, at most 1000
	Offset int
	After  int64 // rows after this id in the listing's order (newest first: older ids)
	Before int64 // rows before this id in the listing's order (newer ids)
}

// CallbackFilter selects inbox entries for listings; paged like
// OrderFilter.
type CallbackFilter struct {
	State   CallbackState // "" = any
	OrderID int64         // 0 = any
	Limit   int           // 0 = 50
	Offset  int
	After   int64
	Before  int64
}

// CountCap bounds the totals of listings that would otherwise count every
// matching row (a search, the inbox, actions, e-mails): they count at most
// CountCap+1 rows, so a total above CountCap means "more than CountCap".
// The order totals of a listing without a query are exact, kept by
// counters (Orders.OrderCounts).
const CountCap = 1000

// Store is the persistence contract: every role, and Close. Every
// implementation passes the conformance suite in package storetest.
//
// Errors of every role are *Error: ENOTFOUND when an entity does not
// exist, ECONFLICT when a compare-and-set fails or stock is short,
// EINVALID for bad arguments. Any other error is a failure of the store
// itself.
type Store interface {
	Catalog
	Orders
	Inbox
	Actions
	Settings
	Discounts
	Answers
	Sessions
	CheckoutStates
	Mails
	APIKeys
	Webhooks
	Limits

	// Close releases the store.
	Close() error
}

// Catalog is the shop's products: what is sold, at what price and VAT
// rate, and how many are in stock. Orders take their stock (Orders).
type Catalog interface {
	// Products returns the catalog ordered by SKU.
	Products(ctx context.Context) ([]Product, error)
	// Product returns one product; ENOTFOUND if unknown.
	Product(ctx context.Context, sku string) (Product, error)
	// ProductTerms returns what pricing needs of a product: everything
	// but its stock (Stock is 0); ENOTFOUND if unknown. The terms change
	// only through PutProduct, so a store may keep them in memory; one
	// put by another process may then be seen up to 100 ms late.
	ProductTerms(ctx context.Context, sku string) (Product, error)
	// PutProduct inserts or replaces a product without recording a stock
	// move (seeding the demo catalog, tests); EINVALID naming every bad
	// field (CheckProduct).
	PutProduct(ctx context.Context, p Product) error
	// UpdateProducts applies edits in order, in one transaction, and
	// returns the products as written. An edit changes the fields it
	// sets; one naming an unknown SKU creates the product when it sets
	// name, price and VAT rate (ProductEdit.Creates) and MustExist is
	// false, else ENOTFOUND naming the SKU. Every change of a product's
	// stock is recorded as a StockMove by by for reason; a StockChange
	// applies to the stock as it is in the transaction, so it loses
	// nothing to orders reserving stock at the same time. EINVALID names
	// every bad field of every edit as "products[i].<field>" (i is the
	// edit's index), ECONFLICT when a StockChange would take the stock
	// below zero, EINVALID for an empty by. Nothing is written when any
	// edit fails.
	UpdateProducts(ctx context.Context, by, reason string, edits []ProductEdit) ([]Product, error)
	// StockMoves returns the latest limit (0 = 50) stock moves of product
	// sku, or of every product when sku is "", newest first.
	StockMoves(ctx context.Context, sku string, limit int) ([]StockMove, error)
}

// Orders is the orders with their lines and their audit events. Every
// write runs a TxFunc in its own transaction.
type Orders interface {
	// CreateOrder, in one transaction: reserves stock for every line with a
	// SKU (ECONFLICT naming the SKU when short, ENOTFOUND when unknown)
	// unless o.StockReleased says the order holds no stock (a merchant's
	// own lines, POST /api/checkouts),
	// takes one use of the discount code of o.Charges (ECONFLICT with the
	// field "discountCode" when the code is used up, ENOTFOUND when it
	// does not exist), inserts o with its lines, records ev (its OrderID
	// is filled in), and runs then. It fills o.ID, o.Number, o.Version
	// (1), o.CreatedAt and o.UpdatedAt (ID and Number already while then
	// runs). EINVALID for an unknown status or a line without quantity.
	// Nothing is written when any step fails.
	CreateOrder(ctx context.Context, o *Order, ev Event, then TxFunc) error

	// Order returns an order with its lines; ENOTFOUND if unknown.
	Order(ctx context.Context, id int64) (*Order, error)
	// OrderRef returns what a callback's ack checks of order id: its
	// callback token and payment id, without the rest of the order;
	// ENOTFOUND if unknown.
	OrderRef(ctx context.Context, id int64) (OrderRef, error)
	// OrderByPaymentID returns the order whose PaymentID is paymentID;
	// ENOTFOUND if none (always for an empty paymentID).
	OrderByPaymentID(ctx context.Context, paymentID string) (*Order, error)
	// Orders lists orders newest first, and the total matching the filter:
	// exact without a Query (from the counters of OrderCounts), at most
	// CountCap+1 with one.
	Orders(ctx context.Context, f OrderFilter) ([]*Order, int, error)
	// OrderCounts returns the number of orders in each status (statuses
	// without orders may be missing or 0). The counts are kept in the
	// transaction of every write that creates an order or changes its
	// status, so reading them costs the same at any number of orders.
	OrderCounts(ctx context.Context) (map[Status]int, error)

	// UpdateOrder writes o's mutable fields (Status, PaymentID,
	// PaymentStatus, StatusReason, Authorized/Captured/Refunded/Canceled, NextSyncAt,
	// SyncAttempts) only if the stored version equals o.Version
	// (else ECONFLICT and nothing written; ENOTFOUND if unknown, EINVALID
	// for an unknown status). In the same transaction it
	// increments the version (o.Version is updated), sets UpdatedAt, returns
	// the reserved stock and the use of its discount code when the new
	// status releases stock and it was not released before (exactly once,
	// o.StockReleased is set), records ev
	// when non-nil, and runs then.
	UpdateOrder(ctx context.Context, o *Order, ev *Event, then TxFunc) error
	// UpdateOrderCustomer is UpdateOrder that also writes o's Customer,
	// PaymentMethodID and ExpiresAt, and makes the order findable by the
	// customer's e-mail and name: the shopper of a hosted checkout filled
	// in the form. Same compare-and-set and hook as UpdateOrder.
	UpdateOrderCustomer(ctx context.Context, o *Order, ev *Event, then TxFunc) error
	// ReplaceOrderLines is UpdateOrder that also replaces o's lines, Total
	// and VATTotal (an order modified after the sale). Unless the order's
	// stock was released, the reservation follows the lines: stock of
	// removed units is returned and added units are reserved (ECONFLICT
	// naming the SKU when short). Same compare-and-set and hook as
	// UpdateOrder; nothing is written when any step fails.
	ReplaceOrderLines(ctx context.Context, o *Order, ev *Event, then TxFunc) error

	// AddEvent records an event that changes nothing (a refused or no-op
	// transition, a note), and runs then in the same transaction.
	AddEvent(ctx context.Context, ev Event, then TxFunc) error
	// Events returns an order's events, oldest first.
	Events(ctx context.Context, orderID int64) ([]Event, error)

	// DueOrders returns up to limit orders in an open status whose
	// NextSyncAt is set and not after now, earliest first.
	DueOrders(ctx context.Context, now time.Time, limit int) ([]*Order, error)

	// ClientHolds returns what the orders carrying any of keys (in their
	// ClientKeys) hold unpaid: the pending orders whose stock is still
	// reserved, and the units of each SKU on them. An order carrying
	// several of the keys counts once. No keys hold nothing; EINVALID for
	// an empty key.
	ClientHolds(ctx context.Context, keys []string) (Holds, error)
}

// Holds is what one client's pending orders reserve (Orders.ClientHolds).
type Holds struct {
	Orders int              // pending orders with stock reserved
	Units  map[string]int64 // units reserved by them, per SKU; never nil
}

// Inbox is the callback inbox: every callback the bank sent, recorded
// once, and a lease queue of the entries still to process.
type Inbox interface {
	// RecordCallback stores cb (ID, ReceivedAt filled in; NextAttemptAt as
	// given, zero for none). If an entry with
	// the same non-empty DedupKey exists, cb is stored with state
	// CallbackDuplicate and no NextAttemptAt, then is not run, and duplicate
	// is true. Otherwise cb
	// keeps its state and then runs in the same transaction.
	RecordCallback(ctx context.Context, cb *Callback, then TxFunc) (duplicate bool, err error)
	// Callback returns one inbox entry; ENOTFOUND if unknown.
	Callback(ctx context.Context, id int64) (*Callback, error)
	// Callbacks lists inbox entries newest first, and the total matching,
	// at most CountCap+1.
	Callbacks(ctx context.Context, f CallbackFilter) ([]*Callback, int, error)
	// UpdateCallback writes State, Attempts, Error, OrderID, ProcessedAt and
	// NextAttemptAt, and runs then in the same transaction (nothing is
	// written when it fails); ENOTFOUND if unknown, EINVALID for an
	// unknown state or negative attempts. Inside another write's
	// transaction, Tx.UpdateCallback does the same.
	UpdateCallback(ctx context.Context, cb *Callback, then TxFunc) error
	// ClaimCallbacks returns up to limit inbox entries in state received
	// whose NextAttemptAt is not after now, earliest NextAttemptAt first, and
	// in the same transaction sets their NextAttemptAt to lease (also on the
	// returned entries), so that no other claim returns them before lease.
	// EINVALID when limit is not positive or lease is not after now.
	ClaimCallbacks(ctx context.Context, now, lease time.Time, limit int) ([]*Callback, error)
}

// Actions is the after-sale actions (captures, refunds, cancellations,
// modifications) sent or to be sent to the bank.
type Actions interface {
	// CreateAction stores a new after-sale action (ID, CreatedAt and
	// UpdatedAt filled in; State defaults to pending; NextAttemptAt as
	// given, zero for none). ECONFLICT when its TransactionID exists
	// already, ENOTFOUND when the order does not exist, EINVALID for an
	// unknown kind or state, an empty TransactionID or negative Resumes.
	// With OrderVersion set it is also ECONFLICT when the order's version
	// is another or another action of the order is pending or failed; the
	// check and the insert are atomic with respect to every other
	// CreateAction and UpdateOrder of the order, in any process.
	CreateAction(ctx context.Context, a *Action) error
	// UpdateAction writes State, Error, Attempts, MAPIActionID, Lines,
	// Amount, NextAttemptAt and Resumes, and sets UpdatedAt. ENOTFOUND if
	// unknown.
	UpdateAction(ctx context.Context, a *Action) error
	// ClaimActions returns up to limit pending actions whose NextAttemptAt
	// is set and not after now, earliest NextAttemptAt first, and in the
	// same transaction sets their NextAttemptAt to lease (also on the
	// returned actions), so that no other claim returns them before lease.
	// EINVALID when limit < 1 or lease is not after now.
	ClaimActions(ctx context.Context, now, lease time.Time, limit int) ([]*Action, error)
	// Action returns one action; ENOTFOUND if unknown.
	Action(ctx context.Context, id int64) (*Action, error)
	// ActionByTransactionID returns the action carrying a transactionId;
	// ENOTFOUND if none.
	ActionByTransactionID(ctx context.Context, transactionID string) (*Action, error)
	// Actions lists actions: of one order oldest first when f.OrderID is
	// set, otherwise newest first; and the total matching f, at most
	// CountCap+1.
	Actions(ctx context.Context, f ActionFilter) ([]*Action, int, error)
}

// Mails is the outbox of order e-mails: each mail rendered and stored in
// the transaction of the order write that causes it, then sent by the
// engine's work queue (or kept, without an SMTP server).
type Mails interface {
	// AddMail stores m (ID and CreatedAt filled in; State defaults to
	// queued; NextAttemptAt as given, zero for none) unless a mail with
	// its Key exists: then nothing is stored, m.ID stays 0 and the error
	// is nil, so that a retried write enqueues its mail once. EINVALID for
	// an unknown kind or state, an empty Key, To or Lang, or negative
	// attempts; ENOTFOUND when the order does not exist. Inside another
	// write's transaction, Tx.AddMail does the same.
	AddMail(ctx context.Context, m *Mail) error
	// Mail returns one mail; ENOTFOUND if unknown.
	Mail(ctx context.Context, id int64) (*Mail, error)
	// Mails lists mails newest first, and the total matching f, at most
	// CountCap+1.
	Mails(ctx context.Context, f MailFilter) ([]*Mail, int, error)
	// UpdateMail writes State, Attempts, Error, SentAt and NextAttemptAt;
	// ENOTFOUND if unknown, EINVALID for an unknown state or negative
	// attempts.
	UpdateMail(ctx context.Context, m *Mail) error
	// ClaimMails returns up to limit queued mails whose NextAttemptAt is
	// not after now, earliest NextAttemptAt first, and in the same
	// transaction sets their NextAttemptAt to lease (also on the returned
	// mails), so that no other claim returns them before lease. EINVALID
	// when limit is not positive or lease is not after now.
	ClaimMails(ctx context.Context, now, lease time.Time, limit int) ([]*Mail, error)
}

// Settings is the shop's key-value settings (the secret key, the admin
// password hash, the bank's configuration).
type Settings interface {
	// Setting returns a stored setting, or "" and false.
	Setting(ctx context.Context, key string) (string, bool, error)
	// PutSetting stores a setting, replacing one stored under key;
	// EINVALID for an empty key.
	PutSetting(ctx context.Context, key, value string) error
	// SwapSetting stores value under key only if the stored value is old
	// (a missing setting counts as ""), atomically, and reports whether it
	// did. Processes sharing the store use it to create a value once
	// (old "", then read back the winner's) and to take a value once
	// (swap it for ""). EINVALID for an empty key.
	SwapSetting(ctx context.Context, key, old, value string) (bool, error)
}

// Discounts is the shop's discount codes with their use counts. A code
// is matched without regard to case (stored as NormalizeCode). Orders
// take and give back the uses: CreateOrder takes one of the code in
// Order.Charges in its own transaction, and the write that fails or
// cancels the order (releasing its stock) gives it back, exactly once.
type Discounts interface {
	// DiscountCodes returns every code, ordered by code.
	DiscountCodes(ctx context.Context) ([]DiscountCode, error)
	// DiscountCode returns one code with its use count; ENOTFOUND if
	// unknown.
	DiscountCode(ctx context.Context, code string) (DiscountCode, error)
	// PutDiscountCode inserts a code or replaces its terms, keeping its
	// use count (d.Used is ignored); EINVALID naming every bad field
	// (CheckDiscountCode).
	PutDiscountCode(ctx context.Context, d DiscountCode) error
	// DeleteDiscountCode removes a code; ENOTFOUND if unknown. Orders
	// placed with it keep their discount.
	DeleteDiscountCode(ctx context.Context, code string) error
}

// Answers is the answers of API requests with an Idempotency-Key, which
// a retry of the same request gets again.
type Answers interface {
	// Answer returns what is stored for the API request keyed key (an
	// answer, or a claim: Status 0), or false when there is nothing.
	Answer(ctx context.Context, key string) (Answer, bool, error)
	// ClaimAnswer stores a claim (a.Status must be 0, else EINVALID) for a
	// request about to run, unless something is stored for a.Key already:
	// then it returns that with false, and stores nothing. Two exceptions
	// are replaced by a: a claim for the same body stored before takeOver
	// (its process died while the request ran, and the caller may run it
	// again), and an answer stored before expired. A zero time replaces
	// nothing.
	ClaimAnswer(ctx context.Context, a Answer, takeOver, expired time.Time) (Answer, bool, error)
	// PutAnswer stores the answer a of a request that ran (a.Status is an
	// HTTP status) in place of its claim; an answer stored already for
	// a.Key is kept.
	PutAnswer(ctx context.Context, a Answer) error
	// DeleteAnswers deletes the answers stored before t and returns how
	// many. Claims (Status 0) are kept.
	DeleteAnswers(ctx context.Context, before time.Time) (int64, error)
}

// Sessions is the signed-in admins' sessions. A session is found by the
// SHA-256 of the random id its cookie carries; the id itself is never
// stored, so a copy of the database lets nobody in. Times are kept to
// the millisecond.
type Sessions interface {
	// CreateSession stores a new session. EINVALID when its IDHash is
	// zero, its User empty or its ExpiresAt not after CreatedAt;
	// ECONFLICT when a session with its IDHash exists.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session whose IDHash is id if it has not
	// expired at now (ExpiresAt after now); ENOTFOUND otherwise.
	Session(ctx context.Context, id SessionHash, now time.Time) (Session, error)
	// TouchSession sets the LastSeenAt of session id to seen; ENOTFOUND
	// if there is no such session.
	TouchSession(ctx context.Context, id SessionHash, seen time.Time) error
	// Sessions lists the sessions of user not expired at now, the most
	// recently seen first.
	Sessions(ctx context.Context, user string, now time.Time) ([]Session, error)
	// DeleteSession deletes session id; ENOTFOUND if there is none.
	DeleteSession(ctx context.Context, id SessionHash) error
	// DeleteSessions deletes every session of user except keep (the zero
	// hash keeps none) and returns how many it deleted.
	DeleteSessions(ctx context.Context, user string, keep SessionHash) (int64, error)
	// PurgeSessions deletes the sessions expired at now (ExpiresAt not
	// after now) and returns how many.
	PurgeSessions(ctx context.Context, now time.Time) (int64, error)
}

// CheckoutStates is the storefront's server-side checkout state, one per
// cart session: what the shopper typed into the checkout form and the
// order placed from it. Keeping it on the server lets the form survive a
// failed payment, the Back button and a restart without the government
// id ever travelling in a cookie. A state is found by the SHA-256 of the
// random id its cookie carries (SessionHash); the store keeps Data as it
// is given and knows nothing of its content. Times are kept to the
// millisecond.
type CheckoutStates interface {
	// CheckoutState returns the state id; ENOTFOUND if there is none.
	CheckoutState(ctx context.Context, id SessionHash) (CheckoutState, error)
	// PutCheckoutState stores st, replacing a state stored under its ID;
	// EINVALID when its ID is zero.
	PutCheckoutState(ctx context.Context, st CheckoutState) error
	// DeleteCheckoutState deletes state id; deleting a state that does
	// not exist is no error.
	DeleteCheckoutState(ctx context.Context, id SessionHash) error
	// PurgeCheckoutStates deletes the states last stored before t and
	// returns how many.
	PurgeCheckoutStates(ctx context.Context, before time.Time) (int64, error)
}

// Limits is rate limits that every process sharing the store counts
// together: the admin's failed sign-ins and the storefront's address
// lookups (package web). Each key has an allowance of Limit.Burst takes
// at once, of which one comes back every Limit.Every (a token bucket).
// The store keeps one number per key, its theoretical arrival time (TAT,
// the generic cell rate algorithm): a key may take at now when
// TAT - Burst*Every + Every <= now, and a take sets TAT to
// max(TAT, now) + Every. A key without a row, or whose TAT has passed,
// has its whole allowance. Times are kept to the millisecond; Every must
// be at least one, Burst at least 1 and a Key at most 200 bytes, else
// EINVALID.
type Limits interface {
	// LimitWait returns how long until each of limits may take at now:
	// 0 when all may. It changes nothing.
	LimitWait(ctx context.Context, now time.Time, limits ...Limit) (time.Duration, error)
	// TakeLimit takes one from the allowance of each of limits at now,
	// all of them or none: when one may not take, it takes nothing and
	// returns how long until all may (at least a millisecond). It returns
	// 0 when it took. The keys must differ (EINVALID).
	TakeLimit(ctx context.Context, now time.Time, limits ...Limit) (time.Duration, error)
	// PurgeLimits deletes up to n keys whose TAT is not after now (they
	// have their whole allowance, as without a row) and returns how many.
	PurgeLimits(ctx context.Context, now time.Time, n int) (int64, error)
}

// Limit is one key's allowance (Limits): Burst takes at once, then one
// per Every.
type Limit struct {
	Key   string
	Every time.Duration
	Burst int
}

// CheckoutState is one cart session's checkout state (CheckoutStates).
type CheckoutState struct {
	ID        SessionHash
	Data      []byte    // the storefront's own encoding
	UpdatedAt time.Time // when it was last stored
}

// SessionHash is the SHA-256 of a session id: what the store keeps of
// it.
type SessionHash [32]byte

// Session is a signed-in admin's session.
type Session struct {
	IDHash     SessionHash
	User       string
	CreatedAt  time.Time
	LastSeenAt time.Time // the last request seen, to the minute or so
	ExpiresAt  time.Time
	UserAgent  string // of the browser that signed in
	IP         string // of the client that signed in
}

// Answer is the answer of a mutating API request with an Idempotency-Key,
// kept so that a retry of the request gets it again instead of running
// the request twice. Status 0 is a claim: the request is running, or its
// process died while it ran.
type Answer struct {
	Key      string   // "<method> <path>\n<Idempotency-Key>"
	BodyHash [32]byte // SHA-256 of the request body
	Status   int      // the HTTP status; 0 for a claim
	Body     []byte
	At       time.Time // when it was stored (millisecond precision)
}
