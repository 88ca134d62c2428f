package checkout

import (
	"sync"
	"sync/atomic"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
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
// arrive together, as they usually do right after signing. A read is only
// shared while the order is at the version its sync left it at: a capture,
// cancel, refund or modification changes the order, whether this process
// made it (lock also forgets the read) or another one sharing the store.
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
	log     []mapi.ActionLog // the payment's actionLog, for a callback's note (readNote)
	began   uint64           // stripes.tick when the request was about to be sent
	version int64            // the order's version after the read was applied
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

// since returns the remembered read of o's payment that began after the
// trigger at point at, while o is still at the version that read left it
// at. The caller holds the stripe's mutex.
func (st *stripe) since(o *kassa.Order, at uint64) (paymentRead, bool) {
	if at == 0 || o.PaymentID == "" {
		return paymentRead{}, false
	}
	for _, r := range st.recent {
		if r.order == o.ID && r.payment == o.PaymentID && r.began > at && r.version == o.Version {
			return r, true
		}
	}
	return paymentRead{}, false
}

// remember keeps r in place of an older read of its order, else in a free
// slot, else in place of the oldest. The caller holds the stripe's mutex.
func (st *stripe) remember(r paymentRead) {
	free := -1
	for i := range st.recent {
		switch {
		case st.recent[i].order == r.order:
			st.recent[i] = r
			return
		case st.recent[i].order == 0 && free < 0:
			free = i
		}
	}
	if free >= 0 {
		st.recent[free] = r
		return
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
