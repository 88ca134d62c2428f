package checkout_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
)

func faults(route string, f mapisim.EndpointFault) mapisim.Faults {
	f.Route = route
	return mapisim.Faults{Endpoints: []mapisim.EndpointFault{f}}
}

func (e *env) orderCount() int {
	e.t.Helper()
	_, n, err := e.db.Orders(e.ctx, kassa.OrderFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestCreateFailsWith5xx: Resurs answers 503 to the create and the search
// finds nothing: a clear failure, stock back.
func TestCreateFailsWith5xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(faults("POST /v2/payments", mapisim.EndpointFault{Error5xx: 1}))
	o, redirect, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
	if !isCode(err, kassa.EUNAVAILABLE) || kassa.ErrorMessage(err) == "" || redirect != "" {
		t.Fatalf("PlaceOrder = %q, %v; want EUNAVAILABLE", redirect, err)
	}
	got := e.wantStatus(o.ID, kassa.StatusFailed)
	if !got.StockReleased || e.stock("TEE") != initialTeeStock || got.StatusReason == "" {
		t.Errorf("stock released %v, stock %d, reason %q", got.StockReleased, e.stock("TEE"), got.StatusReason)
	}
	if n := len(e.sim.Payments()); n != 0 {
		t.Errorf("the bank has %d payments", n)
	}
}

// TestCreateRefused: a refusal (a 4xx from Resurs, or a request the client
// will not send) fails the order with the MAPI error in the event and
// EDECLINED for the customer.
func TestCreateRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		phone string // refused by Resurs although its format is right
		hold  time.Duration
		note  string
	}{
		{"refused by Resurs", "0809910000", 0, "HTTP 400"},
		{"refused by the client", "", 50000 * time.Minute, "timeToLiveInMinutes"}, // above 43200
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{config: func(c *checkout.Config) { c.Hold = tt.hold }})
			req := orderRequest(govAccepted)
			if tt.phone != "" {
				req.Customer.Phone = tt.phone
			}
			o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
			if !isCode(err, kassa.EDECLINED) {
				t.Fatalf("PlaceOrder = %v, want EDECLINED", err)
			}
			got := e.wantStatus(o.ID, kassa.StatusFailed)
			if !got.StockReleased || e.stock("TEE") != initialTeeStock || got.StatusReason == "" {
				t.Errorf("stock released %v, reason %q", got.StockReleased, got.StatusReason)
			}
			evs := e.events(o.ID)
			if last := evs[len(evs)-1]; !last.Applied || last.To != kassa.StatusFailed || !strings.Contains(last.Note, tt.note) {
				t.Errorf("last event %+v, want a note with %q", last, tt.note)
			}
		})
	}
}

// TestBankDownDuringCreate: with every MAPI call failing the orders are
// left for the sweeper, the breaker opens and PlaceOrder then fails fast
// without creating anything; when Resurs is back the sweeper fails the
// orders (no payment was made) and returns their stock.
func TestBankDownDuringCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{config: func(c *checkout.Config) {
		c.BreakerFailures = 4
		c.BreakerOpen = 3 * time.Second
	}})
	if _, err := e.eng.PaymentMethods(e.ctx, 1000, kassa.CustomerNatural); err != nil {
		t.Fatal(err) // warms the method cache, as the checkout page does
	}
	e.sim.SetFaults(faults("*", mapisim.EndpointFault{Error5xx: 1}))
	var placed []*kassa.Order
	for range 2 { // create + search fail: two failures per order
		o, _, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
		if !isCode(err, kassa.EUNAVAILABLE) {
			t.Fatalf("PlaceOrder = %v, want EUNAVAILABLE", err)
		}
		if o.Status != kassa.StatusPending || o.PaymentID != "" {
			t.Fatalf("order %s with payment %q, want pending without payment", o.Status, o.PaymentID)
		}
		placed = append(placed, o)
	}
	n, stock := e.orderCount(), e.stock("TEE")
	o, _, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
	if !isCode(err, kassa.EUNAVAILABLE) || o != nil {
		t.Fatalf("PlaceOrder with the breaker open = %v, %v; want EUNAVAILABLE and no order", o, err)
	}
	if e.orderCount() != n || e.stock("TEE") != stock {
		t.Errorf("an order was created while the breaker was open")
	}
	e.sim.SetFaults(mapisim.Faults{})
	e.waitFor("breaker half-open", func() bool {
		_, err := e.eng.Sync(e.ctx, placed[0].ID, kassa.SourceAdmin)
		return err == nil
	})
	e.clock.Advance(10 * time.Minute)
	if _, err := e.eng.SweepOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, o := range placed {
		got := e.wantStatus(o.ID, kassa.StatusFailed)
		if !got.StockReleased {
			t.Errorf("order %d: stock not released", o.ID)
		}
	}
	if got := e.stock("TEE"); got != initialTeeStock {
		t.Errorf("stock = %d, want %d", got, initialTeeStock)
	}
	if n := len(e.sim.Payments()); n != 0 {
		t.Errorf("the bank has %d payments", n)
	}
}

