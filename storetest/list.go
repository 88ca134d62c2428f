package storetest

import (
	"testing"

	"github.com/kassa-dev/kassa"
)

func testOrders(t *testing.T, s Orders) {
	var all []*kassa.Order // newest first
	for i := range 7 {
		o := order(i, line(1, "", 1))
		if i%3 == 0 {
			o.Status = kassa.StatusOnHold
		}
		all = append([]*kassa.Order{create(t, s, o)}, all...)
	}
	for _, tt := range []struct {
		name string
		f    kassa.OrderFilter
		want []*kassa.Order
		n    int
	}{
		{"all", kassa.OrderFilter{}, all, 7},
		{"first page", kassa.OrderFilter{Limit: 3}, all[:3], 7},
		{"second page", kassa.OrderFilter{Limit: 3, Offset: 3}, all[3:6], 7},
		{"last page", kassa.OrderFilter{Limit: 3, Offset: 6}, all[6:], 7},
		{"past the end", kassa.OrderFilter{Limit: 3, Offset: 9}, nil, 7},
		{"status", kassa.OrderFilter{Status: kassa.StatusOnHold}, []*kassa.Order{all[0], all[3], all[6]}, 3},
		{"status paged", kassa.OrderFilter{Status: kassa.StatusOnHold, Limit: 1, Offset: 1}, []*kassa.Order{all[3]}, 3},
		{"no match", kassa.OrderFilter{Status: kassa.StatusRefunded}, nil, 0},
		{"after", kassa.OrderFilter{Limit: 3, After: all[2].ID}, all[3:6], 7},
		{"after, last page", kassa.OrderFilter{Limit: 3, After: all[5].ID}, all[6:], 7},
		{"after the last", kassa.OrderFilter{Limit: 3, After: all[6].ID}, nil, 7},
		{"before", kassa.OrderFilter{Limit: 3, Before: all[3].ID}, all[:3], 7},
		{"before, nearest", kassa.OrderFilter{Limit: 2, Before: all[3].ID}, all[1:3], 7},
		{"before the first", kassa.OrderFilter{Limit: 2, Before: all[0].ID}, nil, 7},
		{"after and before", kassa.OrderFilter{After: all[0].ID, Before: all[4].ID}, all[1:4], 7},
		{"after, offset ignored", kassa.OrderFilter{Limit: 2, After: all[2].ID, Offset: 4}, all[3:5], 7},
		{"status after", kassa.OrderFilter{Status: kassa.StatusOnHold, After: all[0].ID}, []*kassa.Order{all[3], all[6]}, 3},
		{"status before", kassa.OrderFilter{Status: kassa.StatusOnHold, Limit: 1, Before: all[6].ID}, []*kassa.Order{all[3]}, 3},
	} {
		got, n, err := s.Orders(ctx, tt.f)
		must(t, err)
		if d := diff(tt.want, got); d != "" || n != tt.n {
			t.Fatalf("%s: total %d, want %d; orders (-want +got):\n%s", tt.name, n, tt.n, d)
		}
	}
}

func testOrdersSearch(t *testing.T, s Orders) {
	a := order(1, shipping)
	a.Customer.Email, a.Customer.Address.LastName = "Anna.Lind@Example.se", "Lind"
	b := order(2, shipping)
	b.Customer.Email, b.Customer.Address.LastName = "bo@firma.se", "Ångström"
	c := order(3, shipping)
	c.Customer.Email, c.Customer.Address.LastName = "cecilia@example.se", "Lindqvist"
	for _, o := range []*kassa.Order{a, b, c} {
		create(t, s, o)
	}
	b.PaymentID = "7c1f-pay-b"
	must(t, s.UpdateOrder(ctx, b, nil, nil))
	for _, tt := range []struct {
		q    string
		want []*kassa.Order
	}{
		{a.Number, []*kassa.Order{a}},
		{" " + a.Number + " ", []*kassa.Order{a}},
		{"anna.lind@example.se", []*kassa.Order{a}},
		{"EXAMPLE.SE", []*kassa.Order{c, a}},
		{"lind", []*kassa.Order{c, a}},
		{"ångström", []*kassa.Order{b}},
		{"ÅNGSTRÖM", []*kassa.Order{b}},
		{"7c1f-pay-b", []*kassa.Order{b}},
		{"7c1f", nil}, // payment ids match whole
		{"nobody", nil},
		{"%", nil},
		{"_", nil},
	} {
		got, n, err := s.Orders(ctx, kassa.OrderFilter{Query: tt.q})
		must(t, err)
		if d := diff(ids(tt.want), ids(got)); d != "" || n != len(tt.want) {
			t.Fatalf("query %q: total %d, want %d; ids (-want +got):\n%s", tt.q, n, len(tt.want), d)
		}
	}
	got, n, err := s.Orders(ctx, kassa.OrderFilter{Query: "lind", Status: kassa.StatusOnHold})
	must(t, err)
	if len(got) != 0 || n != 0 {
		t.Fatalf("query with a status nobody has: %d orders, total %d", len(got), n)
	}
}
