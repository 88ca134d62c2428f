package checkout_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// readGate is the engine's transport to the simulator: it counts the
// payment reads (GET /v2/payments/{id}) of each payment and holds the reads
// of one payment until released.
type readGate struct {
	next    http.RoundTripper
	mu      sync.Mutex
	reads   map[string]int
	hold    string        // payment whose reads wait for release
	held    chan struct{} // receives once per held read, when it waits
	release chan struct{} // closed to let the held reads through
}

var paymentRead = regexp.MustCompile(`/v2/payments/([^/]+)$`)

func newReadGate() *readGate {
	return &readGate{next: http.DefaultTransport, reads: map[string]int{}, held: make(chan struct{}, 8)}
}

func (g *readGate) RoundTrip(r *http.Request) (*http.Response, error) {
	if m := paymentRead.FindStringSubmatch(r.URL.Path); r.Method == http.MethodGet && m != nil {
		g.mu.Lock()
		g.reads[m[1]]++
		var release chan struct{}
		if m[1] == g.hold {
			release = g.release
		}
		g.mu.Unlock()
		if release != nil {
			g.held <- struct{}{}
			<-release
		}
	}
	return g.next.RoundTrip(r)
}

// holdReads makes the reads of payment wait until the returned release is
// called.
func (g *readGate) holdReads(payment string) (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ch := make(chan struct{})
	g.hold, g.release = payment, ch
	return sync.OnceFunc(func() {
		g.mu.Lock()
		g.hold, g.release = "", nil
		g.mu.Unlock()
		close(ch)
	})
}

func (g *readGate) count(payment string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reads[payment]
}

// waitHeld waits until a held read is waiting.
func (g *readGate) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-g.held:
	case <-time.After(30 * time.Second):
		t.Fatal("no read reached the gate")
	}
}

// sharedReadEnv is a shop with one callback worker whose bank client goes
// through a readGate, and whose simulator sends no callbacks: the tests
// deliver them by hand, in the order they need.
func sharedReadEnv(t *testing.T) (*env, *readGate, chan *kassa.Callback) {
	gate := newReadGate()
	settled := make(chan *kassa.Callback, 16)
	e := newEnv(t, envOptions{bankVia: gate, bankTimeout: 30 * time.Second,
		config:     func(c *checkout.Config) { c.Workers = 1 },
		engineOpts: []checkout.Option{checkout.WithSettled(func(cb *kassa.Callback) { settled <- cb })}})
	e.sim.SetFaults(mapisim.Faults{Callbacks: mapisim.CallbackFaults{Drop: 1}})
	return e, gate, settled
}

// signed places an order and approves its payment; the callback it causes
// is dropped.
func (e *env) signed() *kassa.Order {
	e.t.Helper()
	o, _ := e.place(govAccepted)
	if _, err := e.sim.Sign(o.PaymentID, mapisim.Approve); err != nil {
		e.t.Fatalf("Sign: %v", err)
	}
	return o
}

// callback delivers the AUTHORIZED callback of o to the engine, as the
// callback endpoint does.
func (e *env) callback(o *kassa.Order) {
	e.t.Helper()
	tok := fmt.Sprintf("%d.%s", o.ID, o.CallbackToken)
	if err := e.eng.ReceiveCallback(e.ctx, kassa.CallbackAuthorization, tok, authBody(o.PaymentID, "AUTHORIZED")); err != nil {
		e.t.Fatalf("ReceiveCallback: %v", err)
	}
}

