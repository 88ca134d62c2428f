// Package checkout is kassa's checkout engine: it places orders, creates
// their payments at Resurs Bank (MAPI), and keeps each order's status in step
// with its payment, whichever of the customer's return, a callback or the
// reconciliation sweeper notices a change first.
//
// Every status change follows one path: read the payment with
// GET /v2/payments/{id} (never trust a callback body or a browser), turn the
// answer into a kassa.PaymentSnapshot, ask the pure kassa.Transition what it
// implies, and write the result with a compare-and-set on the order version,
// together with an event for the timeline. A per-order in-process lock keeps
// concurrent syncs of one order in line; the version check makes several
// processes safe too. Because Transition is monotonic, a stale or repeated
// read is harmless: it is recorded as a refused or no-op event, never applied.
//
// Callbacks are stored raw in the store's inbox, which is also the work
// queue: the receiving process hands the entry to its callback workers,
// which re-read the payment and store the entry as processed in the same
// transaction as what the read changed; an entry left behind (a crash, a
// failed read) is claimed again once its lease or retry time has passed
// (inbox.go). The sweeper re-reads
// open orders on a schedule (+1, +5, +15 minutes, then hourly), so an order
// ends right even when the customer never returns and every callback is lost.
//
// After the sale (aftersale*.go), Capture, Cancel, Refund and Modify check
// the request against a fresh payment read, store the action with a
// deterministic transactionId before calling Resurs, and mirror the answer
// through the same apply path as Sync. A stored action is itself an entry
// of the engine's work queue (queue.go), as an inbox entry is: one left
// pending is resumed once its NextAttemptAt has passed. A lost answer is
// resolved by finding the transactionId in the payment's actionLog, so a
// capture or refund never happens twice, even across a restart.
package checkout

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mail"
	"github.com/kassa-dev/kassa/mapi"
)

// Store is what the engine needs of the store: the catalog to price
// orders, the orders, the callback inbox, the after-sale actions and the
// mail outbox.
type Store interface {
	kassa.Catalog
	kassa.Orders
	kassa.Settings  // the pricing settings (settings.go)
	kassa.Discounts // the discount codes and their uses
	kassa.Inbox
	kassa.Actions
	kassa.Mails
	kassa.Webhooks
}

