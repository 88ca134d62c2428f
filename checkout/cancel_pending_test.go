package checkout_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// pendingOrder places an order for one T-shirt and leaves it unsigned.
func (e *afterEnv) pendingOrder() *kassa.Order {
	e.t.Helper()
	o, _ := e.place(govAccepted)
	if o.Status != kassa.StatusPending || e.stock("TEE") != initialTeeStock-1 {
		e.t.Fatalf("placed order %s, stock %d; want pending, one T-shirt held", o.Status, e.stock("TEE"))
	}
	return o
}

// wantCancelledByAdmin checks that o is cancelled, its T-shirt back in
// stock, and the timeline names the admin who did it.
func (e *afterEnv) wantCancelledByAdmin(o *kassa.Order) {
	e.t.Helper()
	got := e.wantStatus(o.ID, kassa.StatusCancelled)
	if !got.StockReleased || e.stock("TEE") != initialTeeStock {
		e.t.Errorf("stock released %v, stock %d; want the T-shirt back", got.StockReleased, e.stock("TEE"))
	}
	for _, ev := range applied(e.events(o.ID)) {
		if ev.To == kassa.StatusCancelled && ev.Source == kassa.SourceAdmin && strings.Contains(ev.Note, "Anna") {
			return
		}
	}
	e.t.Errorf("no event says the admin Anna cancelled the order:\n%s", eventsText(e.events(o.ID)))
}

func annaCancels() checkout.ActionRequest {
	return checkout.ActionRequest{All: true, Source: kassa.SourceAdmin, Creator: "Anna"}
}

func TestCancelPendingAcceptedByResurs(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.pendingOrder()
	e.proxy.answerWith("POST cancel", func() []byte { // Resurs cancels the unsigned payment
		p := e.payment(o)
		p.Status, p.RejectedReason = mapi.StatusRejected, &mapi.RejectedReason{Category: mapi.RejectedCanceled}
		b, err := json.Marshal(p)
		if err != nil {
			t.Error(err)
		}
		return b
	})
	_, a, err := e.eng.Cancel(e.ctx, o.ID, annaCancels())
	if err != nil || a == nil || a.State != kassa.ActionSucceeded {
		t.Fatalf("Cancel pending: %v, action %+v; want the cancel accepted", err, a)
	}
	e.wantCancelledByAdmin(o)
}

// TestCancelPendingRefusedWhileSignable: the simulator refuses to cancel a
// payment still waiting for the customer; the order is cancelled in the
// shop all the same, its stock released at once, and the timeline names
// the admin and says what happens should the customer sign.
func TestCancelPendingRefusedWhileSignable(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.cancelledWhileSignable()
	if n := e.proxy.count("POST cancel"); n != 1 {
		t.Errorf("%d cancels reached the bank, want 1", n)
	}
	if p := e.payment(o); p.Status != mapi.StatusTaskRedirectionRequired {
		t.Errorf("payment %s at Resurs; want it still waiting for the customer", p.Status)
	}
}

// cancelledWhileSignable places an order and has the admin Anna cancel it
// while the customer can still sign; Resurs (the simulator) refuses.
func (e *afterEnv) cancelledWhileSignable() *kassa.Order {
	e.t.Helper()
	o := e.pendingOrder()
	_, a, err := e.eng.Cancel(e.ctx, o.ID, annaCancels())
	if err != nil || a == nil || a.State != kassa.ActionRefused {
		e.t.Fatalf("Cancel pending: %v, action %+v; want no error, the cancel refused by Resurs", err, a)
	}
	e.wantCancelledByAdmin(o)
	if !e.hasEvent(o.ID, "it will be annulled if the customer signs it") {
		e.t.Errorf("no event says the payment will be annulled if signed:\n%s", eventsText(e.events(o.ID)))
	}
	return o
}

// TestCancelPendingThenSigned: the customer signs the payment of an order
// the admin cancelled while Resurs could not cancel it. The engine annuls
// it at Resurs through a cancel action of its own; the order stays
// cancelled, and no alert is raised.
func TestCancelPendingThenSigned(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	e := newAfterEnv(t, envOptions{config: func(c *checkout.Config) { c.Metrics = checkout.NewMetrics(reg) }})
	o := e.cancelledWhileSignable()
	e.sign(o, mapisim.Approve)
	// The callback's entry is settled with the order write; the annulment
	// follows that write.
	e.waitFor("the annulling cancel", func() bool {
		a := e.lastAction(o.ID)
		return a.Kind == kassa.ActionCancel && a.State == kassa.ActionSucceeded
	})
	e.wantAnnulled(o, reg)
}