// TestBankDownDuringSync: reads fail while the customer returns; the order
// is shown as it is, and a later sweep ends it right.
func TestBankDownDuringSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Drop: 1}})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	f := faults("GET /v2/payments/{id}", mapisim.EndpointFault{Error5xx: 1})
	f.Callbacks.Drop = 1
	e.sim.SetFaults(f)
	if _, err := e.eng.Return(e.ctx, o.ID, o.Key+"x"); !isCode(err, kassa.EUNAUTHORIZED) {
		t.Fatalf("Return with a wrong key while Resurs is down = %v, want EUNAUTHORIZED", err)
	}
	got, err := e.eng.Return(e.ctx, o.ID, o.Key)
	if err != nil || got.Status != kassa.StatusPending {
		t.Fatalf("Return while Resurs is down = %v, %v; want pending, no error", got.Status, err)
	}
	if want := e.clock.Now().Add(30 * time.Second); !got.NextSyncAt.Equal(want) {
		t.Errorf("next sync %v, want %v", got.NextSyncAt, want)
	}
	if _, err := e.eng.Sync(e.ctx, o.ID, kassa.SourceAdmin); !isCode(err, kassa.EUNAVAILABLE) {
		t.Errorf("Sync = %v, want EUNAVAILABLE", err)
	}
	e.clock.Advance(time.Minute)
	e.eng.SweepOnce(e.ctx)
	e.wantStatus(o.ID, kassa.StatusPending)
	e.sim.SetFaults(mapisim.Faults{})
	e.clock.Advance(5 * time.Minute)
	if _, err := e.eng.SweepOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	got = e.wantStatus(o.ID, kassa.StatusProcessing)
	if got.SyncAttempts != 0 {
		t.Errorf("sync attempts = %d after a good read", got.SyncAttempts)
	}
}

// TestAmbiguousCreate: the create is executed at Resurs but its answer is
// lost; the search finds it and exactly one payment exists.
func TestAmbiguousCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{bankTimeout: time.Second})
	e.sim.SetFaults(faults("POST /v2/payments", mapisim.EndpointFault{Timeout: 1, TimeoutAfterExecute: true}))
	o, redirect, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
	if err != nil {
		t.Fatalf("PlaceOrder = %v", err)
	}
	if o.PaymentID == "" || redirect != e.simSrv.URL+"/sign/"+o.PaymentID {
		t.Fatalf("payment %q, redirect %q", o.PaymentID, redirect)
	}
	if n := paymentsFor(e, o.Number); n != 1 {
		t.Fatalf("the bank has %d payments for %s, want 1", n, o.Number)
	}
	e.sim.SetFaults(mapisim.Faults{})
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusProcessing)
}

