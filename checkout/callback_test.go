package checkout_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

func authBody(paymentID, status string) []byte {
	return fmt.Appendf(nil, `{"paymentId":%q,"status":%q,"created":"2026-03-02T10:00:01.000Z"}`, paymentID, status)
}

// TestForgedCallbacks: nothing a forger sends changes an order; all of it
// is stored in quarantine.
func TestForgedCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govFrozen) // left pending: nobody signs
	other, _ := e.place(govAccepted)
	e.sign(other, mapisim.Approve)
	good := fmt.Sprintf("%d.%s", o.ID, o.CallbackToken)
	tests := []struct {
		name    string
		kind    kassa.CallbackKind
		token   string
		body    []byte
		want    string // error code; "" = accepted (2xx)
		orderID int64  // the quarantined entry's order
	}{
		{"missing token", kassa.CallbackAuthorization, "", authBody(o.PaymentID, "AUTHORIZED"), kassa.EUNAUTHORIZED, 0},
		{"bad secret", kassa.CallbackAuthorization, fmt.Sprintf("%d.%s", o.ID, other.CallbackToken), authBody(o.PaymentID, "AUTHORIZED"), kassa.EUNAUTHORIZED, 0},
		{"unknown order", kassa.CallbackAuthorization, fmt.Sprintf("%d.%s", o.ID+99, o.CallbackToken), authBody(o.PaymentID, "AUTHORIZED"), kassa.EUNAUTHORIZED, 0},
		{"token without id", kassa.CallbackAuthorization, o.CallbackToken, authBody(o.PaymentID, "AUTHORIZED"), kassa.EUNAUTHORIZED, 0},
		{"unknown payment id", kassa.CallbackAuthorization, good, authBody("0b7d5c5e-1111-4222-8333-444455556666", "AUTHORIZED"), "", o.ID},
		{"another order's payment", kassa.CallbackAuthorization, good, authBody(other.PaymentID, "AUTHORIZED"), "", o.ID},
		{"malformed body", kassa.CallbackAuthorization, good, []byte(`{"paymentId":`), kassa.EINVALID, o.ID},
		{"not a uuid", kassa.CallbackAuthorization, good, authBody("nope", "AUTHORIZED"), kassa.EINVALID, o.ID},
		{"management without action id", kassa.CallbackManagement, good, fmt.Appendf(nil, `{"paymentId":%q,"action":"CAPTURE"}`, o.PaymentID), kassa.EINVALID, o.ID},
		{"too large", kassa.CallbackAuthorization, good, []byte(strings.Repeat(" ", checkoutMaxBody()+1)), kassa.EINVALID, o.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.order(o.ID)
			evs := len(e.events(o.ID))
			err := e.eng.ReceiveCallback(e.ctx, tt.kind, tt.token, tt.body)
			if got := errCode(err); got != tt.want {
				t.Fatalf("ReceiveCallback = %v, want code %q", err, tt.want)
			}
			e.settle()
			after := e.order(o.ID)
			if after.Version != before.Version || after.Status != kassa.StatusPending || len(e.events(o.ID)) != evs {
				t.Errorf("the order changed: version %d → %d, status %s", before.Version, after.Version, after.Status)
			}
			cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{Limit: 1})
			if err != nil || len(cbs) != 1 {
				t.Fatalf("Callbacks: %v", err)
			}
			if cb := cbs[0]; cb.State != kassa.CallbackQuarantined || cb.OrderID != tt.orderID || cb.DedupKey != "" {
				t.Errorf("stored %+v, want quarantined for order %d without dedup key", cb, tt.orderID)
			}
		})
	}
	e.wantStatus(other.ID, kassa.StatusProcessing)
}

func checkoutMaxBody() int { return 64 << 10 }

// TestManagementCallback: a full capture done in the Merchant Portal
// makes the order completed.
func TestManagementCallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusProcessing)
	if _, err := e.sim.Portal(o.PaymentID, mapi.LogCapture, nil); err != nil {
		t.Fatalf("Portal capture: %v", err)
	}
	e.settle()
	got := e.wantStatus(o.ID, kassa.StatusCompleted)
	if got.Captured != got.Total || got.Authorized != 0 {
		t.Errorf("captured %s authorized %s, want %s and 0", got.Captured, got.Authorized, got.Total)
	}
	cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID, Limit: 1})
	if err != nil || len(cbs) != 1 {
		t.Fatalf("Callbacks = %d, %v; want 1", len(cbs), err)
	}
	if cbs[0].Kind != kassa.CallbackManagement || cbs[0].State != kassa.CallbackProcessed {
		t.Errorf("last callback %s %s, want a processed management callback", cbs[0].Kind, cbs[0].State)
	}
}

