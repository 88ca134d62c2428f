package web

import (
	"crypto/sha256"
	"sync"
	"time"
)

// idempotency remembers the answers of mutating API calls by their
// Idempotency-Key header: the same key with the same body gets the stored
// answer again (no second order); the same key with another body is refused.
// A second request with a key whose first request is still running waits
// for it. Entries live for ttl; at most max are kept (oldest dropped).
// Answers are kept in memory: a restart forgets them.
type idempotency struct {
	mu      sync.Mutex
	now     func() time.Time
	ttl     time.Duration
	max     int
	entries map[string]*idemEntry
	order   []string // keys, oldest first
}

type idemEntry struct {
	bodyHash [32]byte
	done     chan struct{} // closed when the answer is stored
	status   int
	answer   []byte
	at       time.Time
}

func newIdempotency(now func() time.Time, ttl time.Duration, max int) *idempotency {
	return &idempotency{now: now, ttl: ttl, max: max, entries: map[string]*idemEntry{}}
}

// begin claims key for body. It returns:
//   - (nil, false) when the caller is first: it must call finish (or abandon);
//   - (entry, false) with a finished entry to replay;
//   - (nil, true) when the key was used with another body.
func (c *idempotency) begin(key string, body []byte) (*idemEntry, bool) {
	h := sha256.Sum256(body)
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok && c.now().Sub(e.at) > c.ttl {
		delete(c.entries, key)
		ok = false
	}
	if !ok {
		c.entries[key] = &idemEntry{bodyHash: h, done: make(chan struct{}), at: c.now()}
		c.order = append(c.order, key)
		c.evict()
		c.mu.Unlock()
		return nil, false
	}
	c.mu.Unlock()
	if e.bodyHash != h {
		return nil, true
	}
	<-e.done
	if e.status == 0 { // the first request was abandoned; it may be retried
		return c.begin(key, body)
	}
	return e, false
}

// finish stores the answer for key and wakes the waiters.
func (c *idempotency) finish(key string, status int, answer []byte) {
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e == nil {
		return
	}
	e.status, e.answer = status, answer
	close(e.done)
}

// abandon forgets key (the request failed in a way worth retrying).
func (c *idempotency) abandon(key string) {
	c.mu.Lock()
	e := c.entries[key]
	delete(c.entries, key)
	c.mu.Unlock()
	if e != nil {
		close(e.done)
	}
}

// evict drops the oldest finished entries beyond max. Called with mu held.
func (c *idempotency) evict() {
	for len(c.order) > c.max {
		k := c.order[0]
		c.order = c.order[1:]
		if e, ok := c.entries[k]; ok {
			select {
			case <-e.done:
				delete(c.entries, k)
			default: // still running: keep it
			}
		}
	}
}
