package checkout_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storecache"
)

// t0 is the start of every test clock.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// Personas (docs/mapi.md §Test personas).
const (
	govAccepted         = "198305147715"
	govRejected         = "197211072793"
	govFrozen           = "198209123705"
	govFrozenAccepted   = "198001010001"
	govFrozenRejected   = "197801069241"
	govInspectAccepted  = "199105149612"
	govInspectRejected  = "199111282399"
	initialTeeStock     = 1000
	initialBookStock    = 1000
	initialMugStock     = 3
	teePrice            = kassa.Money(19900)
	defaultShippingPaid = kassa.Money(4900)
)

// env is one shop: a SQLite (or PostgreSQL) store, an engine, the simulator
// behind httptest and a shop server that routes callbacks to the engine.
type env struct {
	t      testing.TB
	ctx    context.Context
	clock  *mapisim.ManualClock
	sim    *mapisim.Sim
	simSrv *httptest.Server
	shop   *httptest.Server
	bank   *mapi.Client
	db     testDB
	eng    *checkout.Engine
	cur    atomic.Pointer[checkout.Engine] // the engine the shop server calls
	dsn    string
	opts   envOptions
}

// testDB is a store of either kind.
type testDB = kassa.Store

type envOptions struct {
	dsn         string                 // SQLite file; "" = :memory:; with postgres, the URL of a schema
	postgres    bool                   // PostgreSQL at dsn (see pgSchema) instead of SQLite
	noStart     bool                   // no workers run; stored entries stay queued
	bankTimeout time.Duration          // mapi client timeout; default 2s
	bankVia     http.RoundTripper      // transport of the engine's mapi client; default http.DefaultTransport
	config      func(*checkout.Config) // adjust the engine config
	engineOpts  []checkout.Option      // options of checkout.New
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), clock: mapisim.NewManualClock(t0), opts: o, dsn: o.dsn}
	if e.dsn == "" {
		e.dsn = ":memory:"
	}
	e.sim = mapisim.New(mapisim.Options{Clock: e.clock, Seed: 1})
	e.simSrv = httptest.NewServer(e.sim)
	e.shop = httptest.NewServer(http.HandlerFunc(e.serveCallback))
	t.Cleanup(func() {
		e.sim.Close()
		e.simSrv.Close()
		e.shop.Close()
	})
	timeout := o.bankTimeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	var hc *http.Client
	if o.bankVia != nil {
		hc = &http.Client{Transport: o.bankVia}
	}
	e.bank = mapi.New(mapi.Config{BaseURL: e.simSrv.URL, ClientID: mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret, Timeout: timeout, MaxRetries: -1, HTTPClient: hc})
	e.openStore()
	e.seed()
	e.startEngine()
	return e
}

func (e *env) openStore() {
	if e.opts.postgres {
		db, err := postgres.Open(e.ctx, e.dsn, postgres.WithClock(e.clock.Now))
		if err != nil {
			e.t.Fatalf("open store: %v", err)
		}
		e.db = db
	} else {
		db, err := sqlite.Open(e.ctx, e.dsn, sqlite.WithClock(e.clock.Now))
		if err != nil {
			e.t.Fatalf("open store: %v", err)
		}
		e.db = storecache.Wrap(db, db) // as kassa serve runs SQLite
	}
	db := e.db
	e.t.Cleanup(func() { db.Close() })
}

func (e *env) seed() {
	for _, p := range []kassa.Product{
		{SKU: "TEE", Name: "T-shirt", Price: teePrice, VATRate: 2500, Stock: initialTeeStock},
		{SKU: "BOOK", Name: "Cookbook", Price: 24900, VATRate: 600, Stock: initialBookStock},
		{SKU: "MUG", Name: "Mug", Price: 12900, VATRate: 2500, Stock: initialMugStock},
	} {
		if err := e.db.PutProduct(e.ctx, p); err != nil {
			e.t.Fatalf("seed: %v", err)
		}
	}
}

// startEngine makes a new engine on the current store and starts it
// (unless noStart).
func (e *env) startEngine() {
	cfg := checkout.Config{
		Store: e.db, Bank: e.bank, StoreID: mapisim.DefaultStoreID, BaseURL: e.shop.URL,
		Now: e.clock.Now, SweepConcurrency: 8,
		ActionPoll: 20 * time.Millisecond, CallbackPoll: 20 * time.Millisecond,
		// Tests sweep with SweepOnce; a background pass on a real ticker
		// would race them. A test of the loop sets its own interval.
		SweepInterval: time.Hour,
	}
	if e.opts.config != nil {
		e.opts.config(&cfg)
	}
	eng, err := checkout.New(cfg, e.opts.engineOpts...)
	if err != nil {
		e.t.Fatalf("checkout.New: %v", err)
	}
	if !e.opts.noStart {
		if err := eng.Start(e.ctx); err != nil {
			e.t.Fatalf("start engine: %v", err)
		}
	}
	e.eng = eng
	e.cur.Store(eng)
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		if err := eng.Stop(ctx); err != nil {
			e.t.Errorf("Stop: %v", err)
		}
		if d := time.Since(start); d > time.Second {
			e.t.Logf("Stop took %v", d)
		}
	})
}

