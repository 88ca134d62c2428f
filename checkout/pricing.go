package checkout

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// What an order costs beyond its products (README.md §Shipping, fees and
// discounts): the shipping the customer chose, the fee of the payment
// method, and a discount code. Each is a line of its own, as MAPI wants
// them: SHIPPING, FEE, and one DISCOUNT line per VAT rate of the products,
// with a negative amount (docs/mapi.md §Creating a payment).

// The shop's options, fees and codes are kassa's types; the engine reads
// them from the settings (settings.go) and the discount codes from the
// store (kassa.Discounts).
type (
	ShippingOption = kassa.ShippingOption
	PaymentFee     = kassa.PaymentFee
	DiscountCode   = kassa.DiscountCode
)

// charges are what price adds to an order's products.
type charges struct {
	discount *DiscountCode
	shipping *ShippingOption // nil: no shipping line
	freeFrom kassa.Money     // products total after the discount from which shipping is free; negative never
	fee      *PaymentFee     // nil: none
}

// price returns the order's lines: the product lines goods as they are,
// one DISCOUNT line per VAT rate of the products (the discount split over
// the rates in proportion to their totals, to the hundredth, by largest
// remainder), then SHIPPING unless free, then FEE. Every line's VAT is
// exact for its own total (kassa.VATPart). The total is the sum of the
// lines and is never negative: a discount takes at most the products'
// total, and a rate at most its own share.
func price(goods []kassa.Line, c charges) []kassa.Line {
	lines := slices.Clone(goods)
	var total kassa.Money
	for _, l := range goods {
		total += l.Total
	}
	off := discountAmount(c.discount, total)
	for _, share := range splitByRate(goods, off) {
		if share.amount == 0 {
			continue
		}
		desc := "Discount " + c.discount.Code
		if len(rates(goods)) > 1 {
			desc += " (" + percent(share.rate) + " % VAT)"
		}
		lines = append(lines, newLine(len(lines)+1, kassa.LineDiscount, "", desc, 1, -share.amount, share.rate))
	}
	if s := c.shipping; s != nil && s.Price > 0 && (c.freeFrom < 0 || total-off < c.freeFrom) {
		lines = append(lines, newLine(len(lines)+1, kassa.LineShipping, "", s.Name, 1, s.Price, s.VATRate))
	}
	if f := c.fee; f != nil && f.Amount > 0 {
		lines = append(lines, newLine(len(lines)+1, kassa.LineFee, "", f.Name, 1, f.Amount, f.VATRate))
	}
	return lines
}

// discountAmount is what d takes off a products total: its share
// rounded half up to the hundredth, or its amount; at most the total.
func discountAmount(d *DiscountCode, total kassa.Money) kassa.Money {
	if d == nil || total <= 0 {
		return 0
	}
	off := d.Amount
	if d.Percent > 0 {
		hi, lo := bits.Mul64(uint64(total), uint64(d.Percent))
		lo, carry := bits.Add64(lo, 5000, 0)
		q, _ := bits.Div64(hi+carry, lo, 10000)
		off = kassa.Money(q)
	}
	return min(off, total)
}

// rateShare is the part of a discount one VAT rate bears.
type rateShare struct {
	rate   int64
	amount kassa.Money
}

// splitByRate splits off (at most the goods' total) over the VAT rates of
// goods in proportion to each rate's total: each rate gets the exact
// share rounded down, and the hundredths left go one each to the rates
// with the largest remainders (the higher rate first on a tie). The
// shares add up to off, and none exceeds its rate's total. Rates are in
// descending order.
func splitByRate(goods []kassa.Line, off kassa.Money) []rateShare {
	byRate := map[int64]kassa.Money{}
	var total kassa.Money
	for _, l := range goods {
		byRate[l.VATRate] += l.Total
		total += l.Total
	}
	if off <= 0 || total <= 0 {
		return nil
	}
	type part struct {
		rateShare
		rem uint64
	}
	parts := make([]part, 0, len(byRate))
	left := off
	for _, rate := range rates(goods) {
		hi, lo := bits.Mul64(uint64(off), uint64(byRate[rate]))
		q, rem := bits.Div64(hi, lo, uint64(total)) // hi < total: off ≤ total
		parts = append(parts, part{rateShare{rate, kassa.Money(q)}, rem})
		left -= kassa.Money(q)
	}
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(parts[b].rem, parts[a].rem) })
	for _, i := range order[:left] {
		parts[i].amount++
	}
	out := make([]rateShare, len(parts))
	for i, p := range parts {
		out[i] = p.rateShare
	}
	return out
}

// rates returns the VAT rates of lines, highest first.
func rates(lines []kassa.Line) []int64 {
	var rs []int64
	for _, l := range lines {
		if !slices.Contains(rs, l.VATRate) {
			rs = append(rs, l.VATRate)
		}
	}
	slices.SortFunc(rs, func(a, b int64) int { return cmp.Compare(b, a) })
	return rs
}

// percent writes a rate in hundredths of a percent as people read it:
// 2500 → "25", 1250 → "12.5".
func percent(rate int64) string {
	s := fmt.Sprintf("%d.%02d", rate/100, rate%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// discountRef is the line reference of the discount line at rate,
// unique among an order's lines: "discount-25".
func discountRef(rate int64) string { return "discount-" + percent(rate) }

// discountRefusal says why d may not be used at now on products
// totalling goods, as a message id of the catalogs with its arguments;
// "" when it may.
func discountRefusal(d *DiscountCode, now time.Time, goods kassa.Money) (string, []any) {
	switch {
	case !d.ValidFrom.IsZero() && now.Before(d.ValidFrom):
		return "field.discount_not_yet", nil
	case !d.ValidUntil.IsZero() && !now.Before(d.ValidUntil):
		return "field.discount_expired", nil
	case d.UsedUp():
		return "field.discount_used_up", nil
	case goods < d.MinOrder:
		return "field.discount_min_order", []any{"Amount", d.MinOrder}
	}
	return "", nil
}

// chargesOf returns the charges an order was priced with (kassa.Charges).
func chargesOf(c *kassa.Charges) charges {
	return charges{discount: c.Discount, shipping: c.Shipping, freeFrom: c.FreeShippingFrom, fee: c.Fee}
}

// record returns c as the order keeps it.
func (c charges) record() *kassa.Charges {
	return (&kassa.Charges{Discount: c.discount, Shipping: c.shipping, FreeShippingFrom: c.freeFrom, Fee: c.fee}).Clone()
}
