package storecache

import (
	"maps"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// The order cache. Every journey reads its order three times (the return
// page, the callback's ack and the callback's sync); on SQLite each read
// waited for the one write connection between group commits (see
// sqlite's backend.Keyed), which held up the commits in turn. The wrapper
// keeps the orders it wrote or read last in memory instead and answers
// Order and OrderRef from there.
//
// What keeps an entry equal to its row:
//
//   - This process changes an order only through CreateOrder, UpdateOrder
//     and ReplaceOrderLines of the wrapper (every statement that writes
//     the orders table runs inside them, TestOnlyCachedMethodsWriteOrders),
//     and each bumps the version. While an update is
//     in flight, from before it is queued until after its commit, the
//     order is not served from the cache: whoever learns of the commit
//     from the database (its event, its settled callback) and then reads
//     the order must not get the version before it. After a successful
//     update the entry takes the written fields, but only if it held the
//     version the update replaced; otherwise, and after a failed update
//     (a version conflict is resolved by a real read), it is dropped.
//   - A read of the database (or a CreateOrder) fills an entry only if no
//     update of that order began or ended, and the cache was not
//     cleared, since the read began, and only with a newer version: a
//     read that a write overtook cannot put back what the write replaced.
//   - Another process may write the same database (kassa orders, a second
//     kassa serve). At the start of each of its write transactions the
//     backend reports whether another connection committed since the last
//     (Changes; SQLite reads PRAGMA data_version at every group commit);
//     then the whole cache is dropped. Entries are only served while the
//     last such report is less than cacheFresh old, so another process's
//     change is seen within cacheFresh even when this process writes
//     nothing: an idle shop reads the database. The version check on every
//     write catches what such a stale read would decide.
//
// Callers get copies: they change the orders they read.
type orderCache struct {
	mu      sync.Mutex
	m       map[int64]*kassa.Order // entries are replaced, never changed
	ring    [cachedOrders]int64    // ids in the order they entered, for eviction
	next    int
	busy    map[int64]int    // updates in flight per order
	seq     uint64           // counts the changes logged in changes
	changes [changeLog]int64 // the last changes, at seq % changeLog: the order an update of which began or ended, or 0 for a clear
	checked time.Time        // when the last report of no change came; zero: serve nothing
	now     func() time.Time // the monotonic clock (WithClock)
	// cleared, when set, runs (under mu) whenever check drops the orders:
	// the terms cache's clear.
	cleared func()
}

const (
	// cachedOrders bounds the cache: a few megabytes, and far more orders
	// than are in flight at once.
	cachedOrders = 4096
	// cacheFresh is how long after the last report of Changes entries
	// are served.
	cacheFresh = 100 * time.Millisecond
	// changeLog is how many changes a fill can look back over; a read
	// that more changes overtook fills nothing.
	changeLog = 256
)

func newOrderCache() *orderCache {
	return &orderCache{m: make(map[int64]*kassa.Order), busy: make(map[int64]int), now: time.Now}
}

// get returns a copy of order id, when cached, fresh and not being updated.
func (c *orderCache) get(id int64) (*kassa.Order, bool) {
	o := c.entry(id)
	if o == nil {
		return nil, false
	}
	return cloneOrder(o), true
}

// entry returns the entry of order id, when cached, fresh and not being
// updated, for reading only: entries are replaced, never changed.
func (c *orderCache) entry(id int64) *kassa.Order {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy[id] > 0 || !c.freshLocked() {
		return nil
	}
	return c.m[id]
}

// fresh reports whether the last report of Changes is recent enough to
// serve from memory.
func (c *orderCache) fresh() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.freshLocked()
}

func (c *orderCache) freshLocked() bool {
	return !c.checked.IsZero() && c.now().Sub(c.checked) < cacheFresh
}

// mark returns the point a read begins at, for fill.
func (c *orderCache) mark() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// fill keeps o, read from the database (or just created) since point
// since, unless a change of its order or a clear came since, an update of
// it is in flight, or the cache holds the same or a newer version.
func (c *orderCache) fill(o *kassa.Order, since uint64) {
	x := cloneOrder(o)
	x.ExpiresAt, x.NextSyncAt = storedTime(x.ExpiresAt), storedTime(x.NextSyncAt)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.changedSince(x.ID, since) || c.busy[x.ID] > 0 {
		return
	}
	if cur := c.m[x.ID]; cur != nil && cur.Version >= x.Version {
		return
	}
	c.store(x)
}