// TestAmbiguousCreateSearchDown: the create's answer is lost and the
// search fails too; the order waits without a payment id. A forged
// callback naming another payment is refused by the job; the real
// callback is verified against the bank and adopted.
func TestAmbiguousCreateSearchDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{bankTimeout: time.Second})
	other, _ := e.place(govAccepted)
	f := faults("POST /v2/payments", mapisim.EndpointFault{Timeout: 1, TimeoutAfterExecute: true})
	f.Endpoints = append(f.Endpoints, mapisim.EndpointFault{Route: "POST /v2/payments/search", Error5xx: 1})
	e.sim.SetFaults(f)
	o, _, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
	if !isCode(err, kassa.EUNAVAILABLE) || o.PaymentID != "" || o.Status != kassa.StatusPending {
		t.Fatalf("PlaceOrder = %v, payment %q, %s", err, o.PaymentID, o.Status)
	}
	e.sim.SetFaults(mapisim.Faults{})
	tok := fmt.Sprintf("%d.%s", o.ID, o.CallbackToken)
	for _, forged := range []string{other.PaymentID, "0b7d5c5e-1111-4222-8333-444455556666"} {
		if err := e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, tok, authBody(forged, "AUTHORIZED")); err != nil {
			t.Fatal(err)
		}
	}
	e.settle()
	if got := e.order(o.ID); got.PaymentID != "" || got.Status != kassa.StatusPending {
		t.Fatalf("a foreign payment was adopted: %q %s", got.PaymentID, got.Status)
	}
	cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
	if err != nil {
		t.Fatalf("Callbacks: %v", err)
	}
	if len(cbs) != 2 || cbs[0].State != kassa.CallbackQuarantined || cbs[1].State != kassa.CallbackQuarantined {
		t.Fatalf("the forged callbacks are %v, want quarantined", cbs)
	}
	var paymentID string
	for _, p := range e.sim.Payments() {
		if p.Order.OrderReference == o.Number {
			paymentID = p.ID
		}
	}
	o.PaymentID = paymentID
	e.sign(o, mapisim.Approve)
	got := e.wantStatus(o.ID, kassa.StatusProcessing)
	if got.PaymentID != paymentID {
		t.Errorf("payment id %q, want %q", got.PaymentID, paymentID)
	}
	if n := paymentsFor(e, o.Number); n != 1 {
		t.Errorf("the bank has %d payments, want 1", n)
	}
}

func paymentsFor(e *env, ref string) int {
	n := 0
	for _, p := range e.sim.Payments() {
		if p.Order.OrderReference == ref {
			n++
		}
	}
	return n
}

// TestBreakerFailFastBeforeAnything: PlaceOrder refuses at once while the
// breaker is open, before validating or reserving.
func TestAmbiguousCreateResolvedBySweeper(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{bankTimeout: time.Second})
	f := faults("POST /v2/payments", mapisim.EndpointFault{Timeout: 1, TimeoutAfterExecute: true})
	f.Endpoints = append(f.Endpoints, mapisim.EndpointFault{Route: "POST /v2/payments/search", Error5xx: 1})
	f.Callbacks.Drop = 1
	e.sim.SetFaults(f)
	o, _, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
	if !isCode(err, kassa.EUNAVAILABLE) || o.PaymentID != "" {
		t.Fatalf("PlaceOrder = %v, payment %q", err, o.PaymentID)
	}
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Drop: 1}})
	e.clock.Advance(30 * time.Second)
	if n, err := e.eng.SweepOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("SweepOnce = %d, %v", n, err)
	}
	got := e.wantStatus(o.ID, kassa.StatusPending)
	if got.PaymentID == "" || paymentsFor(e, o.Number) != 1 {
		t.Fatalf("payment %q adopted, %d at the bank", got.PaymentID, paymentsFor(e, o.Number))
	}
}

