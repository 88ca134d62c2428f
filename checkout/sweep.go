package checkout

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// SweepOnce runs one sweeper pass: it syncs the orders due for a read, at
// most Config.SweepConcurrency at a time, and returns how many it read.
func (e *Engine) SweepOnce(ctx context.Context) (int, error) {
	due, err := e.store.DueOrders(ctx, e.now(), e.cfg.SweepBatch)
	if err != nil {
		return 0, fmt.Errorf("checkout.SweepOnce: %w", err)
	}
	sem := make(chan struct{}, e.cfg.SweepConcurrency)
	var wg sync.WaitGroup
	for _, o := range due {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := e.Sync(ctx, o.ID, kassa.SourceSweeper); err != nil {
				e.log.Warn("sweeper sync", "order", o.ID, "err", err)
			}
		})
	}
	wg.Wait()
	return len(due), nil
}

// startSweeper runs SweepOnce every SweepInterval until stopSweeper.
func (e *Engine) startSweeper() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopSwp != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	e.stopSwp, e.swpDone = cancel, done
	go func() {
		defer close(done)
		t := time.NewTicker(e.cfg.SweepInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				e.sweepBacklog(ctx)
			}
		}
	}()
}

// sweepBacklog runs passes while they come back full (a backlog after an
// outage), at most maxPassesPerTick of them.
func (e *Engine) sweepBacklog(ctx context.Context) {
	const maxPassesPerTick = 10
	for range maxPassesPerTick {
		n, err := e.SweepOnce(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Error("sweeper", "err", err)
		}
		if err != nil || n < e.cfg.SweepBatch {
			return
		}
	}
}

func (e *Engine) stopSweeper() {
	e.mu.Lock()
	cancel, done := e.stopSwp, e.swpDone
	e.stopSwp, e.swpDone = nil, nil
	e.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