// TestCallbackNoteFromPaymentRead: a management callback's event names
// who acted from the sync's payment read, without asking Resurs about the
// action, also for an entry claimed from the store (here: stored while the
// engine was stopped), whose stored body is parsed when it is picked up.
func TestCallbackNoteFromPaymentRead(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	e.settle()
	if err := e.eng.Stop(e.ctx); err != nil {
		t.Fatal(err)
	}
	p, err := e.sim.Portal(o.PaymentID, mapi.LogCapture, nil)
	if err != nil {
		t.Fatalf("Portal capture: %v", err)
	}
	e.sim.Flush()
	if n, err := e.eng.RetryCallbacks(e.ctx); n != 1 || err != nil {
		t.Fatalf("RetryCallbacks = %d, %v; want the portal capture's callback", n, err)
	}
	cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID, Limit: 1})
	if err != nil || len(cbs) != 1 || cbs[0].State != kassa.CallbackProcessed {
		t.Fatalf("last callback %+v, %v; want it processed", cbs, err)
	}
	id := p.Order.ActionLog[len(p.Order.ActionLog)-1].ActionID
	want := fmt.Sprintf("callback #%d (CAPTURE by merchant-portal (action %s))", cbs[0].ID, id)
	if !e.hasEvent(o.ID, want) {
		t.Errorf("no event notes %q; events:\n%s", want, eventsText(e.events(o.ID)))
	}
	if n := e.proxy.count("GET " + id); n != 0 {
		t.Errorf("%d reads of the action at Resurs; want none (the payment read has it)", n)
	}
}

func TestReprocessCallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
	if err != nil || len(cbs) != 1 {
		t.Fatalf("callbacks = %d, %v; want 1", len(cbs), err)
	}
	before := len(e.events(o.ID))
	if err := e.eng.ReprocessCallback(e.ctx, cbs[0].ID); err != nil {
		t.Fatal(err)
	}
	e.settle()
	evs := e.events(o.ID)
	if len(evs) != before+1 || evs[len(evs)-1].Applied || evs[len(evs)-1].Source != kassa.SourceCallback {
		t.Errorf("reprocessing recorded:\n%s", eventsText(evs[before:]))
	}
	// A quarantined entry belongs to no order.
	if err := e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, "", authBody(o.PaymentID, "AUTHORIZED")); !isCode(err, kassa.EUNAUTHORIZED) {
		t.Fatalf("ReceiveCallback without a token = %v, want EUNAUTHORIZED", err)
	}
	q, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{State: kassa.CallbackQuarantined})
	if err != nil || len(q) != 1 {
		t.Fatalf("quarantined callbacks = %d, %v; want 1", len(q), err)
	}
	if err := e.eng.ReprocessCallback(e.ctx, q[0].ID); !isCode(err, kassa.EINVALID) {
		t.Errorf("ReprocessCallback(quarantined) = %v, want EINVALID", err)
	}
	if err := e.eng.ReprocessCallback(e.ctx, 12345); !isCode(err, kassa.ENOTFOUND) {
		t.Errorf("ReprocessCallback(unknown) = %v, want ENOTFOUND", err)
	}
}

// TestUnauthenticatedCallbackExcerpt: a callback with a bad or missing token
// is kept, but anyone can send one, so only its first KiB is stored, with
// a note of its size; a callback with a valid token is stored whole.
func TestUnauthenticatedCallbackExcerpt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govFrozen)
	head := authBody(o.PaymentID, "AUTHORIZED")
	big := append(head, bytes.Repeat([]byte(" "), checkoutMaxBody()-len(head))...) // valid JSON, 64 KiB
	newest := func() *kassa.Callback {
		t.Helper()
		cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{Limit: 1})
		if err != nil || len(cbs) != 1 {
			t.Fatalf("Callbacks = %d, %v; want 1", len(cbs), err)
		}
		return cbs[0]
	}
	for _, token := range []string{"", fmt.Sprintf("%d.%s", o.ID, strings.Repeat("0", len(o.CallbackToken)))} {
		if err := e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, token, big); !isCode(err, kassa.EUNAUTHORIZED) {
			t.Fatalf("token %q: ReceiveCallback = %v, want EUNAUTHORIZED", token, err)
		}
		cb := newest()
		if cb.State != kassa.CallbackQuarantined || !bytes.Equal(cb.Body, big[:1024]) {
			t.Errorf("token %q: stored %s with %d bytes, want quarantined with the first 1024", token, cb.State, len(cb.Body))
		}
		if want := "body of 65536 bytes, first 1024 kept"; !strings.Contains(cb.Error, want) {
			t.Errorf("token %q: error %q does not say %q", token, cb.Error, want)
		}
	}
	// A short one is kept whole.
	if err := e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, "", head); !isCode(err, kassa.EUNAUTHORIZED) {
		t.Fatalf("ReceiveCallback = %v, want EUNAUTHORIZED", err)
	}
	if cb := newest(); !bytes.Equal(cb.Body, head) || cb.Error != "bad or missing token" {
		t.Errorf("short forged callback stored as %q (%q)", cb.Body, cb.Error)
	}
	// With the order's token, a malformed body is quarantined in full.
	bad := append([]byte(`{"paymentId":`), bytes.Repeat([]byte(" "), 4096)...)
	good := fmt.Sprintf("%d.%s", o.ID, o.CallbackToken)
	if err := e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, good, bad); !isCode(err, kassa.EINVALID) {
		t.Fatalf("ReceiveCallback = %v, want EINVALID", err)
	}
	if cb := newest(); !bytes.Equal(cb.Body, bad) || cb.OrderID != o.ID {
		t.Errorf("authenticated malformed callback stored with %d of %d bytes, order %d", len(cb.Body), len(bad), cb.OrderID)
	}
}

