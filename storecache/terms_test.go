package storecache

import (
	"context"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// price returns the price ProductTerms answers for sku.
func price(t *testing.T, db *Store, sku string) kassa.Money {
	t.Helper()
	p, err := db.ProductTerms(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	if p.Stock != 0 {
		t.Fatalf("ProductTerms(%s) answered stock %d, want 0", sku, p.Stock)
	}
	return p.Price
}

// TestTermsCacheServesAndPutDrops: terms read once are served from memory
// (the database is changed behind the cache's back to prove it), and a
// put through the store replaces them.
func TestTermsCacheServesAndPutDrops(t *testing.T) {
	db := openCached(t) // product A at 1000
	ctx := context.Background()
	if got := price(t, db, "A"); got != 1000 {
		t.Fatalf("price = %d, want 1000", got)
	}
	// Behind the cache's back: the store itself, not the wrapper.
	if err := db.Store.PutProduct(ctx, kassa.Product{SKU: "A", Name: "A", Price: 1, VATRate: 2500, Stock: 10}); err != nil {
		t.Fatal(err)
	}
	if got := price(t, db, "A"); got != 1000 {
		t.Fatalf("second read answered %d, want the cached 1000", got)
	}
	if err := db.PutProduct(ctx, kassa.Product{SKU: "A", Name: "A", Price: 2000, VATRate: 2500, Stock: 10}); err != nil {
		t.Fatal(err)
	}
	if got := price(t, db, "A"); got != 2000 {
		t.Fatalf("after PutProduct the price is %d, want 2000", got)
	}
	// A refused put drops the entry too; the next read fills it again.
	if _, ok := db.terms.get("A"); !ok {
		t.Fatal("the terms read after the put are not cached")
	}
	if err := db.PutProduct(ctx, kassa.Product{SKU: "A", Name: "", Price: 3000}); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("invalid put: %v, want EINVALID", err)
	}
	if _, ok := db.terms.get("A"); ok {
		t.Fatal("a refused put left the entry cached")
	}
	if got := price(t, db, "A"); got != 2000 {
		t.Fatalf("after a refused put the price is %d, want 2000", got)
	}
}

// TestTermsCacheReadOvertakenByPut: a read that began before a put began
// or ended, or that ran while one was in flight, fills nothing.
func TestTermsCacheReadOvertakenByPut(t *testing.T) {
	c := newTermsCache()
	old := kassa.Product{SKU: "A", Name: "old", Price: 1}
	since := c.mark()
	c.putBegins()
	c.putEnded("A")
	c.fill(old, since)
	if _, ok := c.get("A"); ok {
		t.Fatal("a read overtaken by a whole put filled the cache")
	}
	since = c.mark()
	c.putBegins()
	c.fill(old, since)
	c.putEnded("A")
	if _, ok := c.get("A"); ok {
		t.Fatal("a read overtaken by a put's beginning filled the cache")
	}
	c.putBegins()
	since = c.mark()
	c.fill(old, since)
	if _, ok := c.get("A"); ok {
		t.Fatal("a read during a put filled the cache")
	}
	c.putEnded("A")
	since = c.mark()
	c.fill(old, since)
	c.putBegins()
	if _, ok := c.get("A"); ok {
		t.Fatal("terms served while a put is in flight")
	}
	c.putEnded("B")
	if p, ok := c.get("A"); !ok || p.Name != "old" {
		t.Fatalf("after a put of another product: %+v, %v; want A's terms", p, ok)
	}
}

// TestTermsCacheSeesOtherProcess: another connection's put is seen after
// the shop's next group commit, or a cacheFresh after its last one.
func TestTermsCacheSeesOtherProcess(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	shop, other := openTwice(t, &now)
	warmCache(t, shop)
	put := func(p kassa.Money) {
		t.Helper()
		if err := other.PutProduct(ctx, kassa.Product{SKU: "A", Name: "A", Price: p, VATRate: 2500, Stock: 10}); err != nil {
			t.Fatal(err)
		}
	}

	price(t, shop, "A")
	put(1500)
	if got := price(t, shop, "A"); got != 1000 {
		t.Fatalf("before any check the shop read %d; this test wants to see the cached terms first", got)
	}
	groupCommit(t, shop)
	if got := price(t, shop, "A"); got != 1500 {
		t.Fatalf("after the shop's next group commit it read %d, want the other connection's 1500", got)
	}

	put(1700) // while the shop is idle
	if got := price(t, shop, "A"); got != 1500 {
		t.Fatalf("within cacheFresh of the last check the shop read %d; this test wants the cached terms first", got)
	}
	shop.orders.mu.Lock() // now is read under mu
	now = now.Add(cacheFresh)
	shop.orders.mu.Unlock()
	if got := price(t, shop, "A"); got != 1700 {
		t.Fatalf("a cacheFresh after the last check the shop read %d, want the database's 1700", got)
	}
}
