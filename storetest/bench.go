package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// BenchOpener returns a new, empty store for one sub-benchmark.
type BenchOpener func(b *testing.B) kassa.Store

// Bench runs the store benchmarks against the stores open returns, each
// as a sub-benchmark of b with a store of its own. A store runs them as
//
//	func BenchmarkStore(b *testing.B) {
//		storetest.Bench(b, func(b *testing.B) kassa.Store { return mustOpen(b) })
//	}
//
// and one is picked with -bench 'Store/Order$'. open must return an empty
// store and arrange its closing with b.Cleanup.
func Bench(b *testing.B, open BenchOpener) {
	benches := []struct {
		name string
		fn   func(b *testing.B, s kassa.Store)
	}{
		{"CreateOrder", benchCreateOrder},
		{"CreateOrderParallel", benchCreateOrderParallel},
		{"UpdateOrder", benchUpdateOrder},
		{"RecordCallback", benchRecordCallback},
		{"Order", benchOrderRead},
		{"OrderByPaymentID", benchOrderByPaymentID},
		{"Order60Lines", benchOrder60Lines},
		{"ClaimCallbacksIdle", benchClaimCallbacksIdle},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) { bb.fn(b, benchStore(b, open)) })
	}
}

// benchStore opens a store with one product of ample stock, the one
// benchOrder orders.
func benchStore(b *testing.B, open BenchOpener) kassa.Store {
	s := open(b)
	p := kassa.Product{SKU: "A", Name: "A", Price: 10000, VATRate: 2500, Stock: 1 << 40}
	if err := s.PutProduct(ctx, p); err != nil {
		b.Fatal(err)
	}
	return s
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

// benchCreate stores o with an empty creation event and fails b on error.
func benchCreate(b *testing.B, s kassa.Store, o *kassa.Order) {
	if err := s.CreateOrder(ctx, o, kassa.Event{}, nil); err != nil {
		b.Fatal(err)
	}
}

// benchCreateOrder places orders one after another.
func benchCreateOrder(b *testing.B, s kassa.Store) {
	i := 0
	for b.Loop() {
		i++
		if err := s.CreateOrder(ctx, benchOrder(i), kassa.Event{Source: kassa.SourceCheckout}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchCreateOrderParallel places orders of one product from parallel
// goroutines: they contend for its stock row, as a busy shop does.
func benchCreateOrderParallel(b *testing.B, s kassa.Store) {
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if err := s.CreateOrder(ctx, benchOrder(i), kassa.Event{Source: kassa.SourceCheckout}, nil); err != nil {
				b.Error(err) // not Fatal: this is not the benchmark's goroutine
				return
			}
		}
	})
}

func benchUpdateOrder(b *testing.B, s kassa.Store) {
	o := benchOrder(0)
	benchCreate(b, s, o)
	for b.Loop() {
		o.SyncAttempts++
		ev := &kassa.Event{Source: kassa.SourceSweeper, From: o.Status, To: o.Status, Note: "no change"}
		if err := s.UpdateOrder(ctx, o, ev, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRecordCallback records callbacks of which every second one is a
// duplicate.
func benchRecordCallback(b *testing.B, s kassa.Store) {
	body := []byte(`{"paymentId":"p","status":"AUTHORIZED","created":"2026-03-14T09:26:53Z"}`)
	i := 0
	for b.Loop() {
		i++
		cb := &kassa.Callback{Kind: kassa.CallbackAuthorization, PaymentID: "p", DedupKey: fmt.Sprint("p/", i/2), Body: body}
		if _, err := s.RecordCallback(ctx, cb, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchOrderRead reads a typical order, the read a checkout journey makes
// about four times.
func benchOrderRead(b *testing.B, s kassa.Store) {
	o := benchOrder(0)
	benchCreate(b, s, o)
	benchRead(b, s, o.ID)
}

// benchOrder60Lines reads an order of 60 lines.
func benchOrder60Lines(b *testing.B, s kassa.Store) {
	o := benchOrder(0)
	for i := range 58 {
		o.Lines = append(o.Lines, kassa.Line{Position: i + 3, Type: kassa.LineFee,
			Description: fmt.Sprint("Avgift nr ", i, " för \"expressfrakt\""), Quantity: 1, UnitPrice: 100,
			VATRate: 2500, Total: 100, VATAmount: 20})
	}
	benchCreate(b, s, o)
	benchRead(b, s, o.ID)
}

// benchRead is the loop of the Order benchmarks: it reads order id.
func benchRead(b *testing.B, s kassa.Store, id int64) {
	for b.Loop() {
		if _, err := s.Order(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

// benchOrderByPaymentID reads an order by its payment among many, as
// every callback and return does.
func benchOrderByPaymentID(b *testing.B, s kassa.Store) {
	var o *kassa.Order
	for i := range 1000 {
		o = benchOrder(i)
		benchCreate(b, s, o)
		o.PaymentID = fmt.Sprint("pay-", i)
		if err := s.UpdateOrder(ctx, o, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := s.OrderByPaymentID(ctx, o.PaymentID); err != nil {
			b.Fatal(err)
		}
	}
}

// benchClaimCallbacksIdle is the claim loop's usual call: nothing is due
// among many settled entries and a few that are due later.
func benchClaimCallbacksIdle(b *testing.B, s kassa.Store) {
	now := time.Now()
	for i := range 2000 {
		cb := &kassa.Callback{Kind: kassa.CallbackAuthorization, PaymentID: "p", DedupKey: fmt.Sprint("p/", i)}
		if i%100 == 0 {
			cb.NextAttemptAt = now.Add(time.Hour)
		} else {
			cb.State = kassa.CallbackProcessed
		}
		if _, err := s.RecordCallback(ctx, cb, nil); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		cbs, err := s.ClaimCallbacks(ctx, now, now.Add(time.Minute), 16)
		if err != nil || len(cbs) != 0 {
			b.Fatalf("claim: %d entries, %v; want none", len(cbs), err)
		}
	}
}
