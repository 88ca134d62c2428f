package checkout_test

import (
	"math/rand/v2"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapi"
	"github.com/kassa-dev/kassa/mapisim"
)

// wantFieldSaid fails unless err is EINVALID naming field with the
// catalog's message id.
func wantFieldSaid(t *testing.T, err error, field, id string) {
	t.Helper()
	wantField(t, err, field)
	for _, f := range err.(*kassa.Error).Fields {
		if f.Field == field && f.Said.ID != id {
			t.Fatalf("%s: %+v; want message %s", field, f, id)
		}
	}
}

// TestDiscountUsageLimit: a code of one use is taken by the first order
// and refused to the next ("used up"); the first order failing gives the
// use back, and the next order gets it.
func TestDiscountUsageLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{config: chargesConfig})
	e.putCodes(checkout.DiscountCode{Code: "ONCE", Amount: 2000, UsageLimit: 1})
	req := orderRequest(govRejected)
	req.DiscountCode = "once"
	first, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	if err != nil {
		t.Fatal(err)
	}
	if first.Charges.DiscountCodeName() != "ONCE" {
		t.Fatalf("order charges %+v; want the code ONCE", first.Charges)
	}
	second := orderRequest(govAccepted)
	second.DiscountCode = "ONCE"
	_, _, err = e.eng.PlaceOrder(e.ctx, second, kassa.SourceCheckout)
	wantFieldSaid(t, err, "discountCode", "field.discount_used_up")
	if _, _, err := e.eng.QuoteOrder(e.ctx, kassa.OrderRequest{Lines: second.Lines, DiscountCode: "ONCE"}); err == nil {
		t.Fatal("the cart's quote accepts a used-up code")
	}
	e.sign(first, mapisim.Approve) // the rejected persona: failed
	e.wantStatus(first.ID, kassa.StatusFailed)
	if d, err := e.db.DiscountCode(e.ctx, "ONCE"); err != nil || d.Used != 0 {
		t.Fatalf("after the order failed: %+v, %v; want the use given back", d, err)
	}
	o, _, err := e.eng.PlaceOrder(e.ctx, second, kassa.SourceCheckout)
	if err != nil {
		t.Fatalf("the code's use came back, yet: %v", err)
	}
	if o.Total != teePrice-2000+4900+2900 {
		t.Fatalf("total %s", o.Total)
	}
}

// TestSetPricingAppliesAtOnce: saved shipping options and fees price the
// next quote; invalid ones are refused and change nothing.
func TestSetPricingAppliesAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{config: chargesConfig})
	p, err := e.eng.Pricing(e.ctx)
	if err != nil || len(p.ShippingOptions) != 2 || p.FreeShippingFrom != 100000 {
		t.Fatalf("Pricing = %+v, %v; want Config's", p, err)
	}
	bad := checkout.Pricing{ShippingOptions: []checkout.ShippingOption{{ID: "a", Name: "", Price: -1}}}
	wantField(t, e.eng.SetPricing(e.ctx, bad), "shippingOptions[0].name")
	p = checkout.Pricing{ShippingOptions: []checkout.ShippingOption{{ID: "pickup", Name: "Pick-up point", Price: 3900, VATRate: 2500}},
		FreeShippingFrom: -1, PaymentFees: map[string]checkout.PaymentFee{mapisim.MethodInvoice: {Name: "Avgift", Amount: 1900, VATRate: 2500}}}
	if err := e.eng.SetPricing(e.ctx, p); err != nil {
		t.Fatal(err)
	}
	lines, total, err := e.eng.QuoteOrder(e.ctx, kassa.OrderRequest{Lines: []kassa.LineRequest{ln("TEE", 10)},
		PaymentMethodID: mapisim.MethodInvoice})
	if err != nil {
		t.Fatal(err)
	}
	if total != 10*teePrice+3900+1900 || lines[1].Description != "Pick-up point" || lines[2].Description != "Avgift" {
		t.Fatalf("quote %s %+v; want the saved shipping (never free) and fee", total, lines)
	}
	if stored, ok, _ := e.db.Setting(e.ctx, checkout.SettingPricing); !ok || stored == "" {
		t.Fatal("the pricing is not stored")
	}
}

