package checkout_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapisim"
)

// TestRestartWithPendingJobs: callbacks are stored and their jobs queued
// while no worker runs (the shop stops right after answering them); a new
// engine on the same database file processes them, nothing is lost.
func TestRestartWithPendingJobs(t *testing.T) {
	t.Parallel()
	dsn := filepath.Join(t.TempDir(), "kassa.db")
	restartWithPendingJobs(t, newEnv(t, envOptions{dsn: dsn, noStart: true}))
}

// restartWithPendingJobs runs TestRestartWithPendingJobs on e, a shop on a
// database that outlives its store (opts.noStart set).
func restartWithPendingJobs(t *testing.T, e *env) {
	o, _ := e.place(govFrozenAccepted)
	if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5 * 1e9) // unfrozen: a second callback
	e.sim.Flush()
	cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
	if err != nil || len(cbs) != 2 {
		t.Fatalf("callbacks stored = %d, %v; want 2", len(cbs), err)
	}
	for _, cb := range cbs {
		if cb.State != kassa.CallbackReceived {
			t.Fatalf("callback %d is %s before any worker ran", cb.ID, cb.State)
		}
	}
	e.wantStatus(o.ID, kassa.StatusPending)
	if err := e.eng.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}

	// The restart: a new store and engine on the same file.
	e.opts.noStart = false
	e.openStore()
	e.startEngine()
	e.settle()
	e.wantStatus(o.ID, kassa.StatusProcessing)
	cbs, _, _ = e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
	for _, cb := range cbs {
		if cb.State != kassa.CallbackProcessed {
			t.Errorf("callback %d is %s after the restart", cb.ID, cb.State)
		}
	}
}

// TestConcurrentReturnCallbackSweeper: the return, the fail URL, the admin,
// callbacks and the sweeper race on the same orders; every order ends as
// the bank says, with exactly one applied event per status change, and
// stock is conserved.
func TestConcurrentReturnCallbackSweeper(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{dsn: filepath.Join(t.TempDir(), "kassa.db")})
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Duplicate: 0.5}})
	cases := []struct {
		gov  string
		d    mapisim.Decision
		want kassa.Status
	}{
		{govAccepted, mapisim.Approve, kassa.StatusProcessing},
		{govRejected, mapisim.Approve, kassa.StatusFailed},
		{govAccepted, mapisim.Abort, kassa.StatusCancelled},
		{govFrozen, mapisim.Approve, kassa.StatusOnHold},
	}
	const iterations = 50
	orders := make([]*kassa.Order, iterations)
	for i := range orders {
		orders[i], _ = e.place(cases[i%len(cases)].gov)
	}
	e.clock.Advance(61 * 1e9) // every order is due for the sweeper
	var wg sync.WaitGroup
	for i, o := range orders {
		c := cases[i%len(cases)]
		wg.Go(func() {
			if _, err := e.sim.Sign(o.PaymentID, c.d); err != nil {
				t.Errorf("Sign: %v", err)
			}
		})
		wg.Go(func() { _, err := e.eng.Return(e.ctx, o.ID, o.Key); raceErr(t, "Return", err) })
		wg.Go(func() { _, err := e.eng.Fail(e.ctx, o.ID, o.Key); raceErr(t, "Fail", err) })
		wg.Go(func() { _, err := e.eng.Return(e.ctx, o.ID, o.Key); raceErr(t, "Return", err) })
		wg.Go(func() { _, err := e.eng.Sync(e.ctx, o.ID, kassa.SourceAdmin); raceErr(t, "Sync", err) })
		if i%5 == 0 {
			wg.Go(func() { _, err := e.eng.SweepOnce(e.ctx); raceErr(t, "SweepOnce", err) })
		}
	}
	wg.Wait()
	e.settle()
	reserved := int64(0)
	for i, o := range orders {
		c := cases[i%len(cases)]
		// One more read, as the sweeper would do later, settles an order whose
		// readers all ran before the decision.
		if _, err := e.eng.Sync(e.ctx, o.ID, kassa.SourceAdmin); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		got := e.wantStatus(o.ID, c.want)
		if !c.want.ReleasesStock() {
			reserved++
		}
		checkTimeline(t, e.events(o.ID), c.want)
		if got.StockReleased != c.want.ReleasesStock() {
			t.Errorf("order %d: stock released %v in %s", o.ID, got.StockReleased, got.Status)
		}
	}
	if got, want := e.stock("TEE"), initialTeeStock-reserved; got != want {
		t.Errorf("stock = %d, want %d", got, want)
	}
}

// raceErr fails the test on an error a racing reader must not get: only
// ECONFLICT (the order kept changing) and EUNAVAILABLE are expected.
func raceErr(t *testing.T, what string, err error) {
	t.Helper()
	switch errCode(err) {
	case "", kassa.ECONFLICT, kassa.EUNAVAILABLE:
	default:
		t.Errorf("%s: %v", what, err)
	}
}

// checkTimeline checks that applied events form one path from pending to
// want, each step a legal edge, each status entered once.
func checkTimeline(t *testing.T, evs []kassa.Event, want kassa.Status) {
	t.Helper()
	ap := applied(evs)
	if len(ap) < 2 || ap[0].To != kassa.StatusPending {
		t.Fatalf("timeline:\n%s", eventsText(evs))
	}
	cur := kassa.StatusPending
	for _, ev := range ap[1:] {
		if ev.From != cur || !kassa.CanMove(ev.From, ev.To) {
			t.Fatalf("illegal or repeated step %s→%s after %s:\n%s", ev.From, ev.To, cur, eventsText(evs))
		}
		cur = ev.To
	}
	if cur != want {
		t.Errorf("timeline ends in %s, want %s", cur, want)
	}
}
