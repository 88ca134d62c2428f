package checkout_test

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
)

// TestExpiredPaymentReadAtItsTimeToLive: a payment the customer never
// signs, whose callbacks are all lost, is read by the sweeper right when
// its time to live ends, and its order is cancelled then, not after the
// expiry grace.
func TestExpiredPaymentReadAtItsTimeToLive(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Drop: 1}})
	o, _ := e.place(govAccepted)
	for range 10 {
		got := e.order(o.ID)
		if got.Status != kassa.StatusPending {
			break
		}
		if got.NextSyncAt.IsZero() {
			t.Fatal("a pending order has no next read")
		}
		e.advance(got.NextSyncAt.Sub(e.clock.Now()))
		if _, err := e.eng.SweepOnce(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := e.wantStatus(o.ID, kassa.StatusCancelled)
	if late := e.clock.Now().Sub(got.ExpiresAt); late <= 0 || late > 5*time.Second {
		t.Fatalf("cancelled %v after the payment's time to live ended; want within seconds", late)
	}
}

// TestSweeperTakesTurns: engines sharing a store (SweepTurns) sweep one at
// a time; the holder keeps its turn while it renews it, another takes it
// when the holder stops renewing or gives it up.
func TestSweeperTakesTurns(t *testing.T) {
	e := newEnv(t, envOptions{config: func(c *checkout.Config) { c.SweepTurns = nil }})
	engine := func() *checkout.Engine {
		eng, err := checkout.New(checkout.Config{Store: e.db, Bank: e.bank, StoreID: mapisim.DefaultStoreID,
			BaseURL: e.shop.URL, Now: e.clock.Now, SweepInterval: 5 * time.Second, SweepTurns: e.db})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	a, b := engine(), engine()
	turn := func(name string, eng *checkout.Engine, want bool) {
		t.Helper()
		if got := eng.SweeperTurn(e.ctx); got != want {
			t.Fatalf("%s: SweeperTurn = %v, want %v", name, got, want)
		}
	}
	turn("a first", a, true)
	turn("b while a holds", b, false)
	e.clock.Advance(10 * time.Second)
	turn("a renews", a, true)
	e.clock.Advance(10 * time.Second)
	turn("b within a's renewed turn", b, false)
	e.clock.Advance(6 * time.Second) // a did not renew for 16 s > 3 intervals
	turn("b once a's turn ended", b, true)
	turn("a after b took it", a, false)
	b.ReleaseSweeperTurn()
	turn("a once b gave it up", a, true)
}
