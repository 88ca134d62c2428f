package mapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// BenchmarkCreateGet measures one create payment plus one get payment over
// loopback HTTP against mapisim, token cached.
func BenchmarkCreateGet(b *testing.B) {
	sim := mapisim.New(mapisim.Options{Seed: 1})
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := mapi.New(mapi.Config{BaseURL: srv.URL, ClientID: mapisim.DefaultClientID, ClientSecret: mapisim.DefaultClientSecret})
	ctx := context.Background()
	line := mapi.OrderLine{Description: "Teapot", Quantity: mapi.Units(1), QuantityUnit: "st",
		VATRate: mapi.Units(25), TotalAmountIncludingVAT: mapi.Units(100), Type: mapi.LineNormal}
	if _, err := c.Stores(ctx); err != nil { // fetch the token outside the timing
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		p, err := c.CreatePayment(ctx, &mapi.CreatePaymentRequest{
			StoreID: mapisim.DefaultStoreID, PaymentMethodID: mapisim.MethodInvoice,
			Order: mapi.CreatePaymentOrder{OrderReference: fmt.Sprintf("bench-%d", i), OrderLines: []mapi.OrderLine{line}},
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.GetPayment(ctx, p.ID); err != nil {
			b.Fatal(err)
		}
	}
}
