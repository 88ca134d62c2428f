package mapisim

import (
	"container/heap"
	"sync"
	"time"
)

// Clock is the simulator's notion of time. Every delay (persona decisions,
// payment TTL, token expiry, callback retries and delay faults) runs on it.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once, in its own goroutine or (ManualClock) from
	// Advance, after d. stop cancels it and reports whether it was pending.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// RealClock returns the wall clock.
func RealClock() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// ScaledClock returns a clock on which time runs factor times faster than
// the wall clock, starting now: a 10-minute persona delay takes 6 s at
// factor 100. A factor ≤ 0 is taken as 1.
func ScaledClock(factor float64) Clock {
	if factor <= 0 {
		factor = 1
	}
	return &scaledClock{start: time.Now(), factor: factor}
}

type scaledClock struct {
	start  time.Time
	factor float64
}

func (c *scaledClock) Now() time.Time {
	elapsed := time.Since(c.start)
	return c.start.Add(time.Duration(float64(elapsed) * c.factor))
}

func (c *scaledClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(time.Duration(float64(d)/c.factor), f).Stop
}

// ManualClock is a clock that moves only when Advance is called. Advance
// runs the callbacks that fall due synchronously and in time order, so
// tests that drive the simulator with it are deterministic.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers callHeap
}

// NewManualClock returns a ManualClock showing start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f at Now()+d; it runs from a later Advance
// (a d ≤ 0 runs on the next Advance, even Advance(0)).
func (c *ManualClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &scheduled{when: c.now.Add(d), seq: c.seq, f: f, index: -1}
	heap.Push(&c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.index < 0 {
			return false
		}
		heap.Remove(&c.timers, t.index)
		return true
	}
}

// Advance moves the clock forward by d, running every callback due on the
// way in time order (ties in scheduling order). Callbacks run without the
// clock's lock held, so they may schedule more callbacks; those run too if
// they fall due before the new time.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	for len(c.timers) > 0 && !c.timers[0].when.After(target) {
		t := heap.Pop(&c.timers).(*scheduled)
		if t.when.After(c.now) {
			c.now = t.when
		}
		c.mu.Unlock()
		t.f()
		c.mu.Lock()
	}
	c.now = target
	c.mu.Unlock()
}

// Pending returns how many callbacks are scheduled and not yet run.
func (c *ManualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// scheduled is a call due at a time: a ManualClock's callback, or a
// payment's expiry (expiries). Equal times keep their scheduling order.
type scheduled struct {
	when  time.Time
	seq   uint64
	f     func()
	index int // in its callHeap; -1 when not in one
}

// callHeap orders scheduled calls by time, then sequence (container/heap).
type callHeap []*scheduled

func (h callHeap) Len() int { return len(h) }
func (h callHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h callHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *callHeap) Push(x any) {
	t := x.(*scheduled)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *callHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}
