package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// hostedOrder is an order a merchant's system created (POST
// /api/checkouts): its own lines, whose SKUs are not the catalog's, no
// customer and no payment method yet, and no stock held.
func hostedOrder(n int, ref string) *kassa.Order {
	o := order(n, line(1, "A", 2), line(2, "MERCHANT-ONLY", 1), shipping)
	o.Customer, o.PaymentMethodID = kassa.Customer{}, ""
	o.Reference, o.StockReleased = ref, true
	o.Hosted = &kassa.HostedCheckout{SuccessURL: "https://shop.example/ok", FailURL: "https://shop.example/fail",
		Metadata: map[string]string{"cart": "c-17"}}
	return o
}

// testHostedOrder: an order that holds no stock reserves none, whatever its
// SKUs, and gives none back when it closes; its reference and hosted
// checkout round-trip and the reference is searchable.
func testHostedOrder(t *testing.T, s Orders) {
	put(t, s, product("A", 5))
	o := create(t, s, hostedOrder(1, "Shop-Order-4711"))
	create(t, s, order(2, line(1, "A", 1)))
	got := get(t, s, o.ID)
	if d := diff(o.Hosted, got.Hosted); d != "" || got.Reference != "Shop-Order-4711" || !got.StockReleased {
		t.Fatalf("hosted order read back: reference %q, stock released %v, hosted (-want +got):\n%s",
			got.Reference, got.StockReleased, d)
	}
	if a := stock(t, s, "A"); a != 4 {
		t.Fatalf("stock A %d after a hosted order of 2 and a shop order of 1; want 4 (only the shop's reserved)", a)
	}
	for _, q := range []string{"shop-order-4711", "4711"} {
		list, n, err := s.Orders(ctx, kassa.OrderFilter{Query: q})
		must(t, err)
		if n != 1 || len(list) != 1 || list[0].ID != o.ID || list[0].Reference != "Shop-Order-4711" {
			t.Fatalf("Orders(q=%q): %d orders %v, want the hosted one", q, n, ids(list))
		}
	}
	got.Status = kassa.StatusCancelled
	must(t, s.UpdateOrder(ctx, got, nil, nil))
	if a := stock(t, s, "A"); a != 4 {
		t.Fatalf("stock A %d after the hosted order closed; want 4 (it held none)", a)
	}
}

// testUpdateOrderCustomer: the shopper's details and payment method are
// written by compare-and-set, with the event and the hook, and make the
// order findable by e-mail.
func testUpdateOrderCustomer(t *testing.T, s Orders) {
	put(t, s, product("A", 5))
	o := create(t, s, hostedOrder(1, "R-1"))
	filled := order(7)
	o.Customer, o.PaymentMethodID = filled.Customer, "pm-invoice"
	o.ExpiresAt = at.Add(2 * time.Hour)
	stale := *o
	ran := false
	ev := kassa.Event{At: at, Source: kassa.SourceCheckout, From: kassa.StatusPending, To: kassa.StatusPending,
		Note: "the shopper filled in the checkout"}
	must(t, s.UpdateOrderCustomer(ctx, o, &ev, func(context.Context, kassa.Tx) error { ran = true; return nil }))
	if o.Version != 2 || !ran {
		t.Fatalf("version %d, hook ran %v; want 2 and true", o.Version, ran)
	}
	got := get(t, s, o.ID)
	if d := diff(filled.Customer, got.Customer); d != "" || got.PaymentMethodID != "pm-invoice" ||
		!got.ExpiresAt.Equal(o.ExpiresAt) {
		t.Fatalf("customer read back (-want +got):\n%s\nmethod %q, expires %v", d, got.PaymentMethodID, got.ExpiresAt)
	}
	list, _, err := s.Orders(ctx, kassa.OrderFilter{Query: filled.Customer.Email})
	must(t, err)
	if len(list) != 1 || list[0].ID != o.ID {
		t.Fatalf("Orders(q=e-mail): %v, want the order", ids(list))
	}
	// Its words are the new customer's, and the reference's still.
	for q, want := range map[string]int{"r 1": 1, filled.Customer.Address.LastName: 1} {
		if list, n, err := s.Orders(ctx, kassa.OrderFilter{Query: q}); err != nil || n != want || len(list) != want {
			t.Fatalf("Orders(q=%q): %v, total %d, %v; want %d", q, ids(list), n, err, want)
		}
	}
	o.Customer.Address.LastName = "Zetterqvist"
	must(t, s.UpdateOrderCustomer(ctx, o, nil, nil))
	for q, want := range map[string]int{"zetterqvist": 1, filled.Customer.Address.LastName: 0} {
		if list, n, err := s.Orders(ctx, kassa.OrderFilter{Query: q}); err != nil || n != want || len(list) != want {
			t.Fatalf("Orders(q=%q) after the name changed: %v, total %d, %v; want %d", q, ids(list), n, err, want)
		}
	}
	wantCode(t, s.UpdateOrderCustomer(ctx, &stale, nil, nil), kassa.ECONFLICT)
	evs, err := s.Events(ctx, o.ID)
	must(t, err)
	if len(evs) != 2 || evs[1].Note != ev.Note {
		t.Fatalf("events %+v, want the creation and the customer's", evs)
	}
}
