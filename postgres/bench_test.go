package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
)

// benchDB opens the store in a fresh schema of $KASSA_TEST_POSTGRES (or
// skips b) with one product of ample stock; the schema is dropped after.
func benchDB(b *testing.B) *postgres.DB {
	base := os.Getenv("KASSA_TEST_POSTGRES")
	if base == "" {
		b.Skip("SKIPPING PostgreSQL benchmarks: set KASSA_TEST_POSTGRES")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Close() })
	schema := fmt.Sprintf("kassa_bench_%d", os.Getpid())
	if _, err := admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE; CREATE SCHEMA ` + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
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

// BenchmarkCreateOrder places orders of one product from parallel
// goroutines: they contend for its stock row, as a busy shop does.
func BenchmarkCreateOrder(b *testing.B) {
	db, ctx := benchDB(b), context.Background()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if err := db.CreateOrder(ctx, benchOrder(i), kassa.Event{Source: kassa.SourceCheckout}, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
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