// Config configures an Engine. Store, Bank, StoreID and BaseURL are
// required; everything else has a default.
type Config struct {
	Store   Store
	Bank    *mapi.Client
	StoreID string // MAPI store id
	BaseURL string // public base URL of the shop, e.g. http://localhost:8080 (no trailing slash)
	Hold    time.Duration
	Now     func() time.Time // default time.Now
	Logger  *slog.Logger     // default: discard
	Metrics *Metrics         // optional

	Country          string      // the store's country; default "SE"
	Currency         string      // default the country's (kassa.CountryOf)
	ShippingFee      kassa.Money // default 49.00, VAT included
	ShippingVATRate  int64       // hundredths of a percent; default 2500
	FreeShippingFrom kassa.Money // products total (after a discount) from which shipping is free; default 500.00; negative = never free

	// Shipping options and payment fees (pricing.go) until the owner
	// saves others (settings.go, SettingPricing). Without options, one
	// "Shipping" at ShippingFee and ShippingVATRate. Discount codes are
	// in the store (kassa.Discounts).
	ShippingOptions []ShippingOption
	PaymentFees     map[string]PaymentFee // by payment method id; a method without one costs nothing

	SweepInterval    time.Duration // default 5s
	SweepBatch       int           // orders per sweeper pass; default 100
	SweepConcurrency int           // parallel syncs per pass; default 4
	// SweepTurns, when set, is where engines sharing the store (several
	// processes on one PostgreSQL database) take turns at the sweeper, so
	// that one of them sweeps at a time (sweep.go); nil: this engine
	// sweeps whatever others do.
	SweepTurns       kassa.Settings
	ExpiryGrace      time.Duration // after ExpiresAt before an undecided payment cancels the order; default 5m
	OnHoldMaxAge     time.Duration // on-hold orders are read hourly up to this age; default 30 days
	Workers          int           // callback workers (I/O-bound MAPI reads), and as many after-sale action workers; default 16
	CallbackAttempts int           // attempts per inbox entry (backoff 1 s doubling to 5 min) before it is failed; default 12
	CallbackPoll     time.Duration // how often due inbox entries (retries, ended leases) are claimed; default 1s
	ActionPoll       time.Duration // how often due after-sale actions (retries, ended leases) are claimed; default 1s
	ActionRetryDelay time.Duration // before the queue resumes an after-sale action still pending (the lease of a call in flight); default 2m
	ActionAttempts   int           // resumes without an answer (backoff 1 s doubling to 5 min) before an action is failed; default 20
	MethodsTTL       time.Duration // payment-method cache lifetime; default 1m

	// Order e-mails (mail.go). Without a Mailer they are rendered and
	// kept for the admin, not sent.
	Mailer       Mailer
	ShopEmail    string        // the shop owner's address for owner mails; "" = none
	MailAttempts int           // sending attempts (backoff 1 s doubling to 5 min) before a mail is failed; default 10
	MailPoll     time.Duration // how often due mails are claimed; default 1s

	// Webhooks (webhook.go): how often due deliveries are claimed
	// (default 1s), how long a delivery is retried (default 72h), how
	// long an endpoint may fail before it is disabled (default 72h), and
	// the HTTP client that delivers (default: 10 s timeout, no redirects).
	WebhookPoll         time.Duration
	WebhookRetryFor     time.Duration
	WebhookDisableAfter time.Duration
	WebhookClient       *http.Client

	// Limits on what one client (OrderRequest.ClientKeys) may hold unpaid
	// at once, counted in the store (holds.go); 0 = no limit.
	MaxOpenOrders int   // pending orders
	MaxHeldUnits  int64 // units of one product over its pending orders

	// MAPI deadlines, shorter than the MAPI client's own timeout (30 s) so
	// that a hung call frees a worker or answers the customer quickly; a
	// call that runs past one fails with an error wrapping ErrTimeout.
	ReadTimeout   time.Duration // one payment read by a sync (callback worker, sweeper, return page) or a method list read; default 10s
	CreateTimeout time.Duration // the payment create in PlaceOrder; default 15s
	SearchTimeout time.Duration // the search by order reference after an ambiguous create; default 10s
	PlaceTimeout  time.Duration // all of PlaceOrder's MAPI work together; default 30s

	BreakerFailures uint32        // consecutive MAPI failures that open the breaker; default 5
	BreakerOpen     time.Duration // how long it stays open before a trial call; default 30s
}

// Engine runs the checkout flow. Its methods are safe for concurrent use.
type Engine struct {
	cfg     Config
	store   Store
	bank    *mapi.Client
	log     *slog.Logger
	metrics *Metrics
	now     func() time.Time
	base    *url.URL

	breaker      *gobreaker.CircuitBreaker[any]
	locks        stripes
	clients      clientLocks // one holds check and order creation per client at a time
	methods      methodCache
	pricingCache pricingCache          // the pricing settings (settings.go)
	inbox        *queue[entry]         // callback inbox entries
	actions      *queue[*kassa.Action] // after-sale actions left pending
	mailer       mailer                // order e-mails
	hooks        *queue[*kassa.WebhookDelivery]

	onSettled func(*kassa.Callback) // see WithSettled; nil for none

	id      string     // names this engine in the sweeper's turn (SweepTurns)
	mu      sync.Mutex // guards the sweeper fields
	stopSwp context.CancelFunc
	swpDone chan struct{}
}

// Defaults.
const (
	defaultHold          = 120 * time.Minute
	defaultShippingFee   = kassa.Money(4900)
	defaultFreeShipping  = kassa.Money(50000)
	defaultSweepInterval = 5 * time.Second
)

// New checks cfg, fills in defaults, applies opts and returns an Engine.
// Call Start to run the callback workers and the sweeper.
func New(cfg Config, opts ...Option) (*Engine, error) {
	err := cfg.check()
	if err != nil {
		return nil, err
	}
	cfg.defaults()
	base, _ := url.Parse(cfg.BaseURL)
	e := &Engine{
		cfg: cfg, store: cfg.Store, bank: cfg.Bank, log: cfg.Logger,
		metrics: cfg.Metrics, now: cfg.Now, base: base, id: rand.Text(),
	}
	for _, opt := range opts {
		opt(e)
	}
	e.breaker = newBreaker(cfg, e)
	e.metrics.watch(cfg.Store)
	e.methods.ttl = cfg.MethodsTTL
	e.inbox, e.actions = e.newInbox(), e.newActionQueue()
	if e.mailer.render, err = mail.NewRenderer(); err != nil {
		return nil, fmt.Errorf("checkout.New: %w", err)
	}
	e.mailer.queue = e.newMailQueue()
	e.hooks = e.newWebhookQueue()
	e.store = webhookStore{Store: cfg.Store, e: e}
	return e, nil
}

