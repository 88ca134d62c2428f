package checkout

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// The engine's one durable work queue. Its entries are rows of their own
// tables (callback inbox entries, after-sale actions) with a NextAttemptAt
// lease, so that an entry and the state it belongs to are written in one
// transaction. A process hands the entries it stores straight to its
// workers through an in-memory channel. Whatever is left behind (a crash,
// a full channel, a failed attempt waiting for its retry) is found by the
// claim loop once its NextAttemptAt has passed: a claim (ClaimCallbacks,
// ClaimActions) moves the lease forward in the same transaction, so two
// processes do not pick up the same entry. The work on an entry is
// idempotent anyway, so an entry worked twice does no harm.
const (
	// queueSize bounds a queue's channel; an entry that does not fit is
	// claimed when its lease ends.
	queueSize = 4096
	// claimBatch is the most entries one claim takes.
	claimBatch = 100
	// maxQueueBackoff is the longest wait between two attempts at an entry.
	maxQueueBackoff = 5 * time.Minute
)

// queue runs the workers and the claim loop of one kind of entry T.
type queue[T any] struct {
	name    string        // for logs: "callback", "action"
	workers int           // goroutines working entries
	poll    time.Duration // between two claims
	log     *slog.Logger
	// claim claims up to limit due entries, leasing them.
	claim func(ctx context.Context, limit int) ([]T, error)
	// work makes one attempt at an entry; it records the outcome itself.
	work func(ctx context.Context, en T)
	// attrs describe an entry in logs.
	attrs func(en T) []any

	mu      sync.Mutex
	ch      chan T
	running bool
	cancel  context.CancelFunc // of the workers' context
	stop    chan struct{}      // closed to end the claim loop and let the workers drain
	wg      sync.WaitGroup
}

// accepting reports whether this process's workers take new entries.
func (q *queue[T]) accepting() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running
}

// start starts the workers and the claim loop, which claims the entries
// already due (e.g. stored while no engine ran) at once.
func (q *queue[T]) start() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	q.ch = make(chan T, queueSize)
	q.stop, q.cancel, q.running = make(chan struct{}), cancel, true
	for range q.workers {
		q.wg.Go(func() { q.worker(ctx, q.ch) })
	}
	q.wg.Go(func() { q.claimLoop(ctx, q.stop) })
}

// shutdown stops taking entries, lets the workers finish what is queued
// until ctx ends, then cancels them. Entries left behind are claimed by
// the next process once their lease ends.
func (q *queue[T]) shutdown(ctx context.Context) error {
	q.mu.Lock()
	if !q.running {
		q.mu.Unlock()
		return nil
	}
	q.running = false
	close(q.stop)
	close(q.ch) // no sender remains: dispatch checks running under mu
	cancel := q.cancel
	q.mu.Unlock()

	done := make(chan struct{})
	go func() { q.wg.Wait(); close(done) }()
	select {
	case <-done:
		cancel()
		return nil
	case <-ctx.Done():
		cancel()
		<-done
		return ctx.Err()
	}
}

// dispatch hands a stored entry to this process's workers; it never
// blocks. When the channel is full or the queue is not running, the entry
// stays in the store and is claimed once its NextAttemptAt has passed.
func (q *queue[T]) dispatch(en T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running {
		return
	}
	select {
	case q.ch <- en:
	default:
		q.log.Warn(q.name+" queue full; the entry waits for its lease to end", q.attrs(en)...)
	}
}

// worker works entries from ch until it is closed and empty.
func (q *queue[T]) worker(ctx context.Context, ch <-chan T) {
	for en := range ch {
		q.work(ctx, en)
	}
}

// claimLoop claims due entries every poll, and once at start.
func (q *queue[T]) claimLoop(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(q.poll)
	defer t.Stop()
	for {
		if _, err := q.claimDue(ctx); err != nil && ctx.Err() == nil {
			q.log.Error("claim "+q.name+"s", "err", err)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// claimDue claims the entries that are due and queues them, while there is
// room in the channel; it returns how many it queued.
func (q *queue[T]) claimDue(ctx context.Context) (int, error) {
	queued := 0
	for {
		room := min(claimBatch, cap(q.ch)-len(q.ch))
		if room <= 0 || !q.accepting() {
			return queued, nil
		}
		ens, err := q.claim(ctx, room)
		if err != nil {
			return queued, fmt.Errorf("checkout: claim %ss: %w", q.name, err)
		}
		for _, en := range ens {
			q.dispatch(en)
		}
		queued += len(ens)
		if len(ens) < room {
			return queued, nil
		}
	}
}

// queueBackoff is the wait after failed attempt n: 1 s, 2 s, 4 s … at most
// maxQueueBackoff.
func queueBackoff(n int) time.Duration {
	d := time.Second
	for i := 1; i < n && d < maxQueueBackoff; i++ {
		d *= 2
	}
	return min(d, maxQueueBackoff)
}
