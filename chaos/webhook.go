package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/kassa-dev/kassa"
)

// Webhooks under chaos: a merchant's receiver on loopback, in this
// process (so it outlives every SIGKILL of the shop), registered as a
// webhook endpoint before the journeys. It verifies every delivery's
// signature and, while faults are on, answers a seeded share of them 503,
// so that kassa retries. CheckWebhooks then finds, per order, every
// status change of its timeline among what arrived, in order.

// Rules of CheckWebhooks, as Violation.Rule.
const (
	RuleWebhookSignature = "webhook-signature" // a delivery whose signature does not verify with the endpoint's secret
	RuleWebhookLost      = "webhook-lost"      // a status change (or the order's creation) that never reached the receiver
	RuleWebhookOrder     = "webhook-order"     // an order's events reached the receiver out of order
	RuleWebhookExtra     = "webhook-extra"     // a status change the receiver got that the order's timeline lacks
)

// receiverFailRate is the share of deliveries the receiver answers 503
// while faults are on.
const receiverFailRate = 0.05

// Received is one delivery the receiver got.
type Received struct {
	ID       string // webhook-id
	Type     kassa.WebhookType
	OrderID  int64
	Before   kassa.Status // order.status_changed only
	After    kassa.Status
	Verified bool // the signature verified with the endpoint's secret
	Refused  bool // answered 503 (an injected fault)
}

// receiver is the webhook endpoint of a run.
type receiver struct {
	srv *http.Server
	url string

	mu      sync.Mutex
	hook    *standardwebhooks.Webhook
	rng     *rand.Rand
	failing bool
	got     []Received
	hold    *heldDelivery // armed: the next delivery is held until released
}

// heldDelivery is a delivery the receiver accepted but holds its answer
// of, so that the shop can be killed while it is in flight.
type heldDelivery struct {
	id      string
	arrived chan struct{} // closed when a delivery is held
	release chan struct{} // closed to send the held answer
}

// startReceiver serves a receiver on a free loopback port.
func startReceiver(seed int64) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("chaos: listen for the webhook receiver: %w", err)
	}
	rc := &receiver{url: "http://" + ln.Addr().String() + "/hooks", rng: rand.New(rand.NewPCG(uint64(seed), 0x400c)),
		failing: true}
	rc.srv = &http.Server{Handler: http.HandlerFunc(rc.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rc.srv.Serve(ln) }()
	return rc, nil
}

// serve records a delivery and answers it: 401 when its signature does
// not verify, 503 for an injected fault, else 204.
func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable", http.StatusBadRequest)
		return
	}
	var ev struct {
		Type kassa.WebhookType
		Data struct {
			Before, After kassa.Status
			Order         struct{ ID int64 }
		}
	}
	_ = json.Unmarshal(body, &ev)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	d := Received{ID: r.Header.Get("webhook-id"), Type: ev.Type, OrderID: ev.Data.Order.ID, Before: ev.Data.Before,
		After: ev.Data.After, Verified: rc.hook != nil && rc.hook.Verify(body, r.Header) == nil}
	d.Refused = d.Verified && rc.failing && rc.rng.Float64() < receiverFailRate
	rc.got = append(rc.got, d)
	if h := rc.hold; h != nil && d.Verified && !d.Refused {
		rc.hold, h.id = nil, d.ID
		close(h.arrived)
		rc.mu.Unlock()
		<-h.release
		rc.mu.Lock()
	}
	switch {
	case !d.Verified:
		w.WriteHeader(http.StatusUnauthorized)
	case d.Refused:
		w.WriteHeader(http.StatusServiceUnavailable)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// setFailing switches the injected 503s on or off.
func (rc *receiver) setFailing(on bool) {
	rc.mu.Lock()
	rc.failing = on
	rc.mu.Unlock()
}

// holdNext arms the receiver: the next delivery it accepts is recorded
// as received (a merchant acts on it before answering) and its answer is
// held until release is closed.
func (rc *receiver) holdNext() *heldDelivery {
	h := &heldDelivery{arrived: make(chan struct{}), release: make(chan struct{})}
	rc.mu.Lock()
	rc.hold = h
	rc.mu.Unlock()
	return h
}

// disarm drops a hold that no delivery took.
func (rc *receiver) disarm() {
	rc.mu.Lock()
	rc.hold = nil
	rc.mu.Unlock()
}

// received returns every delivery, in the order they arrived.
func (rc *receiver) received() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Received(nil), rc.got...)
}

func (rc *receiver) close() { _ = rc.srv.Close() }

