package mapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// Example creates a payment against the simulator, lets the customer sign
// it, and captures it. Against Resurs, BaseURL is mapi.TestURL or
// mapi.ProductionURL and the credentials are the merchant's.
func Example() {
	sim := mapisim.New(mapisim.Options{Seed: 1})
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()

	client := mapi.New(mapi.Config{
		BaseURL:      srv.URL,
		ClientID:     mapisim.DefaultClientID,
		ClientSecret: mapisim.DefaultClientSecret,
	})
	ctx := context.Background()

	price, _ := mapi.ParseDecimal("249.50")
	p, err := client.CreatePayment(ctx, &mapi.CreatePaymentRequest{
		StoreID:         mapisim.DefaultStoreID,
		PaymentMethodID: mapisim.MethodInvoice,
		Order: mapi.CreatePaymentOrder{
			OrderReference: "order-42",
			OrderLines: []mapi.OrderLine{{
				Description: "Teapot", Reference: "TEA-1", Quantity: mapi.Units(1), QuantityUnit: "st",
				VATRate: mapi.Units(25), TotalAmountIncludingVAT: price, Type: mapi.LinePhysicalGoods,
			}},
		},
		Customer: &mapi.Customer{CustomerType: mapi.CustomerNatural, GovernmentID: "198305147715"},
	})
	if err != nil {
		var e *mapi.Error
		if errors.As(err, &e) {
			fmt.Println("refused:", e.Code, e.Message, e.Fields)
		}
		return
	}
	fmt.Println("created:", p.Status, p.Order.TotalOrderAmount)

	// The customer signs at p.TaskRedirectionURLs.CustomerURL; the simulator can do it directly.
	if _, err := sim.Sign(p.ID, mapisim.Approve); err != nil {
		fmt.Println(err)
		return
	}
	p, _ = client.GetPayment(ctx, p.ID)
	fmt.Println("after signing:", p.Status, p.Order.AuthorizedAmount)

	p, err = client.Capture(ctx, p.ID, &mapi.CaptureRequest{TransactionID: "order-42-capture"})
	if err != nil {
		fmt.Println("capture failed; ambiguous:", mapi.Ambiguous(err))
		return
	}
	fmt.Println("captured:", p.Order.CapturedAmount, p.Order.FindAction("order-42-capture").Type)
	// Output:
	// created: TASK_REDIRECTION_REQUIRED 249.50
	// after signing: ACCEPTED 249.50
	// captured: 249.50 CAPTURE
}
