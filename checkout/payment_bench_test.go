package checkout

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// BenchmarkPaymentRequest measures building the POST /v2/payments body of
// an order (MAPI order lines, customer, URLs) and encoding it as JSON, as
// every checkout does.
func BenchmarkPaymentRequest(b *testing.B) {
	e := &Engine{cfg: Config{StoreID: "store", BaseURL: "http://127.0.0.1:8080", Hold: 2 * time.Hour}}
	o := &kassa.Order{ID: 42, Number: "K-000042", Key: "key", CallbackToken: "token", PaymentMethodID: "pm",
		Lines: []kassa.Line{
			{Position: 1, Type: kassa.LineProduct, SKU: "BOOK", Description: "Cookbook", Quantity: 2,
				UnitPrice: 24900, VATRate: 600, Total: 49800, VATAmount: 2819},
			{Position: 2, Type: kassa.LineProduct, SKU: "MUG", Description: "Mug", Quantity: 1,
				UnitPrice: 12900, VATRate: 2500, Total: 12900, VATAmount: 2580},
			{Position: 3, Type: kassa.LineShipping, Description: "Shipping", Quantity: 1,
				UnitPrice: 4900, VATRate: 2500, Total: 4900, VATAmount: 980},
		},
		Customer: kassa.Customer{Type: kassa.CustomerNatural, GovernmentID: "198305147715", Email: "a@example.se",
			Phone: "0701112233", Address: kassa.Address{FirstName: "Åsa", LastName: "Öberg", AddressRow1: "Gatan 1",
				PostalCode: "41655", PostalArea: "Göteborg", CountryCode: "SE"}},
	}
	req := kassa.OrderRequest{ClientIP: "127.0.0.1", UserAgent: "bench"}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		body, err := json.Marshal(e.paymentRequest(o, req))
		if err != nil {
			b.Fatal(err)
		}
		n = len(body)
	}
	if n == 0 {
		b.Fatal("empty body")
	}
}
