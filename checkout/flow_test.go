package checkout_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapisim"
)

func TestAcceptedFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, redirect := e.place(govAccepted)
	if o.Status != kassa.StatusPending {
		t.Fatalf("status after place = %s, want pending", o.Status)
	}
	if got, want := redirect, e.simSrv.URL+"/sign/"+o.PaymentID; got != want {
		t.Errorf("redirect = %q, want %q", got, want)
	}
	if got, want := e.stock("TEE"), int64(initialTeeStock-1); got != want {
		t.Errorf("stock = %d, want %d", got, want)
	}
	pay, ok := e.sim.Payment(o.PaymentID)
	if !ok {
		t.Fatal("the bank does not know the payment")
	}
	if got, want := pay.Order.OrderReference, o.Number; got != want {
		t.Errorf("orderReference = %q, want %q", got, want)
	}
	if got, want := int64(pay.Order.TotalOrderAmount), int64(teePrice+defaultShippingPaid); got != want {
		t.Errorf("bank total = %d, want %d", got, want)
	}
	e.sign(o, mapisim.Approve)
	o = e.wantStatus(o.ID, kassa.StatusProcessing)
	if o.Authorized != o.Total || o.PaymentStatus != kassa.PaymentAccepted {
		t.Errorf("authorized = %s (total %s), payment status %q", o.Authorized, o.Total, o.PaymentStatus)
	}
	if got, want := e.stock("TEE"), int64(initialTeeStock-1); got != want {
		t.Errorf("stock after acceptance = %d, want %d", got, want)
	}
}

// TestPersonas runs every persona of docs/mapi.md §Test personas through the whole
// flow: sign, callbacks, the customer's return, Resurs' later decision.
func TestPersonas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		gov        string
		decision   mapisim.Decision
		first      kassa.Status  // after signing, callbacks and return
		later      time.Duration // Resurs decides after this
		final      kassa.Status
		wantReason bool
	}{
		{"accepted", govAccepted, mapisim.Approve, kassa.StatusProcessing, 0, kassa.StatusProcessing, false},
		{"rejected", govRejected, mapisim.Approve, kassa.StatusFailed, 0, kassa.StatusFailed, true},
		{"customer rejects", govAccepted, mapisim.Reject, kassa.StatusFailed, 0, kassa.StatusFailed, true},
		{"customer aborts", govAccepted, mapisim.Abort, kassa.StatusCancelled, 0, kassa.StatusCancelled, true},
		{"frozen", govFrozen, mapisim.Approve, kassa.StatusOnHold, time.Hour, kassa.StatusOnHold, true},
		{"frozen then accepted", govFrozenAccepted, mapisim.Approve, kassa.StatusOnHold, 5 * time.Second, kassa.StatusProcessing, false},
		{"frozen then annulled", govFrozenRejected, mapisim.Approve, kassa.StatusOnHold, 5 * time.Second, kassa.StatusFailed, true},
		{"inspection then accepted", govInspectAccepted, mapisim.Approve, kassa.StatusOnHold, 10 * time.Second, kassa.StatusProcessing, false},
		{"inspection then rejected", govInspectRejected, mapisim.Approve, kassa.StatusOnHold, 10 * time.Second, kassa.StatusFailed, true},
	}
	e := newEnv(t, envOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			o, _ := e.place(tt.gov)
			e.sign(o, tt.decision)
			e.wantStatus(o.ID, tt.first)
			got, err := e.eng.Return(e.ctx, o.ID, o.Key)
			if err != nil || got.Status != tt.first {
				t.Fatalf("Return = %v, %v; want %s", got.Status, err, tt.first)
			}
			e.advance(tt.later)
			got = e.wantStatus(o.ID, tt.final)
			if (got.StatusReason != "") != tt.wantReason {
				t.Errorf("status reason = %q, want one: %v", got.StatusReason, tt.wantReason)
			}
			pay, ok := e.sim.Payment(o.PaymentID)
			if !ok {
				t.Fatalf("payment %s unknown to the simulator", o.PaymentID)
			}
			snap := snapshot(pay)
			if ts, err := e.bank.TaskStatus(e.ctx, o.PaymentID); err == nil {
				snap.TaskCompleted = ts.Completed
			}
			if want, _ := kassa.Target(snap); tt.final != want {
				t.Errorf("bank says %s (%v), which implies %s; order is %s", pay.Status, pay.RejectedReason, want, tt.final)
			}
			wantStock := int64(1)
			if tt.final.ReleasesStock() {
				wantStock = 0
			}
			if !got.StockReleased && wantStock == 0 || got.StockReleased && wantStock == 1 {
				t.Errorf("stock released = %v for %s", got.StockReleased, tt.final)
			}
		})
	}
}

