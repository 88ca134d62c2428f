package storecache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
)

// cacheOrder returns a new order of two units of SKU A, with times that
// are neither UTC nor whole milliseconds (the store keeps both as UTC
// milliseconds).
func cacheOrder(n int64) *kassa.Order {
	zone := time.FixedZone("CET", 3600)
	l := kassa.Line{Position: 1, Type: kassa.LineProduct, SKU: "A", Description: "A", Quantity: 2,
		UnitPrice: 1000, VATRate: 2500, Total: 2000, VATAmount: 400}
	return &kassa.Order{Key: "key", CallbackToken: "token", Status: kassa.StatusPending, Currency: "SEK",
		Lines: []kassa.Line{l}, Total: 2000, VATTotal: 400, PaymentMethodID: "card",
		Customer: kassa.Customer{Type: kassa.CustomerNatural, Email: "a@example.se", Phone: "+46701234567",
			Address: kassa.Address{FirstName: "Åsa", LastName: "Öberg", CountryCode: "SE"}},
		ExpiresAt:  time.Date(2026, 11, 27, 12, 0, 0, 123456789, zone).Add(time.Duration(n) * time.Second),
		NextSyncAt: time.Date(2026, 11, 27, 12, 1, 0, 987654321, zone),
	}
}

// openSQLite opens a SQLite store on a file in a temporary directory.
func openSQLite(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openCached opens a file store behind the cache, with product A and one
// group commit behind it: the first commit's report of Changes clears the
// cache, so an order created in it would not be cached.
func openCached(t *testing.T, opts ...Option) *Store {
	t.Helper()
	db := openSQLite(t, filepath.Join(t.TempDir(), "kassa.db"))
	s := Wrap(db, db, opts...)
	warmCache(t, s)
	return s
}

// warmCache puts product A and commits a group commit.
func warmCache(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutProduct(ctx, kassa.Product{SKU: "A", Name: "A", Price: 1000, VATRate: 2500, Stock: 10}); err != nil {
		t.Fatal(err)
	}
	groupCommit(t, s)
}

// groupCommit runs a write transaction that touches no order (it records
// an inbox entry), so that the backend reports Changes.
func groupCommit(t *testing.T, s *Store) {
	t.Helper()
	n := commits.Add(1)
	cb := &kassa.Callback{Kind: kassa.CallbackManagement, DedupKey: fmt.Sprint("commit-", n), Body: []byte("{}")}
	if _, err := s.RecordCallback(context.Background(), cb, nil); err != nil {
		t.Fatal(err)
	}
}

// commits numbers groupCommit's entries.
var commits atomic.Int64

// createOrder creates cacheOrder(n) in s.
func createOrder(t *testing.T, s *Store, n int64) *kassa.Order {
	t.Helper()
	o := cacheOrder(n)
	if err := s.CreateOrder(context.Background(), o, kassa.Event{Source: kassa.SourceCheckout, To: kassa.StatusPending}, nil); err != nil {
		t.Fatal(err)
	}
	return o
}

// cachedEqualsStored fails unless order id is in the cache and what the
// cache answers equals what the database holds.
func cachedEqualsStored(t *testing.T, db *Store, id int64) {
	t.Helper()
	cached, ok := db.orders.get(id)
	if !ok {
		t.Fatalf("order %d is not served from the cache", id)
	}
	stored, err := db.Store.Order(context.Background(), id) // the uncached read
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cached, stored) {
		t.Fatalf("cache and database differ for order %d:\ncache    %+v\ndatabase %+v", id, cached, stored)
	}
	if got, err := db.Order(context.Background(), id); err != nil || !reflect.DeepEqual(got, stored) {
		t.Fatalf("Order(%d) = %+v, %v; want %+v", id, got, err, stored)
	}
}