func waitSettled(t *testing.T, settled <-chan *kassa.Callback, orderID int64) *kassa.Callback {
	t.Helper()
	for {
		select {
		case cb := <-settled:
			if cb.OrderID == orderID {
				return cb
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("the callback of order %d did not settle", orderID)
		}
	}
}

// callbackEvent returns the one callback event of order id.
func (e *env) callbackEvent(id int64) kassa.Event {
	e.t.Helper()
	var found []kassa.Event
	for _, ev := range e.events(id) {
		if ev.Source == kassa.SourceCallback {
			found = append(found, ev)
		}
	}
	if len(found) != 1 {
		e.t.Fatalf("order %d has %d callback events, want 1:\n%s", id, len(found), eventsText(e.events(id)))
	}
	return found[0]
}

// callbackQueued signs two orders and delivers both callbacks while the
// only worker is held in a read of the first order's payment (busy), so
// the second order's callback waits in the queue after it arrived.
// release lets the held read through.
func callbackQueued(t *testing.T, e *env, gate *readGate) (busy, o *kassa.Order, release func()) {
	t.Helper()
	busy, o = e.signed(), e.signed()
	release = gate.holdReads(busy.PaymentID)
	e.callback(busy)
	gate.waitHeld(t)
	e.callback(o)
	return busy, o, release
}

// TestCallbackSharesNewerRead: a callback that arrived before the
// customer's return began its payment read is answered by that read: one
// read for both, and the callback is still stored, processed and recorded.
func TestCallbackSharesNewerRead(t *testing.T) {
	t.Parallel()
	e, gate, settled := sharedReadEnv(t)
	busy, o, release := callbackQueued(t, e, gate)
	defer release()

	// The customer returns after the callback arrived: the return reads.
	got, err := e.eng.Return(e.ctx, o.ID, o.Key)
	if err != nil || got.Status != kassa.StatusProcessing {
		t.Fatalf("Return = %v, %v; want processing", got, err)
	}
	release()
	cb := waitSettled(t, settled, o.ID)
	if cb.State != kassa.CallbackProcessed {
		t.Errorf("callback state = %s, want processed", cb.State)
	}
	if n := gate.count(o.PaymentID); n != 1 {
		t.Errorf("payment reads of o = %d, want 1 (the return's, shared with the callback)", n)
	}
	ev := e.callbackEvent(o.ID)
	if ev.Applied || ev.PaymentStatus != string(mapi.StatusAccepted) || !strings.Contains(ev.Note, "read by a sync that began after") {
		t.Errorf("callback event = %+v; want not applied, ACCEPTED, noting the shared read", ev)
	}
	if n := gate.count(busy.PaymentID); n != 1 {
		t.Errorf("payment reads of the held order = %d, want 1", n)
	}
	e.wantStatus(o.ID, kassa.StatusProcessing)
}

// TestCallbackDuringReadReadsAgain: a callback that arrives while a read
// is in flight may announce a change that read missed, so it gets a read
// of its own; so does a customer who returns after the reads.
func TestCallbackDuringReadReadsAgain(t *testing.T) {
	t.Parallel()
	e, gate, settled := sharedReadEnv(t)
	o := e.signed()

	release := gate.holdReads(o.PaymentID)
	defer release()
	done := make(chan error, 1)
	go func() {
		_, err := e.eng.Return(context.Background(), o.ID, o.Key)
		done <- err
	}()
	gate.waitHeld(t)
	e.callback(o) // arrives while the return's read is in flight
	release()
	if err := <-done; err != nil {
		t.Fatalf("Return: %v", err)
	}
	waitSettled(t, settled, o.ID)
	if n := gate.count(o.PaymentID); n != 2 {
		t.Errorf("payment reads = %d, want 2 (the return's and the callback's own)", n)
	}
	if ev := e.callbackEvent(o.ID); strings.Contains(ev.Note, "read by a sync") {
		t.Errorf("callback event %q says it shared a read that began before it arrived", ev.Note)
	}

	// A second return, after both reads: it reads again too.
	if _, err := e.eng.Return(e.ctx, o.ID, o.Key); err != nil {
		t.Fatal(err)
	}
	if n := gate.count(o.PaymentID); n != 3 {
		t.Errorf("payment reads after a later return = %d, want 3", n)
	}
}

// TestChangeAfterReadStopsSharing: a capture between the return's read
// and the queued callback's sync changes the payment at Resurs, so the
// callback reads again instead of applying the read from before: whether
// this process captured (lock forgets the read) or another shop process on
// the same store did (the order's version moved).
func TestChangeAfterReadStopsSharing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		capture func(e *env, o *kassa.Order)
	}{
		{"this process", func(e *env, o *kassa.Order) {
			if _, _, err := e.eng.Capture(e.ctx, o.ID, checkout.ActionRequest{All: true, Source: kassa.SourceAdmin}); err != nil {
				e.t.Fatalf("Capture: %v", err)
			}
		}},
		{"another process", func(e *env, o *kassa.Order) { e.otherProcessCapturesOrder(o.ID) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, gate, settled := sharedReadEnv(t)
			_, o, release := callbackQueued(t, e, gate)
			defer release()
			if _, err := e.eng.Return(e.ctx, o.ID, o.Key); err != nil {
				t.Fatal(err)
			}
			tt.capture(e, o)
			before := gate.count(o.PaymentID)
			release()
			waitSettled(t, settled, o.ID)
			if n := gate.count(o.PaymentID) - before; n != 1 {
				t.Errorf("payment reads by the callback after the capture = %d, want 1", n)
			}
			if ev := e.callbackEvent(o.ID); strings.Contains(ev.Note, "read by a sync") {
				t.Errorf("callback event %q used the read from before the capture", ev.Note)
			}
			got := e.wantStatus(o.ID, kassa.StatusCompleted)
			if got.Authorized != 0 || got.Captured != got.Total {
				t.Errorf("order amounts authorized %s captured %s, want 0 and %s", got.Authorized, got.Captured, got.Total)
			}
		})
	}
}
