package checkout_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
)

// hungBankTimeout is the MAPI client's timeout in these tests: far longer
// than the engine's deadlines, so an error that wraps checkout.ErrTimeout
// shows the engine's own bound ended the call, not the client's.
const hungBankTimeout = 20 * time.Second

// callbackBackoffMax is the longest wait between two attempts at an inbox
// entry: advancing the clock by it makes every failed entry due again.
const callbackBackoffMax = 5 * time.Minute

// hang makes the simulator never answer the given routes.
func hang(sim *mapisim.Sim, routes ...string) {
	var f mapisim.Faults
	for _, r := range routes {
		f.Endpoints = append(f.Endpoints, mapisim.EndpointFault{Route: r, Timeout: 1, TimeoutAfterExecute: true})
	}
	sim.SetFaults(f)
}

// TestHungReadFreesCallbackWorker: while GET /v2/payments/{id} hangs, a
// sync (the sweeper's path) and a callback attempt end at Config.ReadTimeout
// with ErrTimeout; the inbox entry stays received for its retry, which
// applies the payment once Resurs answers again.
func TestHungReadFreesCallbackWorker(t *testing.T) {
	t.Parallel()
	// The deadline also bounds the payment-method read of e.place, so it
	// must leave room for a loaded machine; a hung read still ends with it.
	e := newEnv(t, envOptions{bankTimeout: hungBankTimeout, config: func(c *checkout.Config) {
		c.ReadTimeout = 2 * time.Second
	}})
	o, _ := e.place(govAccepted)
	hang(e.sim, "GET /v2/payments/{id}")

	_, err := e.eng.Sync(e.ctx, o.ID, kassa.SourceSweeper)
	if errCode(err) != kassa.EUNAVAILABLE || !errors.Is(err, checkout.ErrTimeout) {
		t.Fatalf("Sync with a hung read = %v; want EUNAVAILABLE wrapping ErrTimeout", err)
	}

	if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	var failed kassa.Callback
	e.waitFor("a callback attempt to fail", func() bool {
		cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
		for _, cb := range cbs {
			if err == nil && cb.Error != "" {
				failed = *cb
				return true
			}
		}
		return false
	})
	if !strings.Contains(failed.Error, checkout.ErrTimeout.Error()) {
		t.Errorf("callback error = %q; want the engine's read deadline (%q)", failed.Error, checkout.ErrTimeout)
	}
	if failed.State != kassa.CallbackReceived {
		t.Errorf("callback state after a failed attempt = %s, want received (to be retried)", failed.State)
	}
	e.wantStatus(o.ID, kassa.StatusPending)

	e.sim.SetFaults(mapisim.Faults{})
	e.advance(callbackBackoffMax)
	e.wantStatus(o.ID, kassa.StatusProcessing)
}

// TestPlaceOrderDeadlines: when the create and the search hang, PlaceOrder
// answers EUNAVAILABLE once its own deadlines pass (not the client's), the
// order stays pending without a payment id, and the sweeper adopts the
// payment the lost create made once Resurs answers again.
func TestPlaceOrderDeadlines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		config func(*checkout.Config)
	}{
		{"create and search timeouts", func(c *checkout.Config) {
			c.CreateTimeout, c.SearchTimeout = 200*time.Millisecond, 200*time.Millisecond
		}},
		{"overall place timeout", func(c *checkout.Config) {
			c.PlaceTimeout = 300 * time.Millisecond // create and search keep their long defaults
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{bankTimeout: hungBankTimeout, config: func(c *checkout.Config) {
				c.SweepInterval = time.Hour // the test sweeps itself
				tt.config(c)
			}})
			if _, err := e.eng.PaymentMethods(e.ctx, teePrice, kassa.CustomerNatural); err != nil {
				t.Fatal(err) // the method list is cached before the bank hangs
			}
			hang(e.sim, "POST /v2/payments", "POST /v2/payments/search")
			o, redirect, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
			if errCode(err) != kassa.EUNAVAILABLE || !errors.Is(err, checkout.ErrTimeout) {
				t.Fatalf("PlaceOrder = %v; want EUNAVAILABLE wrapping ErrTimeout", err)
			}
			if o == nil || redirect != "" {
				t.Fatalf("PlaceOrder returned order %v, redirect %q; want the pending order and no redirect", o, redirect)
			}
			got := e.wantStatus(o.ID, kassa.StatusPending)
			if got.PaymentID != "" {
				t.Errorf("payment id = %q after a create without an answer, want none yet", got.PaymentID)
			}
			evs := e.events(o.ID)
			if last := evs[len(evs)-1].Note; !strings.Contains(last, "the sweeper will look for the payment") {
				t.Errorf("last event = %q; want the order left to the sweeper", last)
			}
			if n := len(e.sim.Payments()); n != 1 {
				t.Fatalf("the bank has %d payments, want the 1 the lost create made", n)
			}

			e.sim.SetFaults(mapisim.Faults{})
			e.clock.Advance(time.Minute)
			if n, err := e.eng.SweepOnce(e.ctx); err != nil || n != 1 {
				t.Fatalf("SweepOnce = %d, %v; want 1 order read", n, err)
			}
			got = e.wantStatus(o.ID, kassa.StatusPending)
			if want := e.sim.Payments()[0].ID; got.PaymentID != want {
				t.Errorf("payment id after the sweep = %q, want %q", got.PaymentID, want)
			}
		})
	}
}

// BenchmarkCallbackBacklog measures how fast a burst of callbacks is
// applied while payment reads are slow and some hang (cut at ReadTimeout,
// then retried after their backoff), by number of callback workers. One op is a burst of
// 64 approvals, from the signing to every inbox entry processed.
//
//	go test ./checkout -run '^$' -bench CallbackBacklog -benchtime 5x
func BenchmarkCallbackBacklog(b *testing.B) {
	for _, workers := range []int{4, 16, 32} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			e := newEnv(b, envOptions{bankTimeout: hungBankTimeout, config: func(c *checkout.Config) {
				c.Workers, c.ReadTimeout, c.SweepInterval = workers, 500*time.Millisecond, time.Hour
				c.BreakerFailures = 1000 // measure the workers, not the breaker
			}})
			slow := mapisim.Faults{Endpoints: []mapisim.EndpointFault{
				{Route: "GET /v2/payments/{id}", Latency: 20 * time.Millisecond, Timeout: 0.05}}}
			const burst = 64
			for b.Loop() {
				b.StopTimer()
				e.sim.SetFaults(mapisim.Faults{})
				if err := e.db.PutProduct(e.ctx, kassa.Product{SKU: "TEE", Name: "T-shirt", Price: teePrice,
					VATRate: 2500, Stock: initialTeeStock}); err != nil {
					b.Fatal(err)
				}
				orders := make([]*kassa.Order, burst)
				for i := range orders {
					orders[i], _ = e.place(govAccepted)
				}
				e.sim.SetFaults(slow)
				b.StartTimer()
				for _, o := range orders {
					if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
						b.Fatal(err)
					}
				}
				e.drain()
			}
		})
	}
}
