package checkout_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// raceStore runs race once, right before the next UpdateOrder of the
// armed order: another process writing the order between this engine's
// read and its write, so that the write meets a version conflict.
type raceStore struct {
	checkout.Store
	armed *atomic.Int64 // order id; 0 = not armed
	race  func()
}

func (s raceStore) UpdateOrder(ctx context.Context, o *kassa.Order, ev *kassa.Event, then kassa.TxFunc) error {
	if o.ID != 0 && s.armed.CompareAndSwap(o.ID, 0) {
		s.race()
	}
	return s.Store.UpdateOrder(ctx, o, ev, then)
}

// TestSyncConflictRereads: two processes share the database. This one
// reads the payment as authorized; before it writes, the other captures it
// in the Merchant Portal and stores the completed order. The stale read
// must not undo that: after the conflict the payment is read again (or,
// when that read fails, the cumulative amounts still never go down).
func TestSyncConflictRereads(t *testing.T) {
	for _, tt := range []struct {
		name        string
		rereadFails bool
		want        amounts
	}{
		{"re-read", false, amounts{kassa.StatusCompleted, 0, teePrice + defaultShippingPaid, 0, 0}},
		// The re-read fails: the earlier read's authorized amount comes
		// back, but the captured amount does not go down.
		{"re-read fails", true, amounts{kassa.StatusCompleted, teePrice + defaultShippingPaid, teePrice + defaultShippingPaid, 0, 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var armed atomic.Int64
			var e *env
			e = newEnv(t, envOptions{noStart: true, config: func(c *checkout.Config) {
				c.Store = raceStore{Store: c.Store, armed: &armed, race: func() {
					e.otherProcessCaptures(tt.rereadFails)
				}}
			}})
			o, _ := e.place(govAccepted)
			if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
				t.Fatal(err)
			}
			e.wantStatus(o.ID, kassa.StatusPending) // no workers: the callback waits
			armed.Store(o.ID)
			got, err := e.eng.Sync(e.ctx, o.ID, kassa.SourceAdmin)
			if err != nil {
				t.Fatalf("Sync: %v", err)
			}
			if armed.Load() != 0 {
				t.Fatal("the other process never ran")
			}
			stored := e.order(o.ID)
			if amountsOf(stored) != tt.want || amountsOf(got) != tt.want {
				t.Fatalf("order after the conflict: stored %+v, returned %+v; want %+v; events:\n%s",
					amountsOf(stored), amountsOf(got), tt.want, eventsText(e.events(o.ID)))
			}
		})
	}
}

// otherProcessCaptures is the other process: it captures the payment of
// the only order in full at the bank and stores what that read says. With
// breakReads the bank then fails every payment read.
func (e *env) otherProcessCaptures(breakReads bool) {
	e.t.Helper()
	orders, _, err := e.db.Orders(e.ctx, kassa.OrderFilter{})
	if err != nil || len(orders) != 1 {
		e.t.Fatalf("Orders = %d, %v; want 1", len(orders), err)
	}
	e.otherProcessCapturesOrder(orders[0].ID)
	if breakReads {
		e.sim.SetFaults(faults("GET /v2/payments/{id}", mapisim.EndpointFault{Error5xx: 1}))
	}
}

// otherProcessCapturesOrder captures order id's payment in full at the bank
// and stores what that capture's answer says, as another shop process on
// the same store would.
func (e *env) otherProcessCapturesOrder(id int64) {
	e.t.Helper()
	o := e.order(id)
	p, err := e.sim.Portal(o.PaymentID, mapi.LogCapture, nil)
	if err != nil {
		e.t.Fatalf("Portal capture: %v", err)
	}
	snap := snapshot(*p)
	d := kassa.Transition(o.Status, snap)
	o.Status, o.PaymentStatus = d.To, snap.Status
	o.Authorized, o.Captured, o.Refunded, o.Canceled = snap.Authorized, snap.Captured, snap.Refunded, snap.Canceled
	ev := kassa.Event{OrderID: o.ID, At: e.clock.Now(), Source: kassa.SourceSweeper, From: d.From, To: d.To,
		Applied: d.Applied, PaymentStatus: snap.Status, Note: "the other process"}
	if err := e.db.UpdateOrder(e.ctx, o, &ev, nil); err != nil {
		e.t.Fatalf("the other process's write: %v", err)
	}
}