// TestCancelPendingThenSignedLostAnswer: as TestCancelPendingThenSigned,
// but the answer to the annulling cancel is lost, and so is the read after
// it: the cancel stays pending, the action queue resumes it, finds its
// transactionId at Resurs and sends nothing again.
func TestCancelPendingThenSignedLostAnswer(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	e := newAfterEnv(t, envOptions{config: func(c *checkout.Config) {
		c.Metrics, c.BreakerFailures = checkout.NewMetrics(reg), 100
	}})
	o := e.cancelledWhileSignable()
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments/{id}/cancel", Timeout: 1, TimeoutAfterExecute: true},
	}})
	e.proxy.downAfter("POST cancel", "GET payment")
	if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	var annul *kassa.Action
	e.waitFor("the annulling cancel", func() bool {
		annul = e.lastAction(o.ID)
		return annul.Kind == kassa.ActionCancel && annul.State == kassa.ActionPending && annul.Attempts == 1 &&
			e.proxy.count("POST cancel") == 2
	})
	e.sim.SetFaults(mapisim.Faults{})
	e.proxy.up()
	e.waitAction(annul.ID, kassa.ActionSucceeded)
	e.drain()
	e.wantAnnulled(o, reg)
}

// lastAction returns the newest action of order id.
func (e *afterEnv) lastAction(id int64) *kassa.Action {
	e.t.Helper()
	as, err := e.eng.OrderActions(e.ctx, id)
	if err != nil || len(as) == 0 {
		e.t.Fatalf("OrderActions(%d) = %d actions, %v", id, len(as), err)
	}
	return as[len(as)-1]
}

// wantAnnulled checks that o's payment, signed after the admin cancelled
// the order, was cancelled at Resurs exactly once by a second cancel
// action, that the order stayed cancelled, and that nothing was alerted.
func (e *afterEnv) wantAnnulled(o *kassa.Order, reg *prometheus.Registry) {
	e.t.Helper()
	p := e.payment(o)
	if p.Status != mapi.StatusAccepted || kassa.Money(p.Order.CanceledAmount) != o.Total || p.Order.CapturedAmount != 0 {
		e.t.Errorf("payment %s, canceled %s, captured %s at Resurs; want ACCEPTED, %s cancelled, nothing captured",
			p.Status, kassa.Money(p.Order.CanceledAmount), kassa.Money(p.Order.CapturedAmount), o.Total)
	}
	if n, calls := len(e.logged(o, mapi.LogCancel)), e.proxy.count("POST cancel"); n != 1 || calls != 2 {
		e.t.Errorf("%d CANCEL entries, %d cancel calls; want 1 and 2 (the refused one and the annulment)", n, calls)
	}
	e.wantAmounts(o.ID, amounts{kassa.StatusCancelled, 0, 0, 0, o.Total})
	as, err := e.eng.OrderActions(e.ctx, o.ID)
	if err != nil || len(as) != 2 || as[1].Kind != kassa.ActionCancel || as[1].State != kassa.ActionSucceeded || as[1].Creator != "Anna" {
		e.t.Fatalf("actions %v: %+v; want the refused cancel, then one succeeded cancel for Anna", err, as)
	}
	if !e.hasEvent(o.ID, "payment signed after the order was cancelled") || e.hasEvent(o.ID, "ALERT") {
		e.t.Errorf("want an event on the late signature and no ALERT:\n%s", eventsText(e.events(o.ID)))
	}
	const none = `
# HELP kassa_paid_but_closed_total Payment reads that found an accepted payment holding money on a cancelled or failed order (refund the payment or revive the order).
# TYPE kassa_paid_but_closed_total counter
kassa_paid_but_closed_total 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(none), "kassa_paid_but_closed_total"); err != nil {
		e.t.Error(err)
	}
}

func TestCancelPendingRefusedButExpired(t *testing.T) {
	t.Parallel()
	// A negative grace makes the shop count the payment as expired an
	// hour before the simulator stops waiting for the customer.
	e := newAfterEnv(t, envOptions{config: func(c *checkout.Config) { c.ExpiryGrace = -time.Hour }})
	o := e.pendingOrder()
	e.advance(time.Hour + time.Minute)
	if _, _, err := e.eng.Cancel(e.ctx, o.ID, annaCancels()); err != nil {
		t.Fatalf("Cancel expired pending: %v", err)
	}
	e.wantCancelledByAdmin(o)
}

func TestCancelPendingByLinesRefused(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.pendingOrder()
	req := annaCancels()
	req.All, req.Lines = false, []kassa.LineRequest{{SKU: "TEE", Quantity: 1}}
	if _, a, err := e.eng.Cancel(e.ctx, o.ID, req); errCode(err) != kassa.EINVALID || a != nil {
		t.Fatalf("Cancel pending by lines: %v, action %v; want invalid, no action", err, a)
	}
	if e.proxy.count("POST cancel") != 0 {
		t.Errorf("a cancel reached the bank")
	}
	e.wantStatus(o.ID, kassa.StatusPending)
}
