package bench

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/httpstat"
)

// watcher lets a journey wait, without polling, until the shop has
// processed a callback of its order: the engine reports every inbox entry
// it settled (checkout.WithSettled). The watcher also wraps the shop's
// store to time the store calls of the hot path while the bench measures.
type watcher struct {
	mu      sync.Mutex
	done    map[int64]time.Time      // processed, nobody waiting yet
	waiting map[int64]chan time.Time // waiting for the first processed callback

	on    atomic.Bool
	calls [numStoreMethods]recorder // durations by store method

	bankMu sync.Mutex
	bank   map[string]int64 // MAPI route → calls the shop made while measuring
}

// storeMethod is a store call the watcher times (the ones a journey
// makes); a constant, so that a timed call cannot name one without a
// recorder.
type storeMethod int

const (
	mProduct storeMethod = iota
	mProductTerms
	mCreateOrder
	mOrder
	mOrderRef
	mUpdateOrder
	mAddEvent
	mEvents
	mRecordCallback
	mCallback
	mUpdateCallback
	mClaimCallbacks
	numStoreMethods
)

// storeMethods are the timed calls' names, in the report's order.
var storeMethods = [numStoreMethods]string{"Product", "ProductTerms", "CreateOrder", "Order", "OrderRef", "UpdateOrder",
	"AddEvent", "Events", "RecordCallback", "Callback", "UpdateCallback", "ClaimCallbacks"}

func newWatcher() *watcher {
	return &watcher{done: map[int64]time.Time{}, waiting: map[int64]chan time.Time{}, bank: map[string]int64{}}
}

// watchedStore is the shop's store seen through the watcher.
type watchedStore struct {
	kassa.Store
	w *watcher
}

func (w *watcher) wrap(st kassa.Store) kassa.Store { return watchedStore{Store: st, w: w} }

// timed records the duration of a store call that started at start.
func (w *watcher) timed(method storeMethod, start time.Time) {
	if w.on.Load() {
		w.calls[method].add(time.Since(start))
	}
}

// bankCall counts a MAPI call of the shop's client (its Observe hook)
// while the bench measures.
func (w *watcher) bankCall(route string) {
	if w.on.Load() {
		w.bankMu.Lock()
		w.bank[route]++
		w.bankMu.Unlock()
	}
}

// settled is the engine's WithSettled hook: a processed entry wakes the
// journey of its order.
func (w *watcher) settled(cb *kassa.Callback) {
	if cb.State == kassa.CallbackProcessed {
		w.processed(cb.OrderID, time.Now())
	}
}

func (s watchedStore) UpdateCallback(ctx context.Context, cb *kassa.Callback, then kassa.TxFunc) error {
	defer s.w.timed(mUpdateCallback, time.Now())
	return s.Store.UpdateCallback(ctx, cb, then)
}

func (s watchedStore) ClaimCallbacks(ctx context.Context, now, lease time.Time, limit int) ([]*kassa.Callback, error) {
	defer s.w.timed(mClaimCallbacks, time.Now())
	return s.Store.ClaimCallbacks(ctx, now, lease, limit)
}

func (s watchedStore) Product(ctx context.Context, sku string) (kassa.Product, error) {
	defer s.w.timed(mProduct, time.Now())
	return s.Store.Product(ctx, sku)
}

func (s watchedStore) ProductTerms(ctx context.Context, sku string) (kassa.Product, error) {
	defer s.w.timed(mProductTerms, time.Now())
	return s.Store.ProductTerms(ctx, sku)
}

func (s watchedStore) CreateOrder(ctx context.Context, o *kassa.Order, ev kassa.Event, then kassa.TxFunc) error {
	defer s.w.timed(mCreateOrder, time.Now())
	return s.Store.CreateOrder(ctx, o, ev, then)
}

func (s watchedStore) Order(ctx context.Context, id int64) (*kassa.Order, error) {
	defer s.w.timed(mOrder, time.Now())
	return s.Store.Order(ctx, id)
}

func (s watchedStore) OrderRef(ctx context.Context, id int64) (kassa.OrderRef, error) {
	defer s.w.timed(mOrderRef, time.Now())
	return s.Store.OrderRef(ctx, id)
}

