package chaos

import (
	"slices"
	"testing"

	"github.com/kassa-dev/kassa"
)

// hookWorld is an order created, paid and captured, and the deliveries a
// receiver got of it: each once, in order, signatures verified.
func hookWorld() ([]*kassa.Order, map[int64][]kassa.Event, []Received) {
	orders := []*kassa.Order{{ID: 1, Number: "K000001", Status: kassa.StatusCompleted}}
	events := map[int64][]kassa.Event{1: {
		{To: kassa.StatusPending, Applied: true},
		{From: kassa.StatusPending, To: kassa.StatusProcessing, Applied: true},
		{From: kassa.StatusProcessing, To: kassa.StatusProcessing, Applied: true}, // a read that changed nothing
		{From: kassa.StatusProcessing, To: kassa.StatusCompleted, Applied: false}, // refused: no change
		{From: kassa.StatusProcessing, To: kassa.StatusCompleted, Applied: true},
	}}
	got := []Received{
		{ID: "evt_1-created", Type: kassa.WebhookOrderCreated, OrderID: 1, Verified: true},
		{ID: "evt_1-v2", Type: kassa.WebhookOrderStatusChanged, OrderID: 1, Before: kassa.StatusPending, After: kassa.StatusProcessing, Verified: true},
		{ID: "evt_tx1", Type: kassa.WebhookOrderAction, OrderID: 1, Verified: true},
		{ID: "evt_1-v4", Type: kassa.WebhookOrderStatusChanged, OrderID: 1, Before: kassa.StatusProcessing, After: kassa.StatusCompleted, Verified: true},
	}
	return orders, events, got
}

func TestCheckWebhooksConsistent(t *testing.T) {
	orders, events, got := hookWorld()
	// A delivery refused once and repeated, and a repeat after a crash
	// before the next event, are at least once and in order.
	refused := got[1]
	refused.Refused = true
	got = slices.Insert(got, 1, refused)
	got = slices.Insert(got, 4, got[3])
	if vs := CheckWebhooks(orders, events, got); len(vs) != 0 {
		t.Fatalf("CheckWebhooks = %v, want none", vs)
	}
}

func TestCheckWebhooksFindsEachBrokenRule(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(got []Received) []Received
		want   []string
	}{
		{"a status change never arrived", func(g []Received) []Received { return g[:3] }, []string{RuleWebhookLost}},
		{"the creation never arrived", func(g []Received) []Received { return g[1:] }, []string{RuleWebhookLost}},
		{"only refused", func(g []Received) []Received { g[3].Refused = true; return g }, []string{RuleWebhookLost}},
		{"status changes swapped", func(g []Received) []Received { g[1], g[3] = g[3], g[1]; return g }, []string{RuleWebhookOrder}},
		{"a repeat after a later event", func(g []Received) []Received { return append(g, g[1]) }, []string{RuleWebhookOrder}},
		{"a change the timeline lacks", func(g []Received) []Received {
			return append(g, Received{ID: "evt_1-v9", Type: kassa.WebhookOrderStatusChanged, OrderID: 1,
				Before: kassa.StatusCompleted, After: kassa.StatusRefunded, Verified: true})
		}, []string{RuleWebhookExtra}},
		{"a bad signature", func(g []Received) []Received {
			return append(g, Received{ID: "evt_x", Type: kassa.WebhookOrderCreated, OrderID: 1})
		}, []string{RuleWebhookSignature}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orders, events, got := hookWorld()
			vs := CheckWebhooks(orders, events, tc.mutate(got))
			if got := rules(vs); !slices.Equal(got, tc.want) {
				t.Fatalf("rules %v, want %v (%v)", got, tc.want, vs)
			}
		})
	}
}
