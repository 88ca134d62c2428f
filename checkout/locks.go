package checkout

import (
	"sync"
	"sync/atomic"

	"github.com/kassa-dev/kassa"
)

// stripes are per-order mutexes: one sync or after-sale action per order
// at a time in this process (the store's version check covers other
// processes).
//
// Each stripe also remembers the last few payment reads of its orders, so
// that a trigger (a callback, the customer's return) that arrived before
// another sync's read of the same payment began is answered by that read
// instead of a read of its own. That read is newer than the trigger, so
// nothing is trusted that the trigger said: the rule "read the payment at
// Resurs after the trigger, before changing anything" still holds, with
// one read for both. It happens when a callback and the customer's return
// arrive together, as they usually do right after signing.
type stripes struct {
	clock atomic.Uint64 // orders triggers and reads; 0 means "no trigger time"
	s     [256]stripe
}

// stripe is one mutex and the recent reads of its orders.
type stripe struct {
	sync.Mutex
	recent [recentReads]paymentRead // guarded by the mutex
	next   int
}

// recentReads is how many reads a stripe remembers: 256 stripes × 4 covers
// the last thousand orders read, far more than the milliseconds in which a
// callback and a return overlap. A read that is gone only costs a read.
const recentReads = 4

// paymentRead is a successful payment read and when it began.
type paymentRead struct {
	order   int64
	payment string
	snap    kassa.PaymentSnapshot
	began   uint64 // stripes.tick when the request was about to be sent
}

// tick returns the next point of the triggers' and reads' order.
func (s *stripes) tick() uint64 { return s.clock.Add(1) }

// of returns the stripe of order id.
func (s *stripes) of(id int64) *stripe { return &s.s[uint64(id)%uint64(len(s.s))] }

// lock locks order id for a change made at Resurs by this process (a
// payment create, capture, cancel, refund or modification) and forgets the
// order's recent read, which the change makes old.
func (s *stripes) lock(id int64) (unlock func()) {
	st := s.of(id)
	st.Lock()
	st.forget(id)
	return st.Unlock
}

// since returns the snapshot of a read of payment that began after the
// trigger at point at, if the stripe still remembers one. The caller holds
// the stripe's mutex.
func (st *stripe) since(order int64, payment string, at uint64) (kassa.PaymentSnapshot, bool) {
	if at == 0 || payment == "" {
		return kassa.PaymentSnapshot{}, false
	}
	for _, r := range st.recent {
		if r.order == order && r.payment == payment && r.began > at {
			return r.snap, true
		}
	}
	return kassa.PaymentSnapshot{}, false
}

// remember keeps r, replacing an older read of its order or else the
// oldest. The caller holds the stripe's mutex.
func (st *stripe) remember(r paymentRead) {
	for i := range st.recent {
		if st.recent[i].order == r.order {
			st.recent[i] = r
			return
		}
	}
	st.recent[st.next] = r
	st.next = (st.next + 1) % len(st.recent)
}

// forget drops the recent read of order. The caller holds the mutex.
func (st *stripe) forget(order int64) {
	for i := range st.recent {
		if st.recent[i].order == order {
			st.recent[i] = paymentRead{}
		}
	}
}
