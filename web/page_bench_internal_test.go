package web

import (
	"io"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// BenchmarkThankYouPage puts together and executes the thank-you page for
// a paid two-line order, the page every checkout ends on.
func BenchmarkThankYouPage(b *testing.B) {
	l := locale.Get("sv").In("SE")
	pages, err := parsePages(new(Server).templateFuncs(l), l)
	if err != nil {
		b.Fatal(err)
	}
	o := &kassa.Order{Number: "K000042", Status: kassa.StatusProcessing, Currency: "SEK",
		Lines: []kassa.Line{
			{Position: 1, Type: kassa.LineProduct, SKU: "BOOK-001", Description: "Svensk husmanskost", Quantity: 2,
				UnitPrice: 29900, VATRate: 600, Total: 59800, VATAmount: 3385},
			{Position: 2, Type: kassa.LineProduct, SKU: "FOOD-001", Description: "Kaffe mellanrost 450 g", Quantity: 1,
				UnitPrice: 7995, VATRate: 1200, Total: 7995, VATAmount: 857},
		},
		Total: 67795, VATTotal: 4242,
		Customer: kassa.Customer{Email: "bench@example.com", Address: kassa.Address{FirstName: "Bench",
			LastName: "Customer", AddressRow1: "Glassgatan 15", PostalCode: "41655", PostalArea: "Göteborg"}},
	}
	for b.Loop() {
		p := newOutcome(l, o, false)
		v := view{Title: p.title(l), Lang: l.Code(), Path: "/checkout/orders/42/return", Data: p}
		if err := pages["thankyou"].ExecuteTemplate(io.Discard, "layout", v); err != nil {
			b.Fatal(err)
		}
	}
}
