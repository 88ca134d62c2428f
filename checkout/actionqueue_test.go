package checkout_test

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// TestActionOfDeadProcessResumed: a process stored a capture and died
// before or after calling Resurs, leaving it pending under its lease. Once
// the lease has ended the action queue claims it and finishes it: a capture
// Resurs executed is found by its transactionId and recorded, one it never
// got is sent; either way it is captured once.
func TestActionOfDeadProcessResumed(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		executed bool // Resurs executed the capture before the process died
		calls    int  // capture calls the engine makes
	}{
		{"before the call", false, 1},
		{"after the call", true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newAfterEnv(t, envOptions{})
			o := e.paid(ln("TEE", 1))
			a := &kassa.Action{OrderID: o.ID, Kind: kassa.ActionCapture,
				TransactionID: kassa.TransactionID(o.Number, kassa.ActionCapture, 1), Amount: o.Total,
				Source: kassa.SourceAdmin, Creator: "admin", NextAttemptAt: e.clock.Now().Add(2 * time.Minute)}
			if err := e.db.CreateAction(e.ctx, a); err != nil {
				t.Fatal(err)
			}
			if tt.executed {
				req := &mapi.CaptureRequest{Creator: a.Creator, TransactionID: a.TransactionID}
				if _, err := e.bank.Capture(e.ctx, o.PaymentID, req); err != nil {
					t.Fatal(err)
				}
			}
			e.waitAction(a.ID, kassa.ActionSucceeded)
			e.settle()
			e.wantAmounts(o.ID, amounts{kassa.StatusCompleted, 0, teePrice + defaultShippingPaid, 0, 0})
			if n, calls := len(e.logged(o, mapi.LogCapture)), e.proxy.count("POST capture"); n != 1 || calls != tt.calls {
				t.Fatalf("%d CAPTURE entries, %d capture calls by the engine; want 1 and %d", n, calls, tt.calls)
			}
			got, err := e.db.Action(e.ctx, a.ID)
			if err != nil || !got.NextAttemptAt.IsZero() {
				t.Fatalf("succeeded action: %+v, %v; want no next attempt", got, err)
			}
		})
	}
}

// TestActionStaleClaimLeftAlone: a worker whose claim's lease another
// claim has replaced (its call outlived the lease) leaves the action to
// that claim: it reads nothing at Resurs and records nothing. The claim
// that holds the lease resumes it.
func TestActionStaleClaimLeftAlone(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{})
	o := e.paid(ln("TEE", 1))
	a := &kassa.Action{OrderID: o.ID, Kind: kassa.ActionCapture,
		TransactionID: kassa.TransactionID(o.Number, kassa.ActionCapture, 1), Amount: o.Total,
		Source: kassa.SourceAdmin, Creator: "admin", NextAttemptAt: e.clock.Now().Add(time.Hour)} // not due to the queue
	if err := e.db.CreateAction(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	held, err := e.db.Action(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	stale := *held
	stale.NextAttemptAt = held.NextAttemptAt.Add(-time.Minute) // the lease of an earlier claim
	reads := e.proxy.count("GET payment")
	e.eng.WorkAction(e.ctx, &stale)
	got, err := e.db.Action(e.ctx, a.ID)
	if err != nil || got.State != kassa.ActionPending || got.Resumes != 0 || !got.NextAttemptAt.Equal(held.NextAttemptAt) {
		t.Fatalf("after a stale claim's turn: %+v, %v; want it as it was", got, err)
	}
	if n := e.proxy.count("GET payment") - reads; n != 0 {
		t.Fatalf("a stale claim read the payment %d times, want none", n)
	}
	e.eng.WorkAction(e.ctx, held)
	e.waitAction(a.ID, kassa.ActionSucceeded)
	if calls := e.proxy.count("POST capture"); calls != 1 {
		t.Fatalf("%d capture calls, want 1 by the claim that holds the lease", calls)
	}
}

// TestActionRetriesGiveUp: while Resurs cannot be read the action queue
// resumes a pending action with the backoff, and after ActionAttempts
// resumes without an answer the action is failed, due no more.
func TestActionRetriesGiveUp(t *testing.T) {
	t.Parallel()
	const attempts = 3
	e := newAfterEnv(t, envOptions{config: func(c *checkout.Config) {
		c.ActionAttempts, c.BreakerFailures = attempts, 100
	}})
	o := e.paid(ln("TEE", 1))
	e.sim.SetFaults(mapisim.Faults{Endpoints: []mapisim.EndpointFault{
		{Route: "POST /v2/payments/{id}/capture", Error5xx: 1}, // not executed
	}})
	e.proxy.downAfter("POST capture", "GET payment")
	_, a, err := e.eng.Capture(e.ctx, o.ID, everything())
	if errCode(err) != kassa.EUNAVAILABLE || a == nil || a.State != kassa.ActionPending {
		t.Fatalf("Capture while Resurs is down: %v, action %+v; want %s, pending", err, a, kassa.EUNAVAILABLE)
	}
	reads := e.proxy.count("GET payment")
	e.waitAction(a.ID, kassa.ActionFailed)
	got, err := e.db.Action(e.ctx, a.ID)
	if err != nil || got.Resumes != attempts || !got.NextAttemptAt.IsZero() || got.Error.Code != "503" {
		t.Fatalf("failed action: %+v, %v; want %d resumes, no next attempt, the 503", got, err, attempts)
	}
	if n := e.proxy.count("GET payment") - reads; n < attempts {
		t.Fatalf("%d payment reads by the queue, want at least %d (one a resume)", n, attempts)
	}
	if calls := e.proxy.count("POST capture"); calls != 1 {
		t.Fatalf("%d capture calls, want 1: a resume reads the payment first", calls)
	}
}
