package checkout_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
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
	cbs, _, _ := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID, Limit: 1})
	if cbs[0].Kind != kassa.CallbackManagement || cbs[0].State != kassa.CallbackProcessed {
		t.Errorf("last callback %s %s, want a processed management callback", cbs[0].Kind, cbs[0].State)
	}
}

func TestReprocessCallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o, _ := e.place(govAccepted)
	e.sign(o, mapisim.Approve)
	cbs, _, _ := e.db.Callbacks(e.ctx, kassa.CallbackFilter{OrderID: o.ID})
	if len(cbs) != 1 {
		t.Fatalf("callbacks = %d", len(cbs))
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
	e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, "", authBody(o.PaymentID, "AUTHORIZED"))
	q, _, _ := e.db.Callbacks(e.ctx, kassa.CallbackFilter{State: kassa.CallbackQuarantined})
	if err := e.eng.ReprocessCallback(e.ctx, q[0].ID); !isCode(err, kassa.EINVALID) {
		t.Errorf("ReprocessCallback(quarantined) = %v, want EINVALID", err)
	}
	if err := e.eng.ReprocessCallback(e.ctx, 12345); !isCode(err, kassa.ENOTFOUND) {
		t.Errorf("ReprocessCallback(unknown) = %v, want ENOTFOUND", err)
	}
}
