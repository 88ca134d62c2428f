package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// ptr returns a pointer to v, for the fields of a kassa.ProductEdit.
func ptr[T any](v T) *T { return &v }

// edit applies edits by "admin" for reason and fails t on error.
func edit(t *testing.T, s kassa.Catalog, reason string, edits ...kassa.ProductEdit) []kassa.Product {
	t.Helper()
	ps, err := s.UpdateProducts(ctx, "admin", reason, edits)
	must(t, err)
	return ps
}

// moves returns the stock moves of sku, newest first.
func moves(t *testing.T, s kassa.Catalog, sku string) []kassa.StockMove {
	t.Helper()
	ms, err := s.StockMoves(ctx, sku, 0)
	must(t, err)
	return ms
}

// testUpdateProducts: an edit creates, replaces and changes fields one
// at a time; what it leaves out stays; every stock change is a move
// naming who and why.
func testUpdateProducts(t *testing.T, s kassa.Catalog) {
	a := kassa.Product{SKU: "A-1", Name: "Tea", Description: "Green", Price: 4990, VATRate: 1200, Stock: 5,
		ImageURL: "https://example.com/tea.jpg"}
	got := edit(t, s, "new product", a.Replace())
	if d := diff([]kassa.Product{a}, got); d != "" {
		t.Fatalf("UpdateProducts answer (-want +got):\n%s", d)
	}
	stored, err := s.Product(ctx, "A-1")
	must(t, err)
	if d := diff(a, stored); d != "" {
		t.Fatalf("created product (-want +got):\n%s", d)
	}
	wantTerms(t, s, a)

	// A price edit keeps everything else; a stock change adds.
	edit(t, s, "summer price", kassa.ProductEdit{SKU: "A-1", Price: ptr(kassa.Money(3990)), MustExist: true})
	edit(t, s, "delivery from supplier", kassa.ProductEdit{SKU: "A-1", StockChange: 7})
	a.Price, a.Stock = 3990, 12
	wantTerms(t, s, a)
	if got := stock(t, s, "A-1"); got != 12 {
		t.Fatalf("stock = %d, want 12", got)
	}
	// Off sale, then a stock count sets it.
	edit(t, s, "stock count", kassa.ProductEdit{SKU: "A-1", Inactive: ptr(true), Stock: ptr(int64(10))})
	a.Inactive, a.Stock = true, 10
	stored, err = s.Product(ctx, "A-1")
	must(t, err)
	if d := diff(a, stored); d != "" {
		t.Fatalf("after deactivation (-want +got):\n%s", d)
	}

	ms := moves(t, s, "A-1")
	want := []struct {
		change, stock int64
		reason        string
	}{{-2, 10, "stock count"}, {7, 12, "delivery from supplier"}, {5, 5, "new product"}}
	if len(ms) != len(want) {
		t.Fatalf("%d stock moves, want %d: %+v", len(ms), len(want), ms)
	}
	for i, w := range want {
		m := ms[i]
		if m.SKU != "A-1" || m.Change != w.change || m.Stock != w.stock || m.Reason != w.reason || m.By != "admin" || !within(m.At) {
			t.Errorf("move %d = %+v; want change %d, stock %d, by admin for %q, now", i, m, w.change, w.stock, w.reason)
		}
	}
	// A new product given only what it needs is on sale, with no stock and no move.
	b := edit(t, s, "", kassa.ProductEdit{SKU: "B-2", Name: ptr("Cup"), Price: ptr(kassa.Money(0)), VATRate: ptr(int64(0))})
	if d := diff([]kassa.Product{{SKU: "B-2", Name: "Cup"}}, b); d != "" {
		t.Fatalf("a product given name, price and VAT rate (-want +got):\n%s", d)
	}
	wantTerms(t, s, b[0])
	if all := moves(t, s, ""); len(all) != 3 {
		t.Errorf("StockMoves of every product: %d, want 3", len(all))
	}
	if none := moves(t, s, "NOPE"); len(none) != 0 {
		t.Errorf("StockMoves of an unknown product: %+v, want none", none)
	}
}