func (c *Config) check() error {
	var missing []string
	for name, ok := range map[string]bool{
		"Store": c.Store != nil, "Bank": c.Bank != nil, "StoreID": c.StoreID != "",
		"BaseURL": c.BaseURL != "",
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("checkout.New: missing %s", strings.Join(missing, ", "))
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" || strings.HasSuffix(c.BaseURL, "/") {
		return fmt.Errorf("checkout.New: BaseURL %q must be absolute, without a trailing slash", c.BaseURL)
	}
	return nil
}

func (c *Config) defaults() {
	setDefault(&c.Hold, defaultHold)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	setDefault(&c.Country, "SE")
	if cc, err := kassa.CountryOf(c.Country); err == nil {
		setDefault(&c.Currency, cc.Currency)
	}
	setDefault(&c.Currency, "SEK")
	setDefault(&c.ShippingFee, defaultShippingFee)
	setDefault(&c.ShippingVATRate, 2500)
	setDefault(&c.FreeShippingFrom, defaultFreeShipping)
	if len(c.ShippingOptions) == 0 {
		c.ShippingOptions = []ShippingOption{{ID: "standard", Name: "Shipping", Price: c.ShippingFee, VATRate: c.ShippingVATRate}}
	}
	setDefault(&c.SweepInterval, defaultSweepInterval)
	setDefault(&c.SweepBatch, 100)
	setDefault(&c.SweepConcurrency, 4)
	setDefault(&c.ExpiryGrace, 5*time.Minute)
	setDefault(&c.OnHoldMaxAge, 30*24*time.Hour)
	setDefault(&c.Workers, 16)
	setDefault(&c.CallbackAttempts, 12)
	setDefault(&c.CallbackPoll, time.Second)
	setDefault(&c.ActionPoll, time.Second)
	setDefault(&c.ActionRetryDelay, defaultActionDelay)
	setDefault(&c.ActionAttempts, defaultActionAttempts)
	setDefault(&c.MethodsTTL, time.Minute)
	setDefault(&c.MailAttempts, defaultMailAttempts)
	setDefault(&c.MailPoll, time.Second)
	setDefault(&c.WebhookPoll, time.Second)
	setDefault(&c.WebhookRetryFor, 72*time.Hour)
	setDefault(&c.WebhookDisableAfter, 72*time.Hour)
	if c.WebhookClient == nil {
		c.WebhookClient = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	setDefault(&c.ReadTimeout, defaultReadTimeout)
	setDefault(&c.CreateTimeout, defaultCreateTimeout)
	setDefault(&c.SearchTimeout, defaultSearchTimeout)
	setDefault(&c.PlaceTimeout, defaultPlaceTimeout)
	setDefault(&c.BreakerFailures, 5)
	setDefault(&c.BreakerOpen, 30*time.Second)
}

// setDefault sets *p to def when *p is the zero value.
func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Start starts the callback workers, the after-sale action workers, the
// mail workers (with a Mailer) and the sweeper loop. It returns once they
// run; Stop ends them. ctx is not kept: the work runs until Stop.
func (e *Engine) Start(context.Context) error {
	e.inbox.start()
	e.actions.start()
	if e.cfg.Mailer != nil {
		e.mailer.queue.start()
	}
	e.hooks.start()
	e.startSweeper()
	return nil
}

// Stop stops the sweeper and the workers gracefully: callbacks and actions
// queued in this process finish, entries due later stay in the database
// for the next Start. When ctx ends first, running work is cancelled (its
// entries are claimed again when their lease ends).
func (e *Engine) Stop(ctx context.Context) error {
	e.stopSweeper()
	if err := errors.Join(e.inbox.shutdown(ctx), e.actions.shutdown(ctx), e.mailer.queue.shutdown(ctx), e.hooks.shutdown(ctx)); err != nil {
		return fmt.Errorf("checkout.Stop: %w", err)
	}
	return nil
}
