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
	seq   uint64
	queue callHeap
	armed time.Time // when the earliest pending timer fires; zero when none
}

// expireLater has s expire p when its time to live ends (unless it is
// decided by then).
func (s *Sim) expireLater(p *payment) {
	q := &s.expiries
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	heap.Push(&q.queue, &scheduled{when: p.expiresAt, seq: q.seq, f: func() { s.expire(p) }})
	s.armExpiries()
}

// expireDue expires the payments whose time has come, in the order they
// were created when due together, and arms the timer for the next one. The
// timer that fired was armed at armedAt.
func (s *Sim) expireDue(armedAt time.Time) {
	q := &s.expiries
	q.mu.Lock()
	if q.armed.Equal(armedAt) {
		q.armed = time.Time{}
	}
	now := s.clock.Now()
	var due []*scheduled
	for len(q.queue) > 0 && !q.queue[0].when.After(now) {
		due = append(due, heap.Pop(&q.queue).(*scheduled))
	}
	s.armExpiries()
	q.mu.Unlock()
	for _, e := range due {
		e.f()
	}
}

// armExpiries makes sure a timer fires no later than the earliest expiry.
// Caller holds s.expiries.mu.
func (s *Sim) armExpiries() {
	q := &s.expiries
	if len(q.queue) == 0 {
		return
	}
	at := q.queue[0].when
	if !q.armed.IsZero() && !at.Before(q.armed) {
		return // the pending timer comes first
	}
	q.armed = at
	s.after(at.Sub(s.clock.Now()), func() { s.expireDue(at) })
}