// serveCallback is the shop's callback endpoint, answering as web does.
func (e *env) serveCallback(w http.ResponseWriter, r *http.Request) {
	var kind kassa.CallbackKind
	switch r.URL.Path {
	case "/callbacks/resurs/authorization":
		kind = kassa.CallbackAuthorization
	case "/callbacks/resurs/management":
		kind = kassa.CallbackManagement
	default:
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, checkout.MaxCallbackBody))
	if err != nil {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	err = e.cur.Load().ReceiveCallback(r.Context(), kind, r.URL.Query().Get("t"), body)
	switch kassa.ErrorCode(err) {
	case "":
		w.WriteHeader(http.StatusAccepted)
	case kassa.EINVALID:
		w.WriteHeader(http.StatusBadRequest)
	case kassa.EUNAUTHORIZED:
		w.WriteHeader(http.StatusForbidden)
	default:
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

// customer returns a valid Swedish private customer with government id gov.
func customer(gov string) kassa.Customer {
	return kassa.Customer{Type: kassa.CustomerNatural, GovernmentID: gov, Email: "anna@example.com",
		Phone: "+46701234567", Address: kassa.Address{FirstName: "Anna", LastName: "Andersson",
			AddressRow1: "Storgatan 1", PostalCode: "123 45", PostalArea: "Stockholm", CountryCode: "SE"}}
}

func orderRequest(gov string) kassa.OrderRequest {
	return kassa.OrderRequest{Lines: []kassa.LineRequest{{SKU: "TEE", Quantity: 1}},
		PaymentMethodID: mapisim.MethodInvoice, Customer: customer(gov),
		ClientIP: "127.0.0.1", UserAgent: "test"}
}

// place places an order for one T-shirt and fails the test on error.
func (e *env) place(gov string) (*kassa.Order, string) {
	e.t.Helper()
	return e.placeIn(gov, "")
}

// placeIn is place for a customer who shops in language lang ("" for
// the store country's).
func (e *env) placeIn(gov, lang string) (*kassa.Order, string) {
	e.t.Helper()
	req := orderRequest(gov)
	req.Lang = lang
	o, redirect, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	if err != nil {
		e.t.Fatalf("PlaceOrder: %v", err)
	}
	if o.PaymentID == "" {
		e.t.Fatalf("PlaceOrder: no payment id stored")
	}
	return o, redirect
}

// sign makes the customer's decision at the simulator and waits until
// the callbacks it caused are delivered and processed.
func (e *env) sign(o *kassa.Order, d mapisim.Decision) string {
	e.t.Helper()
	redirect, err := e.sim.Sign(o.PaymentID, d)
	if err != nil {
		e.t.Fatalf("Sign: %v", err)
	}
	e.settle()
	return redirect
}

// advance moves the clock and lets callbacks settle.
func (e *env) advance(d time.Duration) {
	e.clock.Advance(d)
	e.settle()
}

// settle waits until the simulator delivered its callbacks and the
// engine's workers processed every inbox entry.
func (e *env) settle() {
	e.t.Helper()
	e.sim.Flush()
	e.waitFor("callbacks processed", func() bool {
		cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{State: kassa.CallbackReceived, Limit: 1})
		return err == nil && len(cbs) == 0
	})
}

// drain is settle for entries that fail and wait for a retry: it moves
// the clock past the longest backoff until no entry is left received.
func (e *env) drain() {
	e.t.Helper()
	e.sim.Flush()
	e.waitFor("callbacks processed, with retries", func() bool {
		cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{State: kassa.CallbackReceived, Limit: 1})
		if err == nil && len(cbs) > 0 && cbs[0].NextAttemptAt.Before(e.clock.Now().Add(callbackBackoffMax)) {
			e.clock.Advance(callbackBackoffMax)
		}
		return err == nil && len(cbs) == 0
	})
}

// waitFor polls cond until it holds; the engine's workers run on real time.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (e *env) order(id int64) *kassa.Order {
	e.t.Helper()
	o, err := e.db.Order(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Order(%d): %v", id, err)
	}
	return o
}

func (e *env) events(id int64) []kassa.Event {
	e.t.Helper()
	evs, err := e.db.Events(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Events(%d): %v", id, err)
	}
	return evs
}

func (e *env) stock(sku string) int64 {
	e.t.Helper()
	p, err := e.db.Product(e.ctx, sku)
	if err != nil {
		e.t.Fatalf("Product(%s): %v", sku, err)
	}
	return p.Stock
}

func (e *env) wantStatus(id int64, want kassa.Status) *kassa.Order {
	e.t.Helper()
	o := e.order(id)
	if o.Status != want {
		e.t.Fatalf("order %d status = %s, want %s; events:\n%s", id, o.Status, want, eventsText(e.events(id)))
	}
	return o
}

func eventsText(evs []kassa.Event) string {
	var s string
	for _, ev := range evs {
		s += string(ev.Source) + " " + string(ev.From) + "→" + string(ev.To) + " applied=" +
			map[bool]string{true: "yes", false: "no"}[ev.Applied] + " " + ev.PaymentStatus + " " + ev.Note + "\n"
	}
	return s
}

// applied returns the applied events of evs.
func applied(evs []kassa.Event) []kassa.Event {
	var out []kassa.Event
	for _, ev := range evs {
		if ev.Applied {
			out = append(out, ev)
		}
	}
	return out
}

func errCode(err error) string { return kassa.ErrorCode(err) }

func isCode(err error, code string) bool {
	var ke *kassa.Error
	return errors.As(err, &ke) && ke.Code == code
}

// snapshot is what a payment at the bank says, for comparing the order
// status with the bank's truth.
func snapshot(p mapi.Payment) kassa.PaymentSnapshot {
	s := kassa.PaymentSnapshot{Status: string(p.Status),
		Authorized: kassa.Money(p.Order.AuthorizedAmount), Captured: kassa.Money(p.Order.CapturedAmount),
		Refunded: kassa.Money(p.Order.RefundedAmount), Canceled: kassa.Money(p.Order.CanceledAmount)}
	if p.RejectedReason != nil {
		s.RejectedCategory = string(p.RejectedReason.Category)
	}
	return s
}

// tokenOf returns the t parameter of a callback URL.
func tokenOf(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("t")
}

func asError(err error, target **kassa.Error) bool { return errors.As(err, target) }
