package checkout

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// nordicRates are VAT rates of Sweden, Norway, Finland and Denmark, in
// hundredths of a percent.
var nordicRates = []int64{2500, 2550, 1500, 1400, 1200, 1000, 600, 0}

// randomCart returns 1 to 8 product lines at random rates, prices and
// quantities, and random charges: a percentage or fixed discount (some
// larger than the products), a shipping option, a threshold and a fee.
func randomCart(r *rand.Rand) ([]kassa.Line, charges) {
	var goods []kassa.Line
	for i := range 1 + r.IntN(8) {
		unit := kassa.Money(r.Int64N(2_000_000)) // up to 20 000.00
		if r.IntN(4) == 0 {
			unit = kassa.Money(r.Int64N(1000)) // small, to stress rounding
		}
		goods = append(goods, newLine(i+1, kassa.LineProduct, "SKU-"+string(rune('A'+i)), "Product", 1+r.Int64N(99),
			unit, nordicRates[r.IntN(len(nordicRates))]))
	}
	c := charges{freeFrom: kassa.Money(r.Int64N(200_000)) - 10_000}
	switch r.IntN(3) {
	case 0:
		c.discount = &DiscountCode{Code: "PCT", Percent: 1 + r.Int64N(10000)}
	case 1:
		c.discount = &DiscountCode{Code: "FIX", Amount: kassa.Money(1 + r.Int64N(5_000_000))}
	}
	if r.IntN(4) > 0 {
		c.shipping = &ShippingOption{ID: "s", Name: "Shipping", Price: kassa.Money(r.Int64N(20_000)), VATRate: nordicRates[r.IntN(3)]}
	}
	if r.IntN(3) == 0 {
		c.fee = &PaymentFee{Name: "Invoice fee", Amount: kassa.Money(r.Int64N(10_000)), VATRate: nordicRates[r.IntN(len(nordicRates))]}
	}
	return goods, c
}

// TestPriceRandomCarts prices 10,000 seeded random carts and checks every
// promise of price: the MAPI lines add up to the order total, the total
// is never negative, the discount is what its code says and is split over
// the VAT rates in proportion to within the hundredth, no rate gets more
// off than its products cost, every line's VAT is exact for its total,
// and the VAT per rate is that of the rate's net total to within the
// rounding of its lines.
func TestPriceRandomCarts(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 2026))
	for n := range 10_000 {
		goods, c := randomCart(r)
		lines := price(goods, c)
		if err := checkPrice(goods, c, lines); err != "" {
			t.Fatalf("cart %d: %s\ngoods %+v\ncharges %+v %+v %+v %+v\nlines %+v", n, err, goods, c.discount, c.shipping, c.freeFrom, c.fee, lines)
		}
	}
}

// checkPrice returns what is wrong with lines, the price of goods with c.
func checkPrice(goods []kassa.Line, c charges, lines []kassa.Line) string {
	var goodsTotal, total kassa.Money
	goodsByRate := map[int64]kassa.Money{}
	for _, l := range goods {
		goodsTotal += l.Total
		goodsByRate[l.VATRate] += l.Total
	}
	var mapiSum mapi.Decimal
	for _, ml := range mapiLines(lines) {
		mapiSum += ml.TotalAmountIncludingVAT
	}
	offByRate := map[int64]kassa.Money{}
	netByRate := map[int64]kassa.Money{}
	vatByRate := map[int64]kassa.Money{}
	linesByRate := map[int64]int64{}
	refs := map[string]bool{}
	var off kassa.Money
	for _, l := range lines {
		total += l.Total
		if l.Total != l.UnitPrice*kassa.Money(l.Quantity) || l.VATAmount != kassa.VATPart(l.Total, l.VATRate) {
			return "line " + l.Description + ": total or VAT not exact"
		}
		if refs[lineRef(l)] {
			return "two lines share the reference " + lineRef(l)
		}
		refs[lineRef(l)] = true
		switch l.Type {
		case kassa.LineDiscount:
			if l.Total >= 0 {
				return "a discount line that is not negative"
			}
			off -= l.Total
			offByRate[l.VATRate] -= l.Total
		case kassa.LineProduct, kassa.LineShipping, kassa.LineFee:
			if l.Total < 0 {
				return "a negative " + string(l.Type) + " line"
			}
		}
		netByRate[l.VATRate] += l.Total
		vatByRate[l.VATRate] += l.VATAmount
		linesByRate[l.VATRate]++
	}
	switch {
	case int64(mapiSum) != int64(total):
		return "the MAPI lines do not add up to the total"
	case total < 0:
		return "a negative total"
	case off != discountAmount(c.discount, goodsTotal) || off > goodsTotal:
		return "the discount is not what the code gives"
	}
	if c.discount != nil && c.discount.Percent > 0 {
		want := new(big.Int).Mul(big.NewInt(int64(goodsTotal)), big.NewInt(c.discount.Percent))
		want.Add(want, big.NewInt(5000)).Div(want, big.NewInt(10000))
		if want.Int64() != int64(min(off, goodsTotal)) {
			return "a percentage discount not rounded half up"
		}
	}
	for rate, g := range goodsByRate {
		if goodsTotal == 0 {
			break // nothing to take off (off is 0, checked above)
		}
		// The rate's share: the exact proportion rounded down or up.
		exact := new(big.Int).Mul(big.NewInt(int64(off)), big.NewInt(int64(g)))
		floor := new(big.Int).Div(exact, big.NewInt(int64(goodsTotal)))
		got := big.NewInt(int64(offByRate[rate]))
		if got.Cmp(floor) < 0 || got.Cmp(new(big.Int).Add(floor, big.NewInt(1))) > 0 {
			return "a rate's share of the discount is not its proportion to the hundredth"
		}
		if offByRate[rate] > g {
			return "a rate gets more off than its products cost"
		}
	}
	for rate, net := range netByRate {
		diff := vatByRate[rate] - kassa.VATPart(net, rate)
		if diff < 0 {
			diff = -diff
		}
		if int64(diff)*2 > linesByRate[rate]+1 {
			return "the VAT of a rate is off by more than its lines' rounding"
		}
	}
	return ""
}

// TestSplitByRateExample: 100.00 off a cart of 600.00 at 25 % and 400.00
// at 6 %: 60.00 and 40.00. And 0.01 off equal shares goes to the higher
// rate.
func TestSplitByRateExample(t *testing.T) {
	goods := []kassa.Line{newLine(1, kassa.LineProduct, "A", "A", 1, 60000, 2500), newLine(2, kassa.LineProduct, "B", "B", 1, 40000, 600)}
	got := splitByRate(goods, 10000)
	if len(got) != 2 || got[0] != (rateShare{2500, 6000}) || got[1] != (rateShare{600, 4000}) {
		t.Fatalf("split = %+v", got)
	}
	goods[1].Total = 60000
	if got := splitByRate(goods, 1); got[0].amount != 1 || got[1].amount != 0 {
		t.Fatalf("a hundredth off equal shares = %+v, want it on 25 %%", got)
	}
	lines := price(goods[:1], charges{discount: &DiscountCode{Code: "ALL", Amount: 999999}})
	if total, _ := sumLines(lines); total != 0 || len(lines) != 2 {
		t.Fatalf("a discount above the total: lines %+v", lines)
	}
}