// TestCallbackBeforeReturn: the callback decides; the return is a no-op.
func TestCallbackBeforeReturn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusProcessing)
	if _, err := e.eng.Return(e.ctx, o.ID, o.Key); err != nil {
		t.Fatal(err)
	}
	evs := e.events(o.ID)
	ap := applied(evs)
	if len(ap) != 2 || ap[1].Source != kassa.SourceCallback || ap[1].To != kassa.StatusProcessing {
		t.Fatalf("applied events:\n%s", eventsText(evs))
	}
	last := evs[len(evs)-1]
	if last.Source != kassa.SourceReturn || last.Applied {
		t.Errorf("last event = %+v, want a return no-op", last)
	}
}

// TestReturnBeforeCallback: the return decides; the late callback is a no-op.
func TestReturnBeforeCallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Delay: 1, MaxDelay: time.Hour}})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusPending) // the callback is still on its way
	got, err := e.eng.Return(e.ctx, o.ID, o.Key)
	if err != nil || got.Status != kassa.StatusProcessing {
		t.Fatalf("Return = %v, %v", got.Status, err)
	}
	e.advance(time.Hour)
	e.wantStatus(o.ID, kassa.StatusProcessing)
	evs := e.events(o.ID)
	ap := applied(evs)
	if len(ap) != 2 || ap[1].Source != kassa.SourceReturn {
		t.Fatalf("applied events:\n%s", eventsText(evs))
	}
	last := evs[len(evs)-1]
	if last.Source != kassa.SourceCallback || last.Applied {
		t.Errorf("last event = %+v, want a callback no-op", last)
	}
}

func TestDuplicateCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Duplicate: 1}})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusProcessing)
	cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
	if err != nil {
		t.Fatal(err)
	}
	states := map[kassa.CallbackState]int{}
	for _, cb := range cbs {
		states[cb.State]++
		// Keyed by order first, so that the keys of one moment's orders
		// sit together in the unique index (dedupKey).
		if prefix := fmt.Sprintf("%d:a:%s:", o.ID, o.PaymentID); !strings.HasPrefix(cb.DedupKey, prefix) {
			t.Errorf("dedup key %q, want it to start with %q", cb.DedupKey, prefix)
		}
	}
	if states[kassa.CallbackProcessed] != 1 || states[kassa.CallbackDuplicate] != 1 || len(cbs) != 2 {
		t.Errorf("callback states = %v, want one processed and one duplicate", states)
	}
	// The same body once more, by hand: recorded as a duplicate, nothing applied.
	ds := e.sim.Deliveries(o.PaymentID)
	if len(ds) == 0 {
		t.Fatal("no deliveries")
	}
	before := len(e.events(o.ID))
	if err := e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, tokenOf(t, ds[0].URL), []byte(ds[0].Body)); err != nil {
		t.Fatalf("ReceiveCallback duplicate: %v", err)
	}
	e.settle()
	if after := len(e.events(o.ID)); after != before {
		t.Errorf("a duplicate added %d events", after-before)
	}
	if n := len(applied(e.events(o.ID))); n != 2 {
		t.Errorf("applied events = %d, want 2 (placed, processing)", n)
	}
}

// TestLostCallbacks: every callback is dropped and the customer never
// returns; the sweeper makes the order right.
func TestLostCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Drop: 1}})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusPending)
	if n, err := e.eng.SweepOnce(e.ctx); err != nil || n != 0 {
		t.Fatalf("SweepOnce before due = %d, %v; want 0 orders", n, err)
	}
	e.advance(time.Minute)
	if n, err := e.eng.SweepOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("SweepOnce = %d, %v; want 1 order", n, err)
	}
	o = e.wantStatus(o.ID, kassa.StatusProcessing)
	if !o.NextSyncAt.IsZero() {
		t.Errorf("a processing order is still scheduled for %v", o.NextSyncAt)
	}
	ap := applied(e.events(o.ID))
	if ap[len(ap)-1].Source != kassa.SourceSweeper {
		t.Errorf("last applied event by %s, want sweeper", ap[len(ap)-1].Source)
	}
}

