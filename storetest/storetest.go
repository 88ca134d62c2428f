// Package storetest is the behavioural contract of kassa.Store as one
// conformance suite, organised by the store's roles. Every store runs it:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) kassa.Store { return mustOpen(t) })
//	}
//
// A store or wrapper that implements only some roles runs their suites:
// TestCatalog, TestOrders, TestInbox, TestActions, TestSettings, TestDiscounts,
// TestAnswers, TestSessions, TestCheckoutStates, TestMails, TestAPIKeys, TestWebhooks and TestLimits (Run runs
// them all). open must return an empty store and arrange its closing with
// t.Cleanup. Each subtest opens its own store. Bench is the same for the store
// benchmarks, each a sub-benchmark with a store of its own.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kassa-dev/kassa"
)

// Opener returns a new, empty store for one subtest, seen as S: the
// roles a suite holds it to.
type Opener[S any] func(t *testing.T) S

// Orders is what TestOrders holds a store to: the orders, with the
// catalog whose stock they reserve.
type Orders interface {
	kassa.Catalog
	kassa.Orders
}

// Inbox is what TestInbox holds a store to: the callback inbox, with the
// orders its entries belong to and whose writes settle them (kassa.Tx).
type Inbox interface {
	Orders
	kassa.Inbox
}

// Actions is what TestActions holds a store to: the after-sale actions,
// with the orders they belong to.
type Actions interface {
	Orders
	kassa.Actions
}

// test is one subtest of a suite.
type test[S any] struct {
	name string
	fn   func(t *testing.T, s S)
}

// run runs tests, each against a store of its own.
func run[S any](t *testing.T, open Opener[S], tests []test[S]) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// Run runs the suite of every role against the stores open returns.
func Run(t *testing.T, open Opener[kassa.Store]) {
	t.Run("Catalog", func(t *testing.T) { TestCatalog(t, func(t *testing.T) kassa.Catalog { return open(t) }) })
	t.Run("Orders", func(t *testing.T) { TestOrders(t, func(t *testing.T) Orders { return open(t) }) })
	t.Run("Inbox", func(t *testing.T) { TestInbox(t, func(t *testing.T) Inbox { return open(t) }) })
	t.Run("Actions", func(t *testing.T) { TestActions(t, func(t *testing.T) Actions { return open(t) }) })
	t.Run("Settings", func(t *testing.T) { TestSettings(t, func(t *testing.T) kassa.Settings { return open(t) }) })
	t.Run("Discounts", func(t *testing.T) { TestDiscounts(t, func(t *testing.T) Discounts { return open(t) }) })
	t.Run("Answers", func(t *testing.T) { TestAnswers(t, func(t *testing.T) kassa.Answers { return open(t) }) })
	t.Run("Sessions", func(t *testing.T) { TestSessions(t, func(t *testing.T) kassa.Sessions { return open(t) }) })
	t.Run("CheckoutStates", func(t *testing.T) {
		TestCheckoutStates(t, func(t *testing.T) kassa.CheckoutStates { return open(t) })
	})
	t.Run("Mails", func(t *testing.T) { TestMails(t, func(t *testing.T) Mails { return open(t) }) })
	t.Run("APIKeys", func(t *testing.T) { TestAPIKeys(t, func(t *testing.T) kassa.APIKeys { return open(t) }) })
	t.Run("Webhooks", func(t *testing.T) { TestWebhooks(t, func(t *testing.T) Webhooks { return open(t) }) })
	t.Run("Limits", func(t *testing.T) { TestLimits(t, func(t *testing.T) kassa.Limits { return open(t) }) })
}

// TestCatalog holds the stores open returns to kassa.Catalog.
func TestCatalog(t *testing.T, open Opener[kassa.Catalog]) {
	run(t, open, []test[kassa.Catalog]{
		{"Products", testProducts},
		{"ProductInvalid", testProductInvalid},
		{"UpdateProducts", testUpdateProducts},
		{"UpdateProductsAllOrNothing", testUpdateProductsAllOrNothing},
	})
}

