package checkout_test

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// chargesConfig has two shipping options and an invoice fee.
func chargesConfig(cfg *checkout.Config) {
	cfg.ShippingOptions = []checkout.ShippingOption{
		{ID: "postnord", Name: "PostNord", Price: 4900, VATRate: 2500},
		{ID: "express", Name: "Express", Price: 14900, VATRate: 2500},
	}
	cfg.FreeShippingFrom = 100000
	cfg.PaymentFees = map[string]checkout.PaymentFee{mapisim.MethodInvoice: {Name: "Invoice fee", Amount: 2900, VATRate: 2500}}
}

// putCodes stores three discount codes and more.
func (e *env) putCodes(extra ...checkout.DiscountCode) {
	e.t.Helper()
	codes := append([]checkout.DiscountCode{
		{Code: "SPRING10", Percent: 1000},
		{Code: "FIFTY", Amount: 5000, MinOrder: 40000},
		{Code: "OLD", Percent: 500, ValidUntil: t0.Add(-time.Hour)},
	}, extra...)
	for _, d := range codes {
		if err := e.db.PutDiscountCode(e.ctx, d); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestDiscountFeeShippingFlow: a cart at 25 % and 6 % with 10 % off,
// express shipping and the invoice fee is priced as MAPI lines that add
// up to the order total (one discount line per rate), accepted, captured
// in full and refunded by an amount and then in full.
func TestDiscountFeeShippingFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{config: chargesConfig})
	e.putCodes()
	req := orderRequest(govAccepted)
	req.Lines = []kassa.LineRequest{{SKU: "TEE", Quantity: 2}, {SKU: "BOOK", Quantity: 1}} // 398.00 at 25 %, 249.00 at 6 %
	req.DiscountCode, req.ShippingOption = "spring10", "express"
	o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	if err != nil {
		t.Fatal(err)
	}
	// 10 % of 647.00 = 64.70: 39.80 at 25 %, 24.90 at 6 %.
	want := []struct {
		typ   kassa.LineType
		total kassa.Money
		rate  int64
	}{{kassa.LineProduct, 39800, 2500}, {kassa.LineProduct, 24900, 600}, {kassa.LineDiscount, -3980, 2500},
		{kassa.LineDiscount, -2490, 600}, {kassa.LineShipping, 14900, 2500}, {kassa.LineFee, 2900, 2500}}
	if len(o.Lines) != len(want) {
		t.Fatalf("lines %+v", o.Lines)
	}
	for i, w := range want {
		if l := o.Lines[i]; l.Type != w.typ || l.Total != w.total || l.VATRate != w.rate {
			t.Errorf("line %d = %+v; want %s %s at %d", i, l, w.typ, w.total, w.rate)
		}
	}
	if o.Total != 39800+24900-3980-2490+14900+2900 {
		t.Fatalf("total %s", o.Total)
	}
	pay, _ := e.sim.Payment(o.PaymentID)
	var sum mapi.Decimal
	for _, l := range pay.Order.ActionLog[0].OrderLines { // CREATE
		sum += l.TotalAmountIncludingVAT
	}
	if int64(sum) != int64(o.Total) || int64(pay.Order.TotalOrderAmount) != int64(o.Total) {
		t.Fatalf("bank lines sum %d, total %d; order %d", sum, pay.Order.TotalOrderAmount, o.Total)
	}
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusProcessing)

	admin := checkout.ActionRequest{Source: kassa.SourceAdmin, Creator: "admin"}
	capture := admin
	capture.All = true
	if _, _, err := e.eng.Capture(e.ctx, o.ID, capture); err != nil {
		t.Fatalf("capture all: %v", err)
	}
	refund := admin
	refund.Amount = 10000
	if _, _, err := e.eng.Refund(e.ctx, o.ID, refund); err != nil {
		t.Fatalf("refund 100.00: %v", err)
	}
	refund = admin
	refund.All = true
	got, _, err := e.eng.Refund(e.ctx, o.ID, refund)
	if err != nil {
		t.Fatalf("refund the rest: %v", err)
	}
	if got.Status != kassa.StatusRefunded || got.Refunded != o.Total {
		t.Fatalf("after refunding everything: %s, refunded %s of %s", got.Status, got.Refunded, o.Total)
	}
}

// TestDiscountCodeRules: an unknown, expired or too-small code and an
// unknown shipping option are field errors; nothing is placed.
func TestDiscountCodeRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{config: chargesConfig})
	e.putCodes()
	for code, field := range map[string]string{"NOPE": "discountCode", "OLD": "discountCode", "FIFTY": "discountCode"} {
		req := orderRequest(govAccepted) // one T-shirt: 199.00, below FIFTY's 400.00
		req.DiscountCode = code
		_, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
		wantField(t, err, field)
	}
	req := orderRequest(govAccepted)
	req.ShippingOption = "drone"
	_, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	wantField(t, err, "shippingOption")
	if got := e.stock("TEE"); got != initialTeeStock {
		t.Fatalf("stock %d after refused orders", got)
	}
	// A fixed amount above the minimum; free shipping counts the products after the discount.
	req = orderRequest(govAccepted)
	req.Lines = []kassa.LineRequest{{SKU: "TEE", Quantity: 5}} // 995.00, minus 50.00: below 1000.00
	req.DiscountCode = "FIFTY"
	o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	if err != nil {
		t.Fatal(err)
	}
	if o.Total != 99500-5000+4900+2900 {
		t.Fatalf("total %s, want 995.00 - 50.00 + shipping 49.00 + fee 29.00", o.Total)
	}
}