// TestCallbackGivesUp: while payment reads fail, the inbox entry is tried
// again after its backoff (on the engine's clock) and, after its last
// attempt, marked failed; the sweeper still makes the order right, and
// "process again" works.
func TestCallbackGivesUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{config: func(c *checkout.Config) { c.CallbackAttempts = 3 }})
	o, _ := e.place(govAccepted)
	e.sim.SetFaults(faults("GET /v2/payments/{id}", mapisim.EndpointFault{Error5xx: 1}))
	if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	entry := func() *kassa.Callback {
		cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
		if err != nil || len(cbs) != 1 {
			t.Fatalf("callbacks = %d, %v; want 1", len(cbs), err)
		}
		return cbs[0]
	}
	var cb *kassa.Callback
	e.waitFor("the first attempt to fail", func() bool { cb = entry(); return cb.Attempts == 1 })
	// Backoff 1 s, then 2 s: not due before, due after.
	for attempt, wait := range []time.Duration{time.Second, 2 * time.Second} {
		if cb.State != kassa.CallbackReceived || cb.Error == "" || !cb.NextAttemptAt.Equal(e.clock.Now().Add(wait)) {
			t.Fatalf("after attempt %d: %s, next %v (now %v), error %q; want received, next in %v",
				attempt+1, cb.State, cb.NextAttemptAt, e.clock.Now(), cb.Error, wait)
		}
		e.clock.Advance(wait - time.Millisecond)
		if n, err := e.eng.RetryCallbacks(e.ctx); n != 0 || err != nil {
			t.Fatalf("RetryCallbacks before the entry is due = %d, %v", n, err)
		}
		e.clock.Advance(time.Millisecond)
		e.waitFor("the next attempt", func() bool { cb = entry(); return cb.Attempts == attempt+2 })
	}
	if cb.State != kassa.CallbackFailed || cb.Error == "" || !cb.NextAttemptAt.IsZero() {
		t.Errorf("after the last attempt: %s, error %q, next %v; want failed", cb.State, cb.Error, cb.NextAttemptAt)
	}
	e.wantStatus(o.ID, kassa.StatusPending)
	e.sim.SetFaults(mapisim.Faults{})
	e.clock.Advance(5 * time.Minute)
	if _, err := e.eng.SweepOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.wantStatus(o.ID, kassa.StatusProcessing)
	if err := e.eng.ReprocessCallback(e.ctx, cb.ID); err != nil {
		t.Fatal(err)
	}
	e.settle()
	if got, err := e.db.Callback(e.ctx, cb.ID); err != nil || got.State != kassa.CallbackProcessed {
		t.Fatalf("reprocessed callback: %+v, %v; want processed", got, err)
	}
}

// TestLostCreateFailsOnlyAfterGrace: the create never reached Resurs and
// the search failed too. A sync in the first two minutes proves nothing (a
// create could still be in flight); after that, an empty search fails the
// order and returns its stock.
func TestLostCreateFailsOnlyAfterGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{bankTimeout: time.Second})
	f := faults("POST /v2/payments", mapisim.EndpointFault{Timeout: 1})
	f.Endpoints = append(f.Endpoints, mapisim.EndpointFault{Route: "POST /v2/payments/search", Error5xx: 1})
	e.sim.SetFaults(f)
	o, _, err := e.eng.PlaceOrder(e.ctx, orderRequest(govAccepted), kassa.SourceCheckout)
	if !isCode(err, kassa.EUNAVAILABLE) || o.PaymentID != "" {
		t.Fatalf("PlaceOrder = %v, payment %q", err, o.PaymentID)
	}
	e.sim.SetFaults(mapisim.Faults{})
	e.clock.Advance(time.Minute)
	if _, err := e.eng.Sync(e.ctx, o.ID, kassa.SourceAdmin); err != nil {
		t.Fatal(err)
	}
	got := e.wantStatus(o.ID, kassa.StatusPending)
	if want := o.CreatedAt.Add(2 * time.Minute); !got.NextSyncAt.Equal(want) {
		t.Errorf("next sync %v, want %v", got.NextSyncAt, want)
	}
	e.clock.Advance(time.Minute)
	if n, err := e.eng.SweepOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("SweepOnce = %d, %v", n, err)
	}
	got = e.wantStatus(o.ID, kassa.StatusFailed)
	if !got.StockReleased || e.stock("TEE") != initialTeeStock {
		t.Errorf("stock not released")
	}
	if n := paymentsFor(e, o.Number); n != 0 {
		t.Errorf("the bank has %d payments", n)
	}
}