// TestOrders holds the stores open returns to kassa.Orders.
func TestOrders(t *testing.T, open Opener[Orders]) {
	run(t, open, []test[Orders]{
		{"CreateOrder", testCreateOrder},
		{"CreateOrderShortStock", testCreateOrderShortStock},
		{"CreateOrderUnknownSKU", testCreateOrderUnknownSKU},
		{"CreateOrderInvalid", testCreateOrderInvalid},
		{"OrderNumbers", testOrderNumbers},
		{"OrderNotFound", testOrderNotFound},
		{"OrderByPaymentID", testOrderByPaymentID},
		{"OrderRef", testOrderRef},
		{"OrderLinesRoundTrip", testOrderLinesRoundTrip},
		{"Orders", testOrders},
		{"OrdersSearch", testOrdersSearch},
		{"OrdersSearchWords", testOrdersSearchWords},
		{"OrdersSearchEmail", testOrdersSearchEmail},
		{"OrdersCountCap", testOrdersCountCap},
		{"OrderCounts", testOrderCounts},
		{"UpdateOrder", testUpdateOrder},
		{"UpdateOrderStale", testUpdateOrderStale},
		{"UpdateOrderReleasesStockOnce", testReleaseOnce},
		{"UpdateOrderConcurrent", testUpdateConcurrent},
		{"Events", testEvents},
		{"DueOrders", testDueOrders},
		{"AddEventTxFunc", testAddEventTxFunc},
		{"ConcurrentCreateOrder", testConcurrentCreate},
		{"EditsDuringOrders", testEditsDuringOrders},
		{"ReplaceOrderLines", testReplaceOrderLines},
		{"ClientHolds", testClientHolds},
		{"CreateOrderEmptyClientKey", testCreateOrderEmptyClientKey},
		{"HostedOrder", testHostedOrder},
		{"UpdateOrderCustomer", testUpdateOrderCustomer},
	})
}

// TestInbox holds the stores open returns to kassa.Inbox, and to
// kassa.Tx in the TxFuncs of their writes.
func TestInbox(t *testing.T, open Opener[Inbox]) {
	run(t, open, []test[Inbox]{
		{"Callbacks", testCallbacks},
		{"CallbacksList", testCallbacksList},
		{"CallbackConcurrentDuplicates", testCallbackConcurrent},
		{"CallbackNextAttemptAt", testCallbackNextAttempt},
		{"TxUpdateCallbackInUpdateOrder", testTxUpdateCallbackUpdateOrder},
		{"TxUpdateCallbackInAddEvent", testTxUpdateCallbackAddEvent},
		{"TxUpdateCallbackInCreateOrder", testTxUpdateCallbackCreateOrder},
		{"ClaimCallbacks", testClaimCallbacks},
		{"ClaimCallbacksConcurrent", testClaimCallbacksConcurrent},
		{"TxFuncSeesWrites", testTxFuncSeesWrites},
		{"TxFuncRollsBack", testTxFuncRollback},
	})
}

// TestActions holds the stores open returns to kassa.Actions.
func TestActions(t *testing.T, open Opener[Actions]) {
	run(t, open, []test[Actions]{
		{"CreateAction", testCreateAction},
		{"CreateActionRefused", testCreateActionRefused},
		{"CreateActionConcurrent", testCreateActionConcurrent},
		{"CreateActionGuarded", testCreateActionGuarded},
		{"CreateActionGuardedConcurrent", testCreateActionGuardedConcurrent},
		{"UpdateAction", testUpdateAction},
		{"ActionsList", testActionsList},
		{"ClaimActions", testClaimActions},
		{"ClaimActionsConcurrent", testClaimActionsConcurrent},
	})
}

// TestSettings holds the stores open returns to kassa.Settings.
func TestSettings(t *testing.T, open Opener[kassa.Settings]) {
	run(t, open, []test[kassa.Settings]{{"Settings", testSettings},
		{"SwapSetting", testSwapSetting}, {"SwapSettingConcurrent", testSwapSettingConcurrent}})
}

// TestAnswers holds the stores open returns to kassa.Answers.
func TestAnswers(t *testing.T, open Opener[kassa.Answers]) {
	run(t, open, []test[kassa.Answers]{{"Answers", testAnswers}})
}

// TestSessions holds the stores open returns to kassa.Sessions.
func TestSessions(t *testing.T, open Opener[kassa.Sessions]) {
	run(t, open, []test[kassa.Sessions]{
		{"Sessions", testSessions},
		{"SessionsExpire", testSessionsExpire},
		{"DeleteSessions", testDeleteSessions},
		{"SessionInvalid", testSessionInvalid},
	})
}

