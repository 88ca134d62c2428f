package mapisim

import (
	"container/heap"
	"sync"
	"time"
)

// expiries holds the payments waiting for their time to live to end,
// earliest first, behind one timer on the Clock. A timer per payment would
// keep one runtime timer alive for every payment created within the TTL
// (hours): tens of thousands in a benchmark, and Go's timer heaps are
// scanned whole (runtime.(*timers).adjust) whenever a timer that was
// moved earlier falls due, which taxed every deadline and timer of the
// process that runs the simulator.
type expiries struct {
	mu    sync.Mutex
	queue expiryHeap
	armed time.Time // when the earliest pending timer fires; zero when none
}

type expiry struct {
	at time.Time
	p  *payment
}

// expireAt has s expire p at at (unless it is decided by then).
func (s *Sim) expireAt(p *payment, at time.Time) {
	q := &s.expiries
	q.mu.Lock()
	defer q.mu.Unlock()
	heap.Push(&q.queue, expiry{at: at, p: p})
	s.armExpiries()
}

// expireDue expires the payments whose time has come and arms the timer
// for the next one. The timer that fired was armed at armedAt.
func (s *Sim) expireDue(armedAt time.Time) {
	q := &s.expiries
	q.mu.Lock()
	if q.armed.Equal(armedAt) {
		q.armed = time.Time{}
	}
	now := s.clock.Now()
	var due []*payment
	for len(q.queue) > 0 && !q.queue[0].at.After(now) {
		due = append(due, heap.Pop(&q.queue).(expiry).p)
	}
	s.armExpiries()
	q.mu.Unlock()
	for _, p := range due {
		s.expire(p)
	}
}

// armExpiries makes sure a timer fires no later than the earliest expiry.
// Caller holds s.expiries.mu.
func (s *Sim) armExpiries() {
	q := &s.expiries
	if len(q.queue) == 0 {
		return
	}
	at := q.queue[0].at
	if !q.armed.IsZero() && !at.Before(q.armed) {
		return // the pending timer comes first
	}
	q.armed = at
	s.after(at.Sub(s.clock.Now()), func() { s.expireDue(at) })
}

// expiryHeap orders expiries by time (container/heap).
type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = expiry{}
	*h = old[:len(old)-1]
	return x
}
