package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// Webhooks is what TestWebhooks holds a store to: the webhook outbox,
// with the orders its events are about and whose writes queue them.
type Webhooks interface {
	Orders
	kassa.Webhooks
}

// TestWebhooks holds the stores open returns to kassa.Webhooks, and to
// kassa.Tx.AddWebhookEvent in the TxFuncs of their writes.
func TestWebhooks(t *testing.T, open Opener[Webhooks]) {
	run(t, open, []test[Webhooks]{
		{"Endpoints", testWebhookEndpoints},
		{"EventFanOut", testWebhookFanOut},
		{"ClaimInOrderPerOrder", testWebhookClaimOrder},
		{"EventRollsBack", testWebhookRollback},
		{"EncodedOnceDeliveredWhenWanted", testWebhookEncode},
		{"DeliveriesPaged", testWebhookDeliveriesPaged},
	})
}

func endpoint(t *testing.T, s kassa.Webhooks, url string, events ...kassa.WebhookType) *kassa.WebhookEndpoint {
	t.Helper()
	ep := &kassa.WebhookEndpoint{URL: url, Events: events, Secret: "whsec_c2VjcmV0"}
	must(t, s.CreateWebhookEndpoint(ctx, ep))
	return ep
}

func hookEvent(orderID int64, key string, typ kassa.WebhookType) *kassa.WebhookEvent {
	return &kassa.WebhookEvent{OrderID: orderID, Key: key, Type: typ, Body: []byte(`{"id":"evt_` + key + `"}`), At: at}
}

func testWebhookEndpoints(t *testing.T, s Webhooks) {
	ep := endpoint(t, s, "https://a.example/hook", kassa.WebhookOrderCreated)
	wantCode(t, s.CreateWebhookEndpoint(ctx, &kassa.WebhookEndpoint{URL: "/relative", Secret: "x"}), kassa.EINVALID)
	wantCode(t, s.CreateWebhookEndpoint(ctx, &kassa.WebhookEndpoint{URL: "https://a.example", Secret: "x",
		Events: []kassa.WebhookType{"order.eaten"}}), kassa.EINVALID)
	got, err := s.WebhookEndpoint(ctx, ep.ID)
	must(t, err)
	if d := diff(ep, got); d != "" {
		t.Fatalf("endpoint round trip (-want +got):\n%s", d)
	}
	got.Events, got.DisabledAt, got.DisabledReason = nil, at, "owner"
	ran := false
	must(t, s.UpdateWebhookEndpoint(ctx, got, func(context.Context, kassa.Tx) error { ran = true; return nil }))
	again, err := s.WebhookEndpoint(ctx, ep.ID)
	must(t, err)
	if !ran || !again.DisabledAt.Equal(at) || len(again.Events) != 0 || again.DisabledReason != "owner" {
		t.Fatalf("after update: %+v (hook ran %v)", again, ran)
	}
	must(t, s.DeleteWebhookEndpoint(ctx, ep.ID))
	wantCode(t, s.DeleteWebhookEndpoint(ctx, ep.ID), kassa.ENOTFOUND)
	_, err = s.WebhookEndpoint(ctx, ep.ID)
	wantCode(t, err, kassa.ENOTFOUND)
}

// An event is queued once per enabled endpoint that wants its type; the
// same key again stores nothing.
func testWebhookFanOut(t *testing.T, s Webhooks) {
	o := create(t, s, order(1, shipping))
	all := endpoint(t, s, "https://all.example")
	created := endpoint(t, s, "https://created.example", kassa.WebhookOrderCreated)
	off := endpoint(t, s, "https://off.example")
	off.DisabledAt = at
	must(t, s.UpdateWebhookEndpoint(ctx, off, nil))
	must(t, s.AddWebhookEvent(ctx, hookEvent(o.ID, "1-created", kassa.WebhookOrderCreated)))
	must(t, s.AddWebhookEvent(ctx, hookEvent(o.ID, "1-created", kassa.WebhookOrderCreated)))
	must(t, s.AddWebhookEvent(ctx, hookEvent(o.ID, "1-v2", kassa.WebhookOrderStatusChanged)))
	wantCode(t, s.AddWebhookEvent(ctx, hookEvent(o.ID, "x", "order.eaten")), kassa.EINVALID)
	for _, c := range []struct {
		ep   *kassa.WebhookEndpoint
		want int
	}{{all, 2}, {created, 1}, {off, 0}} {
		ds, n, err := s.WebhookDeliveries(ctx, kassa.WebhookDeliveryFilter{EndpointID: c.ep.ID})
		must(t, err)
		if n != c.want || len(ds) != c.want {
			t.Fatalf("%s: %d deliveries, want %d", c.ep.URL, n, c.want)
		}
	}
}