// settleFailStore fails the inbox write that runs inside another write
// (Tx.UpdateCallback in an UpdateOrder's or AddEvent's TxFunc) while
// armed, as a crash before the commit would.
type settleFailStore struct {
	checkout.Store
	armed *atomic.Bool
}

func (s settleFailStore) UpdateOrder(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	return s.Store.UpdateOrder(ctx, o, ev, s.failing(then))
}

func (s settleFailStore) AddEvent(ctx context.Context, ev kassa.Event, then kassa.TxFunc) error {
	return s.Store.AddEvent(ctx, ev, s.failing(then))
}

// failing runs then with a Tx whose UpdateCallback fails while armed.
func (s settleFailStore) failing(then kassa.TxFunc) kassa.TxFunc {
	if then == nil {
		return nil
	}
	return func(ctx context.Context, tx kassa.Tx) error { return then(ctx, settleFailTx{tx, s.armed}) }
}

// settleFailTx is a Tx whose UpdateCallback fails while armed.
type settleFailTx struct {
	kassa.Tx
	armed *atomic.Bool
}

func (t settleFailTx) UpdateCallback(ctx context.Context, cb *kassa.Callback) error {
	if t.armed.Load() {
		return errTest
	}
	return t.Tx.UpdateCallback(ctx, cb)
}

// TestCallbackSettledWithItsWrite: an inbox entry is stored as processed in
// the same transaction as the order write it caused. When that
// transaction fails, neither the status change nor its event is kept, the
// entry stays received with the error and is tried again after its
// backoff, and then the change is applied exactly once.
func TestCallbackSettledWithItsWrite(t *testing.T) {
	t.Parallel()
	var armed atomic.Bool
	armed.Store(true)
	e := newEnv(t, envOptions{config: func(c *checkout.Config) { c.Store = settleFailStore{Store: c.Store, armed: &armed} }})
	o, _ := e.place(govAccepted)
	placed := len(e.events(o.ID))
	if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
		t.Fatal(err)
	}
	e.sim.Flush()
	var cb *kassa.Callback
	e.waitFor("the first attempt", func() bool {
		cbs, _, err := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
		if err == nil && len(cbs) == 1 && cbs[0].Attempts == 1 {
			cb = cbs[0]
			return true
		}
		return false
	})
	if cb.State != kassa.CallbackReceived || !strings.Contains(cb.Error, errTest.Error()) {
		t.Fatalf("after a failed settling write the entry is %s (%q); want received with the error", cb.State, cb.Error)
	}
	e.wantStatus(o.ID, kassa.StatusPending)
	if n := len(e.events(o.ID)); n != placed {
		t.Fatalf("a rolled-back sync left events:\n%s", eventsText(e.events(o.ID)))
	}

	armed.Store(false)
	e.advance(time.Second)
	e.wantStatus(o.ID, kassa.StatusProcessing)
	if got, err := e.db.Callback(e.ctx, cb.ID); err != nil || got.State != kassa.CallbackProcessed || got.Attempts != 2 {
		t.Fatalf("entry after the retry: %+v, %v; want processed at attempt 2", got, err)
	}
	if evs := applied(e.events(o.ID)); len(evs) != 2 || evs[1].Source != kassa.SourceCallback {
		t.Errorf("applied events:\n%s", eventsText(evs))
	}
}