// TestModifyKeepsCharges: modifying the lines of an order placed with a
// discount code, express shipping and the invoice fee keeps all three,
// even after the shop changed its settings and deleted the code.
func TestModifyKeepsCharges(t *testing.T) {
	t.Parallel()
	e := newAfterEnv(t, envOptions{config: chargesConfig})
	e.putCodes()
	req := orderRequest(govAccepted)
	req.Lines = []kassa.LineRequest{ln("TEE", 3), ln("BOOK", 1)}
	req.DiscountCode, req.ShippingOption = "SPRING10", "express"
	o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	if err != nil {
		t.Fatal(err)
	}
	e.sign(o, mapisim.Approve)
	e.wantStatus(o.ID, kassa.StatusProcessing)
	if err := e.db.DeleteDiscountCode(e.ctx, "SPRING10"); err != nil {
		t.Fatal(err)
	}
	if err := e.eng.SetPricing(e.ctx, checkout.Pricing{ShippingOptions: []checkout.ShippingOption{
		{ID: "other", Name: "Other", Price: 100, VATRate: 2500}}}); err != nil {
		t.Fatal(err)
	}
	got, _, err := e.eng.Modify(e.ctx, o.ID, checkout.ModifyRequest{Lines: []kassa.LineRequest{ln("TEE", 2), ln("BOOK", 1)},
		Source: kassa.SourceAdmin, Creator: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	// 398.00 at 25 % and 249.00 at 6 %: 10 % off is 39.80 and 24.90.
	want := []struct {
		typ   kassa.LineType
		total kassa.Money
	}{{kassa.LineProduct, 39800}, {kassa.LineProduct, 24900}, {kassa.LineDiscount, -3980}, {kassa.LineDiscount, -2490},
		{kassa.LineShipping, 14900}, {kassa.LineFee, 2900}}
	if len(got.Lines) != len(want) {
		t.Fatalf("lines after modify: %+v", got.Lines)
	}
	for i, w := range want {
		if l := got.Lines[i]; l.Type != w.typ || l.Total != w.total {
			t.Errorf("line %d = %s %s; want %s %s", i, l.Type, l.Total, w.typ, w.total)
		}
	}
	if got.Total != 39800+24900-3980-2490+14900+2900 || got.Charges.DiscountCodeName() != "SPRING10" {
		t.Fatalf("total %s, charges %+v", got.Total, got.Charges)
	}
}

// TestPartialCaptureTakesDiscountShare: an order with a 15 % code is
// captured a unit at a time in a random order (seeded) and then refunded
// the same way: each capture and refund by product lines takes the
// discount's share at the product's VAT rate, the discount lines of the
// payment's actionLog add up to the whole discount, and everything
// captured is refunded to the hundredth.
func TestPartialCaptureTakesDiscountShare(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		e := newAfterEnv(t, envOptions{config: chargesConfig})
		e.putCodes(checkout.DiscountCode{Code: "ODD15", Percent: 1500})
		req := orderRequest(govAccepted)
		req.Lines = []kassa.LineRequest{ln("TEE", 3), ln("BOOK", 2), ln("MUG", 1)}
		req.DiscountCode = "ODD15"
		o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
		if err != nil {
			t.Fatal(err)
		}
		e.sign(o, mapisim.Approve)
		o = e.wantStatus(o.ID, kassa.StatusProcessing)
		units := []string{"TEE", "TEE", "TEE", "BOOK", "BOOK", "MUG", "fee"} // shipping is free
		rng := rand.New(rand.NewPCG(seed, 20))
		rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
		for _, u := range units {
			if _, _, err := e.eng.Capture(e.ctx, o.ID, withLines(ln(u, 1))); err != nil {
				t.Fatalf("seed %d: capture one %s: %v", seed, u, err)
			}
		}
		got := e.wantStatus(o.ID, kassa.StatusCompleted)
		if got.Captured != o.Total {
			t.Fatalf("seed %d: captured %s of %s", seed, got.Captured, o.Total)
		}
		wantDiscountMoved(t, e.payment(o), mapi.LogCapture, o)
		rng.Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
		for _, u := range units {
			if _, _, err := e.eng.Refund(e.ctx, o.ID, withLines(ln(u, 1))); err != nil {
				t.Fatalf("seed %d: refund one %s: %v", seed, u, err)
			}
		}
		got = e.wantStatus(o.ID, kassa.StatusRefunded)
		if got.Refunded != o.Total {
			t.Fatalf("seed %d: refunded %s of %s", seed, got.Refunded, o.Total)
		}
		wantDiscountMoved(t, e.payment(o), mapi.LogRefund, o)
	}
}

// wantDiscountMoved fails unless the discount lines of the actions of
// type typ add up, per VAT rate, to o's discount lines, and every action
// with a product line at a discounted rate carried a share of it.
func wantDiscountMoved(t *testing.T, p mapi.Payment, typ mapi.ActionLogType, o *kassa.Order) {
	t.Helper()
	want := map[mapi.Decimal]mapi.Decimal{}
	for _, l := range o.Lines {
		if l.Type == kassa.LineDiscount {
			want[mapi.Decimal(l.VATRate)] += mapi.Decimal(l.Total)
		}
	}
	got := map[mapi.Decimal]mapi.Decimal{}
	for _, a := range p.Order.ActionLog {
		if a.Type != typ {
			continue
		}
		shared := map[mapi.Decimal]bool{}
		for _, l := range a.OrderLines {
			if l.Type == mapi.LineDiscount {
				got[l.VATRate] += l.TotalAmountIncludingVAT
				shared[l.VATRate] = true
			}
		}
		for _, l := range a.OrderLines {
			if l.Type != mapi.LineDiscount && l.Type != mapi.LineShipping && l.Type != mapi.LineFee &&
				want[l.VATRate] != 0 && !shared[l.VATRate] && l.TotalAmountIncludingVAT >= 1000 {
				t.Errorf("%s of %s carried no discount share", typ, l.Reference)
			}
		}
	}
	for rate, w := range want {
		if got[rate] != w {
			t.Errorf("%s: discount at %s %% moved %s; want %s", typ, rate, got[rate], w)
		}
	}
}

// TestPhonePerCountry: each country's shop takes its national and
// international phone forms, stores the international one, and refuses
// another country's number with the country's example in the message.
func TestPhonePerCountry(t *testing.T) {
	t.Parallel()
	for _, c := range shopCountries {
		t.Run(c.code, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{config: func(cfg *checkout.Config) { cfg.StoreID, cfg.Country = c.store, c.code }})
			cc, _ := kassa.CountryOf(c.code)
			req := c.request(c.accepted)
			req.Customer.Phone = cc.PhoneSample
			o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := cc.NormalizePhone(cc.PhoneSample)
			if o.Customer.Phone != want || want[:len(cc.CallingCode)] != cc.CallingCode {
				t.Fatalf("stored phone %q; want %q", o.Customer.Phone, want)
			}
			if pay, _ := e.sim.Payment(o.PaymentID); pay.Customer == nil || pay.Customer.MobilePhone != want {
				t.Fatalf("phone sent to Resurs: %+v; want %q", pay.Customer, want)
			}
			other := "+46 70 123 45 67"
			if c.code == "SE" {
				other = "+47 912 34 567"
			}
			req.Customer.Phone = other
			_, _, err = e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
			wantFieldSaid(t, err, "customer.phone", "field.phone")
		})
	}
}
