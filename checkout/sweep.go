package checkout

import (
	"context"
	"fmt"
	"strconv"
	"strings"
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
				if e.sweeperTurn(ctx) {
					e.sweepBacklog(ctx)
				}
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
		e.releaseSweeperTurn()
	}
}

// sweeperTurnSetting holds whose turn it is at the sweeper when engines
// share the store: "<engine id> <unix milliseconds until which it holds>".
const sweeperTurnSetting = "checkout.sweeper_turn"

// sweeperTurn reports whether this engine sweeps now. Without SweepTurns it
// always does. With it, the engine takes (or renews) the turn for three
// sweep intervals by a swap of the stored value, which succeeds for one
// engine only; the others wait until the holder stops renewing (it
// stopped or died). Should a pass outlast the turn, another engine may
// sweep beside it for a while, which costs reads, not correctness: every
// write is a compare-and-set on the order's version.
func (e *Engine) sweeperTurn(ctx context.Context) bool {
	st := e.cfg.SweepTurns
	if st == nil {
		return true
	}
	v, _, err := st.Setting(ctx, sweeperTurnSetting)
	if err != nil {
		e.log.Warn("sweeper: read whose turn it is", "err", err)
		return false
	}
	now := e.now()
	holder, until, _ := strings.Cut(v, " ")
	ms, perr := strconv.ParseInt(until, 10, 64)
	if v != "" && perr == nil && holder != e.id && now.UnixMilli() < ms {
		return false
	}
	next := e.id + " " + strconv.FormatInt(now.Add(3*e.cfg.SweepInterval).UnixMilli(), 10)
	took, err := st.SwapSetting(ctx, sweeperTurnSetting, v, next)
	if err != nil {
		e.log.Warn("sweeper: take the turn", "err", err)
		return false
	}
	return took
}

// releaseSweeperTurn gives the turn up at Stop, so that another engine
// sweeps at its next tick instead of when the turn ends.
func (e *Engine) releaseSweeperTurn() {
	st := e.cfg.SweepTurns
	if st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	v, _, err := st.Setting(ctx, sweeperTurnSetting)
	if holder, _, _ := strings.Cut(v, " "); err != nil || holder != e.id {
		return
	}
	if _, err := st.SwapSetting(ctx, sweeperTurnSetting, v, ""); err != nil {
		e.log.Warn("sweeper: give the turn up", "err", err)
	}
}
