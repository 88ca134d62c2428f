// Package storecache wraps a kassa.Store with caches in memory: the
// orders this process wrote or read last (order.go) and the terms of the
// products it priced (terms.go), each next to the rules that keep it equal
// to the database. Reads of one order (Order, OrderRef) and of a
// product's terms (ProductTerms) are then answered from memory; every
// other method goes to the store.
//
// The caches are right only while every write of orders and product terms
// passes through the wrapper, or is reported by the backend's Changes.
// The backend reports, at each of its commits, whether another connection
// committed since the last; entries are served only for a short time
// after such a report. SQLite offers it (PRAGMA data_version, read at
// every group commit). A PostgreSQL store does not: several instances of
// the shop may share one database, and a commit of another instance would
// not be seen, so cmd/kassa runs PostgreSQL without the cache.
package storecache

import (
	"context"
	"time"

	"github.com/kassa-dev/kassa"
)

// Changes is what the cache needs of its backend to see other
// processes' commits: it reports, at each of its commits, whether another
// connection committed since the last.
type Changes interface {
	// OnCommit has the backend call fn at the start of each of its write
	// transactions from now on, holding the write lock, before the
	// transaction's writes: changed is true when another connection
	// committed since the previous call (and at the first call); ok is
	// false when the backend could not tell. fn must not block.
	OnCommit(fn func(changed, ok bool))
}

// Store is a kassa.Store whose reads of one order and of product terms
// are answered from memory when they can be (see the caches' rules).
type Store struct {
	kassa.Store
	orders *orderCache
	terms  *termsCache
}

var _ kassa.Store = (*Store)(nil)

// Option configures Wrap.
type Option func(*Store)

// WithClock sets the monotonic clock that tells how old the last report
// of Changes is (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.orders.now = now }
}

// Wrap returns st behind the caches; changes is st's report of other
// connections' commits. Until its first report nothing is served from
// memory.
func Wrap(st kassa.Store, changes Changes, opts ...Option) *Store {
	s := &Store{Store: st, orders: newOrderCache(), terms: newTermsCache()}
	s.orders.cleared = s.terms.clear
	for _, o := range opts {
		o(s)
	}
	changes.OnCommit(s.orders.check)
	return s
}

// Order returns an order with its lines, from the order cache when it
// holds the order.
func (s *Store) Order(ctx context.Context, id int64) (*kassa.Order, error) {
	if o, ok := s.orders.get(id); ok {
		return o, nil
	}
	since := s.orders.mark()
	o, err := s.Store.Order(ctx, id)
	if err == nil {
		s.orders.fill(o, since)
	}
	return o, err
}

// OrderRef returns the callback token and payment id of order id, from the
// order cache when it holds the order.
func (s *Store) OrderRef(ctx context.Context, id int64) (kassa.OrderRef, error) {
	if o := s.orders.entry(id); o != nil {
		return kassa.OrderRef{ID: id, CallbackToken: o.CallbackToken, PaymentID: o.PaymentID}, nil
	}
	return s.Store.OrderRef(ctx, id)
}

// CreateOrder creates the order in the store; the new order enters the
// cache.
func (s *Store) CreateOrder(ctx context.Context, o *kassa.Order, ev kassa.Event, then kassa.TxFunc) error {
	since := s.orders.mark()
	if err := s.Store.CreateOrder(ctx, o, ev, then); err != nil {
		return err
	}
	s.orders.fill(o, since)
	return nil
}

// UpdateOrder updates the order in the store, keeping the cache in step.
func (s *Store) UpdateOrder(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	return s.update(o, false, func() error { return s.Store.UpdateOrder(ctx, o, ev, then) })
}

// ReplaceOrderLines replaces the order's lines in the store, keeping the
// cache in step.
func (s *Store) ReplaceOrderLines(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	return s.update(o, true, func() error { return s.Store.ReplaceOrderLines(ctx, o, ev, then) })
}

// UpdateOrderCustomer writes the order's customer in the store and drops
// the order from the cache: the customer is not among the fields an
// update carries over.
func (s *Store) UpdateOrderCustomer(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	s.orders.updating(o.ID)
	err := s.Store.UpdateOrderCustomer(ctx, o, ev, then)
	s.orders.updated(o, o.Version, false, false)
	return err
}

// update runs write, an update of o (with lines: of its lines too), with
// the order marked as being updated in the cache.
func (s *Store) update(o *kassa.Order, lines bool, write func() error) error {
	prev := o.Version
	s.orders.updating(o.ID)
	err := write()
	s.orders.updated(o, prev, err == nil, lines)
	return err
}

// ProductTerms returns product sku without its stock, from the terms
// cache when it holds them and the last report of Changes is fresh.
func (s *Store) ProductTerms(ctx context.Context, sku string) (kassa.Product, error) {
	if s.orders.fresh() {
		if p, ok := s.terms.get(sku); ok {
			return p, nil
		}
	}
	since := s.terms.mark()
	p, err := s.Store.ProductTerms(ctx, sku)
	if err == nil {
		s.terms.fill(p, since)
	}
	return p, err
}

// PutProduct stores the product; its terms leave the cache.
func (s *Store) PutProduct(ctx context.Context, p kassa.Product) error {
	s.terms.putBegins()
	defer s.terms.putEnded(p.SKU)
	return s.Store.PutProduct(ctx, p)
}

// UpdateProducts edits the products; their terms leave the cache.
func (s *Store) UpdateProducts(ctx context.Context, by, reason string, edits []kassa.ProductEdit) ([]kassa.Product, error) {
	skus := make([]string, len(edits))
	for i, e := range edits {
		skus[i] = e.SKU
	}
	s.terms.putBegins()
	defer s.terms.putEnded(skus...)
	return s.Store.UpdateProducts(ctx, by, reason, edits)
}
