package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
)

// benchDB opens a temp file database with one product of ample stock.
func benchDB(b *testing.B) *sqlite.DB {
	db := mustOpen(b, filepath.Join(b.TempDir(), "bench.db"))
	p := kassa.Product{SKU: "A", Name: "A", Price: 10000, VATRate: 2500, Stock: 1 << 40}
	if err := db.PutProduct(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	return db
}

// benchOrder is a typical two-line order.
func benchOrder(i int) *kassa.Order {
	return &kassa.Order{
		Key: fmt.Sprint("key", i), CallbackToken: fmt.Sprint("tok", i), Currency: "SEK",
		Lines: []kassa.Line{
			{Position: 1, Type: kassa.LineProduct, SKU: "A", Description: "A", Quantity: 2, UnitPrice: 10000,
				VATRate: 2500, Total: 20000, VATAmount: 4000},
			{Position: 2, Type: kassa.LineShipping, Description: "Postnord", Quantity: 1, UnitPrice: 4900,
				VATRate: 2500, Total: 4900, VATAmount: 980},
		},
		Total: 24900, VATTotal: 4980, PaymentMethodID: "pm",
		Customer: kassa.Customer{Type: kassa.CustomerNatural, Email: fmt.Sprint("k", i, "@example.se"),
			Address: kassa.Address{FirstName: "Åsa", LastName: "Öberg", CountryCode: "SE"}},
	}
}

func BenchmarkCreateOrder(b *testing.B) {
	db, ctx := benchDB(b), context.Background()
	i := 0
	for b.Loop() {
		i++
		if err := db.CreateOrder(ctx, benchOrder(i), kassa.Event{Source: kassa.SourceCheckout}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateOrder(b *testing.B) {
	db, ctx := benchDB(b), context.Background()
	o := benchOrder(0)
	if err := db.CreateOrder(ctx, o, kassa.Event{}, nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		o.SyncAttempts++
		ev := &kassa.Event{Source: kassa.SourceSweeper, From: o.Status, To: o.Status, Note: "no change"}
		if err := db.UpdateOrder(ctx, o, ev, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordCallback(b *testing.B) {
	db, ctx := benchDB(b), context.Background()
	body := []byte(`{"paymentId":"p","status":"AUTHORIZED","created":"2026-03-14T09:26:53Z"}`)
	i := 0
	for b.Loop() {
		i++
		cb := &kassa.Callback{Kind: kassa.CallbackAuthorization, PaymentID: "p", DedupKey: fmt.Sprint("p/", i/2), Body: body}
		if _, err := db.RecordCallback(ctx, cb, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrder reads a typical order, the read a checkout journey makes
// about four times.
func BenchmarkOrder(b *testing.B) {
	db, ctx := benchDB(b), context.Background()
	o := benchOrder(0)
	if err := db.CreateOrder(ctx, o, kassa.Event{}, nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.Order(ctx, o.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrderByPaymentID reads an order by its payment among many, as
// every callback and return does.
func BenchmarkOrderByPaymentID(b *testing.B) {
	db, ctx := benchDB(b), context.Background()
	var o *kassa.Order
	for i := range 1000 {
		o = benchOrder(i)
		if err := db.CreateOrder(ctx, o, kassa.Event{}, nil); err != nil {
			b.Fatal(err)
		}
		o.PaymentID = fmt.Sprint("pay-", i)
		if err := db.UpdateOrder(ctx, o, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := db.OrderByPaymentID(ctx, o.PaymentID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOrder60Lines reads an order of 60 lines.
func BenchmarkOrder60Lines(b *testing.B) {
	db, ctx := benchDB(b), context.Background()
	o := benchOrder(0)
	for i := range 58 {
		o.Lines = append(o.Lines, kassa.Line{Position: i + 3, Type: kassa.LineFee,
			Description: fmt.Sprint("Avgift nr ", i, " för \"expressfrakt\""), Quantity: 1, UnitPrice: 100,
			VATRate: 2500, Total: 100, VATAmount: 20})
	}
	if err := db.CreateOrder(ctx, o, kassa.Event{}, nil); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.Order(ctx, o.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClaimCallbacksIdle is the claim loop's usual call: nothing is
// due among many settled entries and a few that are due later.
func BenchmarkClaimCallbacksIdle(b *testing.B) {
	db, ctx := benchDB(b), context.Background()
	now := time.Now()
	for i := range 2000 {
		cb := &kassa.Callback{Kind: kassa.CallbackAuthorization, PaymentID: "p", DedupKey: fmt.Sprint("p/", i)}
		if i%100 == 0 {
			cb.NextAttemptAt = now.Add(time.Hour)
		} else {
			cb.State = kassa.CallbackProcessed
		}
		if _, err := db.RecordCallback(ctx, cb, nil); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		cbs, err := db.ClaimCallbacks(ctx, now, now.Add(time.Minute), 16)
		if err != nil || len(cbs) != 0 {
			b.Fatalf("claim: %d entries, %v; want none", len(cbs), err)
		}
	}
}