// testUpdateProductsAllOrNothing: one bad edit among good ones writes
// nothing and names every bad edit by its index.
func testUpdateProductsAllOrNothing(t *testing.T, s kassa.Catalog) {
	put(t, s, product("A-1", 5))
	edits := []kassa.ProductEdit{
		{SKU: "A-1", StockChange: 3},
		product("B-2", 1).Replace(),
		{SKU: "C-3", Name: ptr("C"), Price: ptr(kassa.Money(-1)), VATRate: ptr(int64(2500))},
		{SKU: "D-4", Price: ptr(kassa.Money(100))}, // unknown, and not enough to create it
	}
	_, err := s.UpdateProducts(ctx, "import", "prices.csv", edits)
	wantCode(t, err, kassa.EINVALID)
	var fields []string
	var ke *kassa.Error
	errors.As(err, &ke)
	for _, f := range ke.Fields {
		fields = append(fields, f.Field)
	}
	if d := diff([]string{"products[2].price", "products[3].sku"}, fields); d != "" {
		t.Fatalf("fields (-want +got):\n%s\nerr: %v", d, err)
	}
	wantUnchanged(t, s)

	_, err = s.UpdateProducts(ctx, "admin", "", []kassa.ProductEdit{{SKU: "NOPE", StockChange: 1, MustExist: true}})
	wantCode(t, err, kassa.ENOTFOUND)
	_, err = s.UpdateProducts(ctx, "admin", "", []kassa.ProductEdit{{SKU: "A-1", StockChange: 3}, {SKU: "A-1", StockChange: -9}})
	wantCode(t, err, kassa.ECONFLICT)
	_, err = s.UpdateProducts(ctx, "", "", []kassa.ProductEdit{{SKU: "A-1", StockChange: 1}})
	wantCode(t, err, kassa.EINVALID)
	wantUnchanged(t, s)
}

// wantUnchanged fails unless s holds only product("A-1", 5), with no moves.
func wantUnchanged(t *testing.T, s kassa.Catalog) {
	t.Helper()
	ps, err := s.Products(ctx)
	must(t, err)
	if d := diff([]kassa.Product{product("A-1", 5)}, ps); d != "" {
		t.Fatalf("catalog after a refused edit (-want +got):\n%s", d)
	}
	if ms := moves(t, s, ""); len(ms) != 0 {
		t.Fatalf("stock moves after a refused edit: %+v", ms)
	}
}

// testEditsDuringOrders: price edits and stock deliveries while orders
// reserve the same product lose no unit: the stock ends as the start,
// plus the deliveries, minus what the orders took, and the orders keep
// the lines they were placed with.
func testEditsDuringOrders(t *testing.T, s Orders) {
	const start, buyers, deliveries = 20, 30, 10
	put(t, s, product("A", start))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sold int64
	for i := range buyers {
		wg.Go(func() {
			err := s.CreateOrder(ctx, order(i, line(1, "A", 1+int64(i%2))), kassa.Event{At: time.Now()}, nil)
			switch kassa.ErrorCode(err) {
			case "":
				mu.Lock()
				sold += 1 + int64(i%2)
				mu.Unlock()
			case kassa.ECONFLICT:
			default:
				t.Error(err)
			}
		})
	}
	for i := range deliveries {
		wg.Go(func() {
			_, err := s.UpdateProducts(ctx, "admin", "delivery", []kassa.ProductEdit{
				{SKU: "A", StockChange: 1, Price: ptr(kassa.Money(1000 + i)), MustExist: true}})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, want := stock(t, s, "A"), int64(start+deliveries)-sold; got != want {
		t.Fatalf("stock = %d; want %d (start %d + deliveries %d - sold %d)", got, want, start, deliveries, sold)
	}
	if ms := moves(t, s, "A"); len(ms) != deliveries {
		t.Fatalf("%d stock moves, want %d", len(ms), deliveries)
	}
	list, _, err := s.Orders(ctx, kassa.OrderFilter{Limit: buyers})
	must(t, err)
	for _, o := range list {
		if l := o.Lines[0]; l.UnitPrice != 10000 || l.Description != "Line A" {
			t.Fatalf("order %s line changed with the product: %+v", o.Number, l)
		}
	}
}