// A claim takes only the oldest queued delivery of each endpoint and
// order, leases it, and takes the next once it is delivered.
func testWebhookClaimOrder(t *testing.T, s Webhooks) {
	a, b := create(t, s, order(1, shipping)), create(t, s, order(2, shipping))
	endpoint(t, s, "https://all.example")
	for _, ev := range []*kassa.WebhookEvent{hookEvent(a.ID, "a1", kassa.WebhookOrderCreated),
		hookEvent(a.ID, "a2", kassa.WebhookOrderStatusChanged), hookEvent(b.ID, "b1", kassa.WebhookOrderCreated)} {
		must(t, s.AddWebhookEvent(ctx, ev))
	}
	now := time.Now().Add(time.Second)
	ds, err := s.ClaimWebhookDeliveries(ctx, now, now.Add(time.Minute), 10)
	must(t, err)
	if len(ds) != 2 || ds[0].MessageID != "evt_a1" || ds[1].MessageID != "evt_b1" {
		t.Fatalf("first claim: %v; want evt_a1 and evt_b1", messageIDs(ds))
	}
	if again, err := s.ClaimWebhookDeliveries(ctx, now, now.Add(time.Minute), 10); err != nil || len(again) != 0 {
		t.Fatalf("second claim within the lease: %v %v", messageIDs(again), err)
	}
	ds[0].State, ds[0].Attempts, ds[0].LastStatus, ds[0].DeliveredAt, ds[0].NextAttemptAt = kassa.WebhookDelivered, 1, 200, at, time.Time{}
	must(t, s.UpdateWebhookDelivery(ctx, ds[0]))
	next, err := s.ClaimWebhookDeliveries(ctx, now, now.Add(time.Minute), 10)
	must(t, err)
	if len(next) != 1 || next[0].MessageID != "evt_a2" {
		t.Fatalf("claim after a1 was delivered: %v; want evt_a2", messageIDs(next))
	}
	wantCode(t, claimHooksErr(s, now, now, 1), kassa.EINVALID)
}

func claimHooksErr(s kassa.Webhooks, now, lease time.Time, limit int) error {
	_, err := s.ClaimWebhookDeliveries(ctx, now, lease, limit)
	return err
}

func messageIDs(ds []*kassa.WebhookDelivery) []string {
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.MessageID)
	}
	return ids
}

// An event queued by a write's TxFunc rolls back with it.
func testWebhookRollback(t *testing.T, s Webhooks) {
	endpoint(t, s, "https://all.example")
	o := create(t, s, order(1, shipping))
	stale := *o
	stale.Version = 99
	err := s.UpdateOrder(ctx, &stale, nil, func(ctx context.Context, tx kassa.Tx) error {
		return tx.AddWebhookEvent(ctx, hookEvent(o.ID, "1-v2", kassa.WebhookOrderStatusChanged))
	})
	wantCode(t, err, kassa.ECONFLICT)
	o.Status = kassa.StatusCancelled
	must(t, s.UpdateOrder(ctx, o, nil, func(ctx context.Context, tx kassa.Tx) error {
		return tx.AddWebhookEvent(ctx, hookEvent(o.ID, "1-v2b", kassa.WebhookOrderStatusChanged))
	}))
	ds, _, err := s.WebhookDeliveries(ctx, kassa.WebhookDeliveryFilter{})
	must(t, err)
	if len(ds) != 1 || ds[0].MessageID != "evt_1-v2b" {
		t.Fatalf("deliveries %v; want only the committed write's", messageIDs(ds))
	}
}

// An event given as Encode is encoded at most once, and is delivered only
// to the enabled endpoints that want its type, with the body Encode wrote.
// A store may encode an event no endpoint wants when finding out would
// cost more (PostgreSQL: a round trip); SQLite does not (its own test).
func testWebhookEncode(t *testing.T, s Webhooks) {
	o := create(t, s, order(1, shipping))
	encoded := map[string]int{}
	lazy := func(key string, typ kassa.WebhookType) *kassa.WebhookEvent {
		return &kassa.WebhookEvent{OrderID: o.ID, Key: key, Type: typ, At: at, Encode: func() ([]byte, error) {
			encoded[key]++
			return []byte(`{"id":"evt_` + key + `"}`), nil
		}}
	}
	once := func() {
		t.Helper()
		for key, n := range encoded {
			if n > 1 {
				t.Fatalf("%s encoded %d times", key, n)
			}
		}
	}
	must(t, s.AddWebhookEvent(ctx, lazy("1-created", kassa.WebhookOrderCreated)))
	ep := endpoint(t, s, "https://created.example", kassa.WebhookOrderCreated)
	must(t, s.AddWebhookEvent(ctx, lazy("1-v2", kassa.WebhookOrderStatusChanged)))
	once()
	delete(encoded, "1-created")
	must(t, s.AddWebhookEvent(ctx, lazy("1-created", kassa.WebhookOrderCreated)))
	once()
	ds, n, err := s.WebhookDeliveries(ctx, kassa.WebhookDeliveryFilter{EndpointID: ep.ID})
	must(t, err)
	if encoded["1-created"] != 1 || n != 1 || string(ds[0].Body) != `{"id":"evt_1-created"}` {
		t.Fatalf("encoded %v, %d deliveries (%+v)", encoded, n, ds)
	}
	if _, all, err := s.WebhookDeliveries(ctx, kassa.WebhookDeliveryFilter{}); err != nil || all != 1 {
		t.Fatalf("%d deliveries in all (%v); want only the wanted event's", all, err)
	}
}