// TestSweeperSchedule: a frozen order is read at +1, +5, +15 minutes, then
// hourly, and a sweeper read that changes nothing adds no event.
func TestSweeperSchedule(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govFrozen)
	e.sign(o, mapisim.Approve)
	o = e.wantStatus(o.ID, kassa.StatusOnHold)
	events := len(e.events(o.ID))
	for _, want := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 75 * time.Minute, 135 * time.Minute} {
		o = e.order(o.ID)
		if got := o.NextSyncAt.Sub(o.CreatedAt); got != want {
			t.Fatalf("next read at +%v, want +%v", got, want)
		}
		e.clock.Advance(o.NextSyncAt.Sub(e.clock.Now()))
		if n, err := e.eng.SweepOnce(e.ctx); err != nil || n != 1 {
			t.Fatalf("SweepOnce = %d, %v", n, err)
		}
	}
	if got := len(e.events(o.ID)); got != events {
		t.Errorf("sweeper no-ops added %d events", got-events)
	}
}

// TestFailURLOfAcceptedPayment: opening the fail URL never cancels an
// accepted payment.
func TestFailURLOfAcceptedPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Drop: 1}})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	got, err := e.eng.Fail(e.ctx, o.ID, o.Key)
	if err != nil || got.Status != kassa.StatusProcessing {
		t.Fatalf("Fail = %v, %v; want processing", got.Status, err)
	}
	got, err = e.eng.Fail(e.ctx, o.ID, o.Key)
	if err != nil || got.Status != kassa.StatusProcessing {
		t.Fatalf("Fail again = %v, %v; want processing", got.Status, err)
	}
	if got.StockReleased {
		t.Error("stock released for an accepted payment")
	}
}

func TestReturnWithBadKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govAccepted)
	for _, key := range []string{"", "x", o.CallbackToken, o.Key + "x"} {
		if _, err := e.eng.Return(e.ctx, o.ID, key); !isCode(err, kassa.EUNAUTHORIZED) {
			t.Errorf("Return(key %q) = %v, want EUNAUTHORIZED", key, err)
		}
		if _, err := e.eng.Fail(e.ctx, o.ID, key); !isCode(err, kassa.EUNAUTHORIZED) {
			t.Errorf("Fail(key %q) = %v, want EUNAUTHORIZED", key, err)
		}
		if _, _, err := e.eng.CustomerOrder(e.ctx, o.ID, key); !isCode(err, kassa.EUNAUTHORIZED) {
			t.Errorf("CustomerOrder(key %q) = %v, want EUNAUTHORIZED", key, err)
		}
	}
	if _, err := e.eng.Return(e.ctx, o.ID+1000, o.Key); !isCode(err, kassa.ENOTFOUND) {
		t.Errorf("Return(unknown order) = %v, want ENOTFOUND", err)
	}
	if got := len(e.events(o.ID)); got != 2 {
		t.Errorf("bad keys added events: %d", got)
	}
	got, evs, err := e.eng.CustomerOrder(e.ctx, o.ID, o.Key)
	if err != nil || got.ID != o.ID || len(evs) != 2 {
		t.Errorf("CustomerOrder = %v, %d events, %v", got, len(evs), err)
	}
}

// TestTTLExpiry: the customer never signs; the payment expires at Resurs,
// the order is cancelled and restocked, by callback or by the sweeper.
func TestTTLExpiry(t *testing.T) {
	t.Parallel()
	for _, lost := range []bool{false, true} {
		name := map[bool]string{false: "callback", true: "sweeper"}[lost]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			if lost {
				e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Drop: 1}})
			}
			o, _ := e.place(govAccepted)
			e.advance(2*time.Hour + time.Minute)
			if lost {
				e.wantStatus(o.ID, kassa.StatusPending)
				if _, err := e.eng.SweepOnce(e.ctx); err != nil {
					t.Fatal(err)
				}
			}
			got := e.wantStatus(o.ID, kassa.StatusCancelled)
			if !got.StockReleased || e.stock("TEE") != initialTeeStock {
				t.Errorf("stock released %v, stock %d", got.StockReleased, e.stock("TEE"))
			}
		})
	}
}
