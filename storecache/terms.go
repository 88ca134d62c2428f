package storecache

import (
	"sync"

	"github.com/kassa-dev/kassa"
)

// The terms cache. Every order reads the terms of each of its products
// (name, price, VAT rate) to price its lines, and on SQLite each read took
// the write connection. Terms change only through PutProduct and
// UpdateProducts, one statement of the SQL store
// (TestOnlyPutProductWritesTerms); the stock, which
// every order changes, is not kept (ProductTerms does not return it, and
// CreateOrder reserves stock in its own transaction). The rules:
//
//   - A product being put is not served, and a put drops its entry when
//     it ends, whether it failed or not.
//   - A read fills the cache only if no put began or ended and nothing
//     was cleared since the read began (a generation counter), so a read
//     overtaken by a put never leaves the old terms behind.
//   - Another connection's commit clears the terms with the orders (the
//     order cache's check of the Changes report, which calls clear), and
//     terms are served only while that report is fresh (orderCache.fresh).
//
// kassa bench: the two product reads of a journey were the largest cost
// of placing an order outside the bank call (docs/performance.md, sixth
// session).
type termsCache struct {
	mu      sync.Mutex
	m       map[string]kassa.Product // Stock is 0
	gen     uint64                   // bumped when a put begins or ends and on clear
	putting int                      // puts in flight
}

// maxTerms bounds the cache; a larger catalog is cleared and refilled.
const maxTerms = 10000

func newTermsCache() *termsCache {
	return &termsCache{m: make(map[string]kassa.Product)}
}

// get returns the terms of sku when cached and no put is in flight.
func (c *termsCache) get(sku string) (kassa.Product, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.putting > 0 {
		return kassa.Product{}, false
	}
	p, ok := c.m[sku]
	return p, ok
}

// mark returns the point a read begins at, for fill.
func (c *termsCache) mark() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// fill keeps p, read since point since, unless a put or a clear came since
// or a put is in flight.
func (c *termsCache) fill(p kassa.Product, since uint64) {
	p.Stock = 0
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != since || c.putting > 0 {
		return
	}
	if len(c.m) >= maxTerms {
		c.m = make(map[string]kassa.Product)
	}
	c.m[p.SKU] = p
}

// putBegins marks a put of some product as in flight.
func (c *termsCache) putBegins() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putting++
	c.gen++
}

// putEnded ends a put of the products skus and drops their entries.
func (c *termsCache) putEnded(skus ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putting--
	c.gen++
	for _, sku := range skus {
		delete(c.m, sku)
	}
}

// clear drops every entry.
func (c *termsCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = make(map[string]kassa.Product)
	c.gen++
}