// TestPaidButClosedAlerts: the customer signs after the shop closed the
// order (expiry cancelled it locally). The payment is accepted, the order
// stays cancelled, and that is loud: an ALERT event, an error log line and
// kassa_paid_but_closed_total. A payment cancelled at Resurs is not.
func TestPaidButClosedAlerts(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	reg := prometheus.NewPedanticRegistry()
	e := newEnv(t, envOptions{config: func(c *checkout.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, nil))
		c.Metrics = checkout.NewMetrics(reg)
	}})
	o, _ := e.place(govAccepted)
	o.Status, o.StatusReason = kassa.StatusCancelled, "The payment was not completed in time."
	ev := kassa.Event{OrderID: o.ID, At: e.clock.Now(), Source: kassa.SourceSweeper, From: kassa.StatusPending,
		To: kassa.StatusCancelled, Applied: true, Note: "payment expired"}
	if err := e.db.UpdateOrder(e.ctx, o, &ev, nil); err != nil {
		t.Fatal(err)
	}
	aborted, _ := e.place(govAccepted)
	e.sign(aborted, mapisim.Abort)
	e.wantStatus(aborted.ID, kassa.StatusCancelled)
	e.sign(o, mapisim.Approve)

	got := e.wantStatus(o.ID, kassa.StatusCancelled)
	if got.PaymentStatus != kassa.PaymentAccepted || got.Authorized != got.Total {
		t.Errorf("payment %s, authorized %s; want ACCEPTED, %s", got.PaymentStatus, got.Authorized, got.Total)
	}
	evs := e.events(o.ID)
	last := evs[len(evs)-1]
	if !strings.HasPrefix(last.Note, "ALERT:") || last.Applied || last.Source != kassa.SourceCallback {
		t.Errorf("last event %s applied=%v %q; want an ALERT note from the callback", last.Source, last.Applied, last.Note)
	}
	for _, ev := range e.events(aborted.ID) {
		if strings.Contains(ev.Note, "ALERT") {
			t.Errorf("an aborted payment raised an alert: %q", ev.Note)
		}
	}
	// The log line and the metric follow the commit that settled the
	// callback, so they may come a moment after settle returned.
	const alert = "level=ERROR msg=\"ALERT: accepted payment on a closed order"
	const want = `
# HELP kassa_paid_but_closed_total Payment reads that found an accepted payment holding money on a cancelled or failed order (refund the payment or revive the order).
# TYPE kassa_paid_but_closed_total counter
kassa_paid_but_closed_total 1
`
	e.waitFor("the alert log line and metric", func() bool {
		return strings.Contains(buf.String(), alert) &&
			testutil.GatherAndCompare(reg, strings.NewReader(want), "kassa_paid_but_closed_total") == nil
	})
	if out := buf.String(); strings.Count(out, alert) != 1 {
		t.Errorf("%d alert log lines, want 1:\n%s", strings.Count(out, alert), out)
	}
}

// TestBackgroundSweeper: the engine's own loop reads due orders (the other
// tests sweep by hand and leave the loop at an hour). The unsigned order
// changes nothing but its next read time, +1 → +5 minutes.
func TestBackgroundSweeper(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{config: func(c *checkout.Config) { c.SweepInterval = 10 * time.Millisecond }})
	o, _ := e.place(govAccepted)
	if want := t0.Add(time.Minute); !o.NextSyncAt.Equal(want) {
		t.Fatalf("first read due at %v, want %v", o.NextSyncAt, want)
	}
	e.clock.Advance(61 * time.Second)
	e.waitFor("the background sweeper", func() bool {
		return e.order(o.ID).NextSyncAt.Equal(t0.Add(5 * time.Minute))
	})
	e.wantStatus(o.ID, kassa.StatusPending)
}