// register registers the receiver as a webhook endpoint of every event
// type through the shop's admin API and keeps its secret.
func (rc *receiver) register(ctx context.Context, hc *http.Client, shopURL string) (int64, error) {
	body, _ := json.Marshal(map[string]any{"url": rc.url})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, shopURL+"/api/admin/webhooks", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("admin", adminPassword)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("chaos: register the webhook receiver: %w", err)
	}
	defer resp.Body.Close()
	var ep struct {
		ID     int64
		Secret string
	}
	if err := json.NewDecoder(resp.Body).Decode(&ep); err != nil || resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("chaos: register the webhook receiver: %d %v", resp.StatusCode, err)
	}
	hook, err := standardwebhooks.NewWebhook(ep.Secret)
	if err != nil {
		return 0, fmt.Errorf("chaos: webhook secret: %w", err)
	}
	rc.mu.Lock()
	rc.hook = hook
	rc.mu.Unlock()
	return ep.ID, nil
}

// change is one step of an order's status history.
type change struct{ before, after kassa.Status }

func (c change) String() string {
	if c.before == "" {
		return "created"
	}
	return string(c.before) + "→" + string(c.after)
}

// CheckWebhooks checks what the receiver got against the orders'
// timelines: every delivery verified; per order, its creation and then
// every applied change of status was accepted by the receiver at least
// once, and in the order of the timeline (a repeat, same webhook-id, may
// come again only before the order's next event). It is pure.
func CheckWebhooks(orders []*kassa.Order, events map[int64][]kassa.Event, got []Received) []Violation {
	var vs []Violation
	byOrder := map[int64][]Received{}
	for _, d := range got {
		if !d.Verified {
			vs = append(vs, Violation{Rule: RuleWebhookSignature, OrderID: d.OrderID,
				Detail: fmt.Sprintf("delivery %s (%s) does not verify with the endpoint's secret", d.ID, d.Type)})
			continue
		}
		byOrder[d.OrderID] = append(byOrder[d.OrderID], d)
	}
	for _, o := range orders {
		vs = append(vs, checkOrderWebhooks(o, timeline(events[o.ID]), byOrder[o.ID])...)
	}
	return vs
}

// timeline is an order's creation and applied status changes, in order.
func timeline(evs []kassa.Event) []change {
	out := []change{{}}
	for _, e := range evs {
		if e.Applied && e.From != "" && e.From != e.To {
			out = append(out, change{e.From, e.To})
		}
	}
	return out
}

// checkOrderWebhooks compares one order's timeline with its deliveries.
func checkOrderWebhooks(o *kassa.Order, want []change, got []Received) []Violation {
	var vs []Violation
	add := func(rule, format string, args ...any) {
		vs = append(vs, Violation{Rule: rule, OrderID: o.ID, Number: o.Number, Detail: fmt.Sprintf(format, args...)})
	}
	var seq []change // first accepted arrivals, in order
	first := map[string]int{}
	accepted := map[string]bool{}
	for i, d := range got {
		if j, ok := first[d.ID]; ok {
			if later := arrivedBetween(got, first, j, i); later != "" {
				add(RuleWebhookOrder, "%s (%s) arrived again after the later %s", d.ID, d.Type, later)
			}
		} else {
			first[d.ID] = i
		}
		if d.Refused || accepted[d.ID] {
			continue
		}
		accepted[d.ID] = true
		switch d.Type {
		case kassa.WebhookOrderCreated:
			seq = append(seq, change{})
		case kassa.WebhookOrderStatusChanged:
			seq = append(seq, change{d.Before, d.After})
		}
	}
	n := 0
	for n < len(want) && n < len(seq) && want[n] == seq[n] {
		n++
	}
	switch {
	case n == len(want) && n == len(seq):
	case n == len(seq):
		add(RuleWebhookLost, "never received %v (timeline %v, received %v)", want[n:], want, seq)
	case n == len(want):
		add(RuleWebhookExtra, "received %v, which the timeline %v lacks", seq[n:], want)
	case sameChanges(want[n:], seq[n:]):
		add(RuleWebhookOrder, "received %v, timeline %v", seq, want)
	default:
		add(RuleWebhookLost, "received %v, timeline %v", seq, want)
	}
	return vs
}

// arrivedBetween names a delivery other than got[j] that first arrived
// after got[j] and before got[i], or "".
func arrivedBetween(got []Received, first map[string]int, j, i int) string {
	for k := j + 1; k < i; k++ {
		if got[k].ID != got[j].ID && first[got[k].ID] == k {
			return fmt.Sprintf("%s (%s)", got[k].ID, got[k].Type)
		}
	}
	return ""
}

// sameChanges reports whether a and b hold the same changes, in any order.
func sameChanges(a, b []change) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[change]int{}
	for _, c := range a {
		count[c]++
	}
	for _, c := range b {
		count[c]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
