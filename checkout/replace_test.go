package checkout_test

import (
	"encoding/json"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// TestReplaceCancelsUnsignedOrder: an order replaced by a newer one of the
// same customer is cancelled at Resurs while its payment is unsigned, its
// stock comes back, and its timeline names the order that replaced it.
func TestReplaceCancelsUnsignedOrder(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	old := e.pendingOrder()
	e.proxy.answerWith("POST cancel", func() []byte { // Resurs cancels the unsigned payment
		p := e.payment(old)
		p.Status, p.RejectedReason = mapi.StatusRejected, &mapi.RejectedReason{Category: mapi.RejectedCanceled}
		b, err := json.Marshal(p)
		if err != nil {
			t.Error(err)
		}
		return b
	})
	by, _ := e.place(govAccepted)
	if _, err := e.eng.Replace(e.ctx, old.ID, by); err != nil {
		t.Fatalf("Replace: %v", err)
	}
	got := e.wantStatus(old.ID, kassa.StatusCancelled)
	if !got.StockReleased || e.stock("TEE") != initialTeeStock-1 {
		t.Errorf("stock released %v, stock %d; want only the new order's T-shirt held", got.StockReleased, e.stock("TEE"))
	}
	if !e.hasEvent(old.ID, "replaced by order "+by.Number) {
		t.Errorf("no event names the replacing order:\n%s", eventsText(e.events(old.ID)))
	}
}

// TestReplaceRefusedCancelsInTheShop: when Resurs refuses to cancel the
// unsigned payment (the simulator does), the replaced order is cancelled
// in the shop all the same, so its stock is free at once; the timeline
// names the replacing order and says the payment is annulled should the
// customer still sign it.
func TestReplaceRefusedCancelsInTheShop(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	old := e.pendingOrder()
	by, _ := e.place(govAccepted)
	if _, err := e.eng.Replace(e.ctx, old.ID, by); err != nil {
		t.Fatalf("Replace: %v; want no error", err)
	}
	got := e.wantStatus(old.ID, kassa.StatusCancelled)
	if !got.StockReleased || e.stock("TEE") != initialTeeStock-1 {
		t.Errorf("stock released %v, stock %d; want only the new order's T-shirt held", got.StockReleased, e.stock("TEE"))
	}
	if !e.hasEvent(old.ID, "replaced by order "+by.Number) || !e.hasEvent(old.ID, "cancelled by the customer") ||
		!e.hasEvent(old.ID, "annulled if the customer signs it") {
		t.Errorf("the timeline does not say why and what happens next:\n%s", eventsText(e.events(old.ID)))
	}
}

// TestReplaceLeavesSignedOrder: an order the customer signed meanwhile is
// not cancelled; the timeline notes the replacement.
func TestReplaceLeavesSignedOrder(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	old := e.pendingOrder()
	e.sign(old, mapisim.Approve)
	by, _ := e.place(govAccepted)
	if _, err := e.eng.Replace(e.ctx, old.ID, by); err != nil {
		t.Fatalf("Replace: %v", err)
	}
	e.wantStatus(old.ID, kassa.StatusProcessing)
	if e.proxy.count("POST cancel") != 0 {
		t.Error("a cancel reached the bank")
	}
	if !e.hasEvent(old.ID, "left as it is") {
		t.Errorf("no event notes the replacement:\n%s", eventsText(e.events(old.ID)))
	}
}
