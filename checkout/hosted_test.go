package checkout_test

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
)

// hostedRequest is a merchant's checkout of two of its own mugs, shipping
// and a discount: 129.00 × 2 + 49.00 − 20.00 = 287.00.
func hostedRequest() checkout.CheckoutRequest {
	total := kassa.Money(28700)
	return checkout.CheckoutRequest{Reference: "M-1", Total: &total,
		Lines: []checkout.CheckoutLine{
			{Type: kassa.LineProduct, SKU: "MUG", Description: "Mug", Quantity: 2, UnitPrice: 12900, VATRate: 2500},
			{Type: kassa.LineShipping, Description: "Shipping", Quantity: 1, UnitPrice: 4900, VATRate: 2500},
			{Type: kassa.LineDiscount, Description: "Discount", Quantity: 1, UnitPrice: -2000, VATRate: 2500},
		},
		Hosted: kassa.HostedCheckout{SuccessURL: "https://shop.example/ok", FailURL: "https://shop.example/fail"}}
}

// A hosted checkout holds no catalog stock, even for a SKU the catalog
// has; nobody paying it, the sweeper cancels it once its hold is over,
// without reading Resurs for a payment that was never made.
func TestHostedCheckoutExpires(t *testing.T) {
	e := newEnv(t, envOptions{})
	o, err := e.eng.CreateCheckout(e.ctx, hostedRequest(), kassa.SourceAPI)
	if err != nil {
		t.Fatal(err)
	}
	if o.Total != 28700 || o.VATTotal != kassa.VATPart(28700, 2500) || !o.AwaitingShopper() {
		t.Fatalf("checkout order: total %s, VAT %s, awaiting %v", o.Total, o.VATTotal, o.AwaitingShopper())
	}
	if got := e.stock("MUG"); got != initialMugStock {
		t.Fatalf("MUG stock %d, want %d: a merchant's lines hold no catalog stock", got, initialMugStock)
	}
	if _, err := e.eng.SweepOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.wantStatus(o.ID, kassa.StatusPending)
	e.clock.Advance(3 * time.Hour)
	if _, err := e.eng.SweepOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	got := e.wantStatus(o.ID, kassa.StatusCancelled)
	if got.StatusReason != "The checkout was not completed in time." {
		t.Fatalf("reason %q", got.StatusReason)
	}
	if s := e.stock("MUG"); s != initialMugStock {
		t.Fatalf("MUG stock %d after the cancel, want %d", s, initialMugStock)
	}
	if _, _, err := e.eng.PayCheckout(e.ctx, o.ID, o.Key, orderRequest("198305147715")); kassa.ErrorCode(err) != kassa.ECONFLICT {
		t.Fatalf("paying a cancelled checkout: %v, want ECONFLICT", err)
	}
}

func TestHostedCheckoutPaid(t *testing.T) {
	e := newEnv(t, envOptions{})
	o, err := e.eng.CreateCheckout(e.ctx, hostedRequest(), kassa.SourceAPI)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.eng.PayCheckout(e.ctx, o.ID, "wrong", orderRequest("198305147715")); kassa.ErrorCode(err) != kassa.EUNAUTHORIZED {
		t.Fatalf("wrong key: %v", err)
	}
	bad := orderRequest("198305147715")
	bad.Customer.Email = "not an address"
	if _, _, err := e.eng.PayCheckout(e.ctx, o.ID, o.Key, bad); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("bad e-mail: %v", err)
	}
	if got := e.order(o.ID); got.PaymentMethodID != "" || got.Version != 1 {
		t.Fatalf("a refused purchase wrote the order: %+v", got)
	}
	paid, redirect, err := e.eng.PayCheckout(e.ctx, o.ID, o.Key, orderRequest("198305147715"))
	if err != nil || redirect == "" || paid.PaymentID == "" {
		t.Fatalf("PayCheckout: %v (redirect %q)", err, redirect)
	}
	e.sign(paid, "approve")
	e.settle()
	got := e.wantStatus(o.ID, kassa.StatusProcessing)
	if got.Authorized != 28700 || got.Customer.Email == "" {
		t.Fatalf("paid checkout: authorized %s, customer %+v", got.Authorized, got.Customer)
	}
}