func (s watchedStore) UpdateOrder(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	defer s.w.timed(mUpdateOrder, time.Now())
	return s.Store.UpdateOrder(ctx, o, ev, then)
}

func (s watchedStore) AddEvent(ctx context.Context, ev kassa.Event, then kassa.TxFunc) error {
	defer s.w.timed(mAddEvent, time.Now())
	return s.Store.AddEvent(ctx, ev, then)
}

func (s watchedStore) Events(ctx context.Context, orderID int64) ([]kassa.Event, error) {
	defer s.w.timed(mEvents, time.Now())
	return s.Store.Events(ctx, orderID)
}

func (s watchedStore) RecordCallback(ctx context.Context, cb *kassa.Callback, then kassa.TxFunc) (bool, error) {
	defer s.w.timed(mRecordCallback, time.Now())
	return s.Store.RecordCallback(ctx, cb, then)
}

func (s watchedStore) Callback(ctx context.Context, id int64) (*kassa.Callback, error) {
	defer s.w.timed(mCallback, time.Now())
	return s.Store.Callback(ctx, id)
}

func (w *watcher) processed(orderID int64, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.waiting[orderID]; ok {
		delete(w.waiting, orderID)
		ch <- at
		return
	}
	if _, ok := w.done[orderID]; !ok {
		w.done[orderID] = at
	}
}

// wait returns when a callback of orderID has been processed, with the
// time it was, or ctx's error.
func (w *watcher) wait(ctx context.Context, orderID int64) (time.Time, error) {
	w.mu.Lock()
	if at, ok := w.done[orderID]; ok {
		delete(w.done, orderID)
		w.mu.Unlock()
		return at, nil
	}
	ch := make(chan time.Time, 1)
	w.waiting[orderID] = ch
	w.mu.Unlock()
	select {
	case at := <-ch:
		return at, nil
	case <-ctx.Done():
		w.mu.Lock()
		delete(w.waiting, orderID)
		w.mu.Unlock()
		return time.Time{}, ctx.Err()
	}
}

// Endpoint classes timed on the shop side.
const (
	epCreate   = "order_create" // POST /api/orders
	epReturn   = "return_page"  // GET /checkout/orders/{id}/return
	epCallback = "callback_ack" // POST /callbacks/resurs/*
)

var endpoints = []string{epCreate, epReturn, epCallback}

// timing is middleware that measures the shop's own endpoints, from the
// request reaching the handler to the handler returning (the answer is
// written by then), and remembers when each order's first callback arrived.
type timing struct {
	on        atomic.Bool
	rec       map[string]*recorder
	callbacks sync.Map     // order id → time.Time of its first callback
	failed    atomic.Int64 // answers with a 5xx status, measured or not
}

func newTiming() *timing {
	t := &timing{rec: map[string]*recorder{}}
	for _, e := range endpoints {
		t.rec[e] = &recorder{}
	}
	return t
}

func (t *timing) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep := classify(r)
		if ep == "" {
			h.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		if ep == epCallback {
			if id, ok := tokenOrder(r.URL.Query().Get("t")); ok {
				t.callbacks.LoadOrStore(id, start)
			}
		}
		sw := &httpstat.Writer{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.Status >= 500 {
			t.failed.Add(1)
		}
		if t.on.Load() {
			t.rec[ep].add(time.Since(start))
		}
	})
}

// callbackAt returns (and forgets) when the first callback of an order arrived.
func (t *timing) callbackAt(orderID int64) (time.Time, bool) {
	v, ok := t.callbacks.LoadAndDelete(orderID)
	if !ok {
		return time.Time{}, false
	}
	return v.(time.Time), true
}

func classify(r *http.Request) string {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && p == "/api/orders":
		return epCreate
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/checkout/orders/") && strings.HasSuffix(p, "/return"):
		return epReturn
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/callbacks/resurs/"):
		return epCallback
	}
	return ""
}

// tokenOrder reads the order id from a callback token "<id>.<secret>".
func tokenOrder(t string) (int64, bool) {
	ids, _, ok := strings.Cut(t, ".")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(ids, 10, 64)
	return id, err == nil
}