// TestOrderCacheMatchesDatabase follows one order through every write that
// keeps it in the cache, and after each compares the cached order with
// the row.
func TestOrderCacheMatchesDatabase(t *testing.T) {
	ctx := context.Background()
	db := openCached(t)
	o := createOrder(t, db, 1)
	cachedEqualsStored(t, db, o.ID)

	o.PaymentID, o.PaymentStatus, o.NextSyncAt = "pay-1", "TASK_REDIRECTION_REQUIRED", time.Now().Add(time.Minute)
	if err := db.UpdateOrder(ctx, o, nil, nil); err != nil {
		t.Fatal(err)
	}
	cachedEqualsStored(t, db, o.ID)

	o.Lines = append(o.Lines, kassa.Line{Position: 2, Type: kassa.LineShipping, Description: "Post", Quantity: 1,
		UnitPrice: 4900, VATRate: 2500, Total: 4900, VATAmount: 980})
	o.Total, o.VATTotal = 6900, 1380
	if err := db.ReplaceOrderLines(ctx, o, nil, nil); err != nil {
		t.Fatal(err)
	}
	cachedEqualsStored(t, db, o.ID)

	o.Status, o.StatusReason, o.NextSyncAt = kassa.StatusCancelled, "The payment was cancelled.", time.Time{}
	if err := db.UpdateOrder(ctx, o, nil, nil); err != nil { // releases the stock
		t.Fatal(err)
	}
	cachedEqualsStored(t, db, o.ID)
	if !o.StockReleased {
		t.Fatal("cancelling did not release the stock; the test no longer covers StockReleased")
	}

	stale := *o
	stale.Version--
	stale.StatusReason = "stale"
	if err := db.UpdateOrder(ctx, &stale, nil, nil); kassa.ErrorCode(err) != kassa.ECONFLICT {
		t.Fatalf("update of a stale version: %v, want ECONFLICT", err)
	}
	if _, ok := db.orders.get(o.ID); ok {
		t.Fatal("a failed write left the order in the cache; a version conflict must be resolved by a real read")
	}
	if _, err := db.Order(ctx, o.ID); err != nil { // fills it again
		t.Fatal(err)
	}
	cachedEqualsStored(t, db, o.ID)
	// A write whose outcome the cache cannot know, here one whose hook
	// fails at the current version, drops the order too.
	failing := *o
	hookErr := errors.New("hook failed")
	if err := db.UpdateOrder(ctx, &failing, nil, func(context.Context, kassa.Tx) error { return hookErr }); !errors.Is(err, hookErr) {
		t.Fatalf("update with a failing hook: %v", err)
	}
	if _, ok := db.orders.get(o.ID); ok {
		t.Fatal("a failed write left the order in the cache")
	}
	if _, err := db.Order(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	cachedEqualsStored(t, db, o.ID)
	ref, err := db.OrderRef(ctx, o.ID)
	if err != nil || ref != (kassa.OrderRef{ID: o.ID, CallbackToken: "token", PaymentID: "pay-1"}) {
		t.Fatalf("OrderRef = %+v, %v", ref, err)
	}
}

// TestOrderCacheReadOvertakenByWrite: a read that began before a write and
// fills the cache after it must not put back the version the write replaced.
func TestOrderCacheReadOvertakenByWrite(t *testing.T) {
	ctx := context.Background()
	db := openCached(t)
	o := createOrder(t, db, 1)
	db.orders.mu.Lock()
	delete(db.orders.m, o.ID) // evicted, say
	db.orders.mu.Unlock()
	since := db.orders.mark()
	old, err := db.Store.Order(ctx, o.ID) // the read begins
	if err != nil {
		t.Fatal(err)
	}
	o.PaymentID = "pay-1"
	if err := db.UpdateOrder(ctx, o, nil, nil); err != nil { // a write overtakes it
		t.Fatal(err)
	}
	db.orders.fill(old, since) // and the read ends
	if got, err := db.Order(ctx, o.ID); err != nil || got.Version != 2 || got.PaymentID != "pay-1" {
		t.Fatalf("Order after the overtaken read = version %d, payment %q, %v; want version 2, pay-1", got.Version, got.PaymentID, err)
	}
}

// TestOrderCacheNotServedDuringUpdate: from before an update is queued
// until its caller has the result, the order comes from the database. A
// reader that learned of the commit some other way (its event, a settled
// callback) must not get the version before it from the cache.
func TestOrderCacheNotServedDuringUpdate(t *testing.T) {
	ctx := context.Background()
	db := openCached(t)
	o := createOrder(t, db, 1)
	cachedEqualsStored(t, db, o.ID)
	db.orders.updating(o.ID) // what UpdateOrder does first
	o.Status = kassa.StatusProcessing
	if err := db.Store.UpdateOrder(ctx, o, nil, nil); err != nil { // committed; the caller has not returned
		t.Fatal(err)
	}
	if got, err := db.Order(ctx, o.ID); err != nil || got.Status != kassa.StatusProcessing {
		t.Fatalf("Order during the update = %+v, %v; want the committed status %s", got, err, kassa.StatusProcessing)
	}
	if _, ok := db.orders.get(o.ID); ok {
		t.Fatal("a read during the update filled the cache")
	}
	db.orders.updated(o, 1, true, false) // what UpdateOrder does last
	cachedEqualsStored(t, db, o.ID)
}

// openTwice opens two stores on one file, as two processes would: the
// shop, behind the cache with its clock at *now, and another (kassa orders
// while kassa serve runs).
func openTwice(t *testing.T, now *time.Time) (shop *Store, other *sqlite.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db := openSQLite(t, path)
	shop = Wrap(db, db, WithClock(func() time.Time { return *now }))
	return shop, openSQLite(t, path)
}

// TestOrderCacheSeesOtherProcess: a change that another connection commits
// to the file (kassa orders while kassa serve runs) is seen at this
// store's next group commit, or once the last check is cacheFresh old.
func TestOrderCacheSeesOtherProcess(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	shop, other := openTwice(t, &now)
	warmCache(t, shop)
	a, b := createOrder(t, shop, 1), createOrder(t, shop, 2)
	if err := shop.AddEvent(ctx, kassa.Event{OrderID: b.ID, Source: kassa.SourceCheckout, Note: "checked"}, nil); err != nil {
		t.Fatal(err)
	}

	change := func(id int64, reason string) {
		t.Helper()
		o, err := other.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		o.StatusReason = reason
		if err := other.UpdateOrder(ctx, o, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	reason := func(id int64) string {
		t.Helper()
		o, err := shop.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o.StatusReason
	}

	change(a.ID, "changed elsewhere")
	if got := reason(a.ID); got != "" {
		t.Fatalf("before any check the shop read %q; this test wants to see the cached order first", got)
	}
	if _, ok := shop.orders.get(b.ID); !ok {
		t.Fatal("order b is not cached; this test wants to see the next group commit drop it")
	}
	if err := shop.AddEvent(ctx, kassa.Event{OrderID: b.ID, Source: kassa.SourceCheckout, Note: "next batch"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := shop.orders.get(b.ID); ok {
		t.Fatal("the shop's next group commit after another connection's commit kept the cache")
	}
	if got := reason(a.ID); got != "changed elsewhere" {
		t.Fatalf("after the shop's next group commit it read %q, want the other connection's change", got)
	}

	if _, err := shop.Order(ctx, b.ID); err != nil { // cached; then the shop goes idle
		t.Fatal(err)
	}
	change(b.ID, "changed while the shop is idle")
	if got := reason(b.ID); got != "" {
		t.Fatalf("within cacheFresh of the last check the shop read %q; this test wants the cached order first", got)
	}
	shop.orders.mu.Lock() // now is read under mu
	now = now.Add(cacheFresh)
	shop.orders.mu.Unlock()
	if got := reason(b.ID); got != "changed while the shop is idle" {
		t.Fatalf("a cacheFresh after the last check the shop read %q, want the database's", got)
	}
}

// TestOrderCacheBounded: the cache keeps at most cachedOrders orders.
func TestOrderCacheBounded(t *testing.T) {
	c := newOrderCache()
	for id := int64(1); id <= cachedOrders+10; id++ {
		c.fill(&kassa.Order{ID: id, Version: 1}, c.mark())
	}
	if len(c.m) != cachedOrders {
		t.Fatalf("%d orders cached, want %d", len(c.m), cachedOrders)
	}
	if _, ok := c.m[1]; ok {
		t.Fatal("the oldest order was kept")
	}
	if _, ok := c.m[cachedOrders+10]; !ok {
		t.Fatal("the newest order was evicted")
	}
}

// TestOnlyCachedMethodsWriteOrders is a tripwire for the order cache's
// premise: every statement of this module that writes the orders table is
// one of those that CreateOrder, UpdateOrder, ReplaceOrderLines and
// UpdateOrderCustomer run (InsertOrderSQL, casOrderSQL, MarkReleasedSQL,
// setTotalsSQL, setCustomerSQL), or
// changes nothing (lockOrderVersionSQL, a row lock). A new one
// must keep the cache in step (order.go) before it joins this list.
func TestOnlyCachedMethodsWriteOrders(t *testing.T) {
	want := map[string]int{
		"sqlite/sqlite.go":                  2, // InsertOrderSQL, MarkReleasedSQL
		"postgres/postgres.go":              2, // the same for PostgreSQL
		"internal/sqlstore/store_order.go":  2, // casOrderSQL, setCustomerSQL
		"internal/sqlstore/store_action.go": 2, // setTotalsSQL; lockOrderVersionSQL, which changes nothing
	}
	if got := tableWrites(t, "orders"); !reflect.DeepEqual(got, want) {
		t.Fatalf("statements writing the orders table, per file: %v; want %v", got, want)
	}
}

// TestOnlyPutProductWritesTerms is the terms cache's tripwire: the only
// statement of this module that writes products other than their stock is
// PutProduct's. A new one must keep the terms cache in step (terms.go)
// before it joins this list.
func TestOnlyPutProductWritesTerms(t *testing.T) {
	want := map[string]int{
		"internal/sqlstore/store_product.go": 1, // putProductSQL
		"internal/sqlstore/store_order.go":   1, // reserveSQL: stock only
		"sqlite/sqlite.go":                   1, // ReleaseSQL: stock only
		"postgres/postgres.go":               1, // the same for PostgreSQL
	}
	if got := tableWrites(t, "products"); !reflect.DeepEqual(got, want) {
		t.Fatalf("statements writing the products table, per file: %v; want %v", got, want)
	}
}

// tableWrites counts the statements writing table in each non-test Go
// file of the module.
func tableWrites(t *testing.T, table string) map[string]int {
	t.Helper()
	writes := regexp.MustCompile(`(?i)\b(update|insert\s+into|delete\s+from)\s+` + table + `\b`)
	got := map[string]int{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if n := len(writes.FindAll(src, -1)); n > 0 {
			got[filepath.ToSlash(strings.TrimPrefix(path, "../"))] = n
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}