// testWebhookDeliveriesPaged: an endpoint's deliveries, all or in one
// state, walked a page at a time by keyset, forwards (After) and back
// (Before), are the whole list in order, none missed or repeated, and
// every page counts them all.
func testWebhookDeliveriesPaged(t *testing.T, s Webhooks) {
	a := endpoint(t, s, "https://a.example/hook") // every type
	b := endpoint(t, s, "https://b.example/hook", kassa.WebhookOrderCreated)
	o := create(t, s, order(1, line(1, "", 1)))
	for i := range 11 {
		typ := kassa.WebhookOrderStatusChanged
		if i%3 == 0 {
			typ = kassa.WebhookOrderCreated
		}
		must(t, s.AddWebhookEvent(ctx, hookEvent(o.ID, fmt.Sprint("v", i), typ)))
	}
	ofA, _, err := s.WebhookDeliveries(ctx, kassa.WebhookDeliveryFilter{EndpointID: a.ID})
	must(t, err)
	for i, d := range ofA {
		if i%2 == 0 {
			d.State, d.DeliveredAt = kassa.WebhookDelivered, at
			must(t, s.UpdateWebhookDelivery(ctx, d))
		}
	}
	for _, tt := range []struct {
		name string
		f    kassa.WebhookDeliveryFilter
		n    int
	}{
		{"endpoint a", kassa.WebhookDeliveryFilter{EndpointID: a.ID}, 11},
		{"endpoint a, delivered", kassa.WebhookDeliveryFilter{EndpointID: a.ID, State: kassa.WebhookDelivered}, 6},
		{"endpoint a, queued", kassa.WebhookDeliveryFilter{EndpointID: a.ID, State: kassa.WebhookQueued}, 5},
		{"endpoint b", kassa.WebhookDeliveryFilter{EndpointID: b.ID}, 4},
		{"any endpoint", kassa.WebhookDeliveryFilter{}, 15},
	} {
		all, n, err := s.WebhookDeliveries(ctx, tt.f)
		must(t, err)
		if n != tt.n || len(all) != tt.n {
			t.Fatalf("%s: %d deliveries, total %d; want %d", tt.name, len(all), n, tt.n)
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID {
				t.Fatalf("%s: not newest first: %d after %d", tt.name, all[i].ID, all[i-1].ID)
			}
		}
		want := deliveryIDs(all)
		page := func(f kassa.WebhookDeliveryFilter) []int64 {
			t.Helper()
			f.Limit = 3
			ds, n, err := s.WebhookDeliveries(ctx, f)
			must(t, err)
			if n != tt.n {
				t.Fatalf("%s: a page's total %d, want %d", tt.name, n, tt.n)
			}
			return deliveryIDs(ds)
		}
		// Forwards: each page after the last row of the one before.
		var fwd []int64
		f := tt.f
		for p := page(f); len(p) > 0 && len(fwd) <= tt.n; p = page(f) {
			fwd = append(fwd, p...)
			f.After = p[len(p)-1]
		}
		if d := diff(want, fwd); d != "" {
			t.Fatalf("%s: walked forwards (-want +got):\n%s", tt.name, d)
		}
		// Back from the oldest: each page before the first row of the one
		// after it.
		back := []int64{want[len(want)-1]}
		f = tt.f
		f.Before = back[0]
		for p := page(f); len(p) > 0 && len(back) <= tt.n; p = page(f) {
			back = append(p, back...)
			f.Before = p[0]
		}
		if d := diff(want, back); d != "" {
			t.Fatalf("%s: walked back (-want +got):\n%s", tt.name, d)
		}
	}
}

// deliveryIDs returns the id of each delivery in ds.
func deliveryIDs(ds []*kassa.WebhookDelivery) []int64 {
	ids := make([]int64, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}