// TestCheckoutStates holds the stores open returns to kassa.CheckoutStates.
func TestCheckoutStates(t *testing.T, open Opener[kassa.CheckoutStates]) {
	run(t, open, []test[kassa.CheckoutStates]{
		{"CheckoutStates", testCheckoutStates},
		{"PurgeCheckoutStates", testPurgeCheckoutStates},
	})
}

// ctx is the context of every store call.
var ctx = context.Background()

// errHook is what failing TxFuncs return.
var errHook = errors.New("hook failed")

// at is a fixed instant at the millisecond precision stores keep.
var at = time.Date(2026, 3, 14, 9, 26, 53, 589_000_000, time.UTC)

// wantCode fails t unless err carries the kassa error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := kassa.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// must fails t on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// put stores products.
func put(t *testing.T, s kassa.Catalog, ps ...kassa.Product) {
	t.Helper()
	for _, p := range ps {
		must(t, s.PutProduct(ctx, p))
	}
}

// product returns a valid product with the given SKU and stock.
func product(sku string, stock int64) kassa.Product {
	return kassa.Product{SKU: sku, Name: "Product " + sku, Description: "About " + sku,
		Price: 12345, VATRate: 2500, Stock: stock}
}

// stock returns the stock of sku.
func stock(t *testing.T, s kassa.Catalog, sku string) int64 {
	t.Helper()
	p, err := s.Product(ctx, sku)
	must(t, err)
	return p.Stock
}

// line returns a product line of qty units of sku at 100.00 with 25 % VAT.
func line(pos int, sku string, qty int64) kassa.Line {
	total := kassa.Money(10000 * qty)
	return kassa.Line{Position: pos, Type: kassa.LineProduct, SKU: sku, Description: "Line " + sku,
		Quantity: qty, UnitPrice: 10000, VATRate: 2500, Total: total, VATAmount: kassa.VATPart(total, 2500)}
}

// shipping is a line without SKU; it reserves nothing.
var shipping = kassa.Line{Position: 99, Type: kassa.LineShipping, Description: "Postnord", Quantity: 1,
	UnitPrice: 4900, VATRate: 2500, Total: 4900, VATAmount: 980}

// order returns a new pending order for the customer n with lines.
func order(n int, lines ...kassa.Line) *kassa.Order {
	o := &kassa.Order{
		Key:           fmt.Sprintf("key-%d", n),
		CallbackToken: fmt.Sprintf("token-%d", n),
		Status:        kassa.StatusPending,
		Currency:      "SEK",
		Lines:         lines,
		Customer: kassa.Customer{
			Type: kassa.CustomerNatural, GovernmentID: "198305147715",
			Email: fmt.Sprintf("kund%d@example.se", n), Phone: "+46701234567",
			Address: kassa.Address{FirstName: "Åsa", LastName: fmt.Sprintf("Öberg%d", n),
				AddressRow1: "Storgatan 1", PostalCode: "11122", PostalArea: "Stockholm", CountryCode: "SE"},
		},
		PaymentMethodID: "pm-invoice",
		ExpiresAt:       at.Add(time.Hour),
		Lang:            "sv",
	}
	for _, l := range lines {
		o.Total += l.Total
		o.VATTotal += l.VATAmount
	}
	return o
}

// create stores o with a creation event and fails t on error.
func create(t *testing.T, s kassa.Orders, o *kassa.Order) *kassa.Order {
	t.Helper()
	must(t, s.CreateOrder(ctx, o, kassa.Event{At: at, Source: kassa.SourceCheckout, To: kassa.StatusPending,
		Applied: true, Note: "order placed"}, nil))
	return o
}

// get reads order id and fails t on error.
func get(t *testing.T, s kassa.Orders, id int64) *kassa.Order {
	t.Helper()
	o, err := s.Order(ctx, id)
	must(t, err)
	return o
}

// countOrders returns how many orders s holds.
func countOrders(t *testing.T, s kassa.Orders) int {
	t.Helper()
	_, n, err := s.Orders(ctx, kassa.OrderFilter{})
	must(t, err)
	return n
}

// diff compares ignoring the difference between nil and empty slices.
func diff(want, got any) string { return cmp.Diff(want, got, cmpopts.EquateEmpty()) }

// within reports whether t lies within a minute of now (stores stamp
// times from their own clock).
func within(t time.Time) bool { return time.Since(t).Abs() < time.Minute }

// contains fails t unless err's text contains s.
func contains(t *testing.T, err error, s string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), s) {
		t.Fatalf("error %v does not mention %q", err, s)
	}
}
