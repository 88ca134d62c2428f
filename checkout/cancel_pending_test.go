package checkout_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
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

func TestCancelPendingRefusedWhileSignable(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.pendingOrder()
	_, _, err := e.eng.Cancel(e.ctx, o.ID, annaCancels()) // the simulator refuses: not ACCEPTED
	if errCode(err) != kassa.ECONFLICT || !strings.Contains(kassa.ErrorMessage(err), "can still sign it") {
		t.Fatalf("Cancel pending: %v; want a conflict saying the customer can still sign", err)
	}
	if got := e.wantStatus(o.ID, kassa.StatusPending); got.StockReleased || e.stock("TEE") != initialTeeStock-1 {
		t.Errorf("stock released %v, stock %d; want the T-shirt still held", got.StockReleased, e.stock("TEE"))
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