// changedSince reports whether order id changed, or the cache was
// cleared, after point since, or whether that is too long ago to tell.
// The caller holds mu.
func (c *orderCache) changedSince(id int64, since uint64) bool {
	if c.seq-since >= changeLog {
		return true
	}
	for s := since + 1; s <= c.seq; s++ {
		if ch := c.changes[s%changeLog]; ch == id || ch == 0 {
			return true
		}
	}
	return false
}

// logChange records that order id (0: every order) changed. The caller
// holds mu.
func (c *orderCache) logChange(id int64) {
	c.seq++
	c.changes[c.seq%changeLog] = id
}

// updating marks an update of order id as in flight; updated ends it.
func (c *orderCache) updating(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy[id]++
	c.logChange(id)
}

// updated ends an update of o that began at version prev. When it
// succeeded (ok) and the entry is at prev, the fields the update wrote
// (with lines: also the lines and totals) replace the entry's; otherwise
// the entry is dropped.
func (c *orderCache) updated(o *kassa.Order, prev int64, ok, lines bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy[o.ID]--; c.busy[o.ID] <= 0 {
		delete(c.busy, o.ID)
	}
	c.logChange(o.ID)
	cur := c.m[o.ID]
	if cur == nil {
		return
	}
	if !ok || cur.Version != prev {
		delete(c.m, o.ID)
		return
	}
	x := *cur
	x.Status, x.PaymentID, x.PaymentStatus, x.StatusReason = o.Status, o.PaymentID, o.PaymentStatus, o.StatusReason
	x.Authorized, x.Captured, x.Refunded, x.Canceled = o.Authorized, o.Captured, o.Refunded, o.Canceled
	x.NextSyncAt, x.SyncAttempts = storedTime(o.NextSyncAt), o.SyncAttempts
	x.Version, x.UpdatedAt, x.StockReleased = o.Version, o.UpdatedAt, o.StockReleased
	if lines {
		x.Lines = cloneLines(o.Lines)
		x.Total, x.VATTotal = o.Total, o.VATTotal
	}
	c.m[o.ID] = &x
}

// store keeps x, evicting the oldest entry when full. The caller holds mu.
func (c *orderCache) store(x *kassa.Order) {
	if _, ok := c.m[x.ID]; !ok {
		if old := c.ring[c.next]; old != 0 {
			delete(c.m, old)
		}
		c.ring[c.next] = x.ID
		c.next = (c.next + 1) % len(c.ring)
	}
	c.m[x.ID] = x
}

// check is the Changes callback, run at the start of each of the
// backend's write transactions: when another connection committed since
// the last (or the backend cannot tell), everything is dropped. After a
// report it cannot tell, nothing is served until the next one can.
func (c *orderCache) check(changed, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if changed || !ok {
		c.m = make(map[int64]*kassa.Order)
		c.ring, c.next = [cachedOrders]int64{}, 0
		c.logChange(0)
		if c.cleared != nil {
			c.cleared()
		}
	}
	c.checked = time.Time{}
	if ok {
		c.checked = c.now()
	}
}

// cloneOrder copies o; its lines are never nil, as read from the store.
func cloneOrder(o *kassa.Order) *kassa.Order {
	x := *o
	x.Lines = cloneLines(o.Lines)
	x.ClientKeys = nil // written by CreateOrder, never read back (kassa.Order)
	if o.Hosted != nil {
		h := *o.Hosted
		h.Metadata = maps.Clone(h.Metadata)
		x.Hosted = &h
	}
	x.Charges = o.Charges.Clone()
	return &x
}

func cloneLines(lines []kassa.Line) []kassa.Line {
	x := make([]kassa.Line, len(lines))
	copy(x, lines)
	return x
}

// storedTime is t as the store reads it back: UTC, whole milliseconds.
func storedTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.UnixMilli(t.UnixMilli()).UTC()
}
