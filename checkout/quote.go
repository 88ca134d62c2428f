package checkout

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// Cart limits.
const (
	maxLines    = 50
	maxQuantity = 99
)

// Quote returns the order lines and the total a cart would get:
// one PHYSICAL_GOODS line per product, then a SHIPPING line (without a SKU,
// so the store reserves no stock for it) unless shipping is free. Every
// amount includes VAT; each line's VAT is computed exactly from its own
// total, and the total is the sum of the line totals. PlaceOrder builds its
// lines with the same code. Errors: EINVALID with Fields for bad lines
// (unknown SKU, a product off sale, quantity out of range).
func (e *Engine) Quote(ctx context.Context, reqs []kassa.LineRequest) ([]kassa.Line, kassa.Money, error) {
	fields := checkLineRequests(reqs)
	if len(fields) > 0 {
		return nil, 0, invalid("checkout.Quote", fields)
	}
	products := make([]kassa.Product, len(reqs))
	for i, r := range reqs {
		p, err := e.store.ProductTerms(ctx, r.SKU)
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			fields = append(fields, locale.Field(fmt.Sprintf("lines[%d].sku", i), "field.no_product"))
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("checkout.Quote: %w", err)
		}
		if p.Inactive {
			fields = append(fields, locale.Field(fmt.Sprintf("lines[%d].sku", i), "field.product_off_sale"))
			continue
		}
		products[i] = p
	}
	if len(fields) > 0 {
		return nil, 0, invalid("checkout.Quote", fields)
	}
	p, err := e.Pricing(ctx)
	if err != nil {
		return nil, 0, err
	}
	lines, total := e.buildLines(reqs, products, defaultCharges(p))
	return lines, total, nil
}

// defaultCharges are what a cart costs before the customer chose: the
// first shipping option, no fee, no discount.
func defaultCharges(p Pricing) charges {
	c := charges{freeFrom: p.FreeShippingFrom}
	if len(p.ShippingOptions) > 0 {
		c.shipping = &p.ShippingOptions[0]
	}
	return c
}

// QuoteOrder returns the lines and total of an order request: its
// products, its discount code, the shipping option it chose (the first
// when none) and the fee of its payment method (none when it names no
// method, as a cart does). Errors: those of Quote, and EINVALID naming
// discountCode (unknown, not yet or no longer valid, used up, below its
// minimum order) or shippingOption.
func (e *Engine) QuoteOrder(ctx context.Context, req kassa.OrderRequest) ([]kassa.Line, kassa.Money, error) {
	lines, _, err := e.quoteOrder(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	total, _ := sumLines(lines)
	return lines, total, nil
}

// quoteOrder is QuoteOrder, also returning the charges the lines were
// priced with.
func (e *Engine) quoteOrder(ctx context.Context, req kassa.OrderRequest) ([]kassa.Line, charges, error) {
	goods, _, err := e.Quote(ctx, req.Lines)
	var fields []kassa.FieldError
	if ke := (*kassa.Error)(nil); errors.As(err, &ke) && ke.Code == kassa.EINVALID {
		fields, err = ke.Fields, nil
	}
	if err != nil {
		return nil, charges{}, err
	}
	c, bad, err := e.chargesFor(ctx, req, productsTotal(goods))
	if err != nil {
		return nil, charges{}, err
	}
	if fields = append(fields, bad...); len(fields) > 0 {
		return nil, charges{}, invalid("checkout.QuoteOrder", fields)
	}
	return price(goodsOnly(goods), c), c, nil
}

// chargesFor returns what req adds to products totalling goods, or field
// errors for an unknown shipping option or a code that does not apply.
func (e *Engine) chargesFor(ctx context.Context, req kassa.OrderRequest, goods kassa.Money) (charges, []kassa.FieldError, error) {
	p, err := e.Pricing(ctx)
	if err != nil {
		return charges{}, nil, err
	}
	c := defaultCharges(p)
	var fields []kassa.FieldError
	if req.ShippingOption != "" {
		c.shipping = nil
		for i := range p.ShippingOptions {
			if p.ShippingOptions[i].ID == req.ShippingOption {
				c.shipping = &p.ShippingOptions[i]
			}
		}
		if c.shipping == nil {
			fields = append(fields, locale.Field("shippingOption", "field.shipping_option"))
		}
	}
	if code := strings.TrimSpace(req.DiscountCode); code != "" {
		d, err := e.store.DiscountCode(ctx, code)
		switch {
		case kassa.ErrorCode(err) == kassa.ENOTFOUND:
			fields = append(fields, locale.Field("discountCode", "field.discount_unknown"))
		case err != nil:
			return charges{}, nil, fmt.Errorf("checkout.QuoteOrder: %w", err)
		default:
			if id, args := discountRefusal(&d, e.now(), goods); id != "" {
				fields = append(fields, locale.Field("discountCode", id, args...))
			}
			c.discount = &d
		}
	}
	if f, ok := p.PaymentFees[req.PaymentMethodID]; ok && req.PaymentMethodID != "" {
		c.fee = &f
	}
	return c, fields, nil
}

// goodsOnly returns the product lines of lines.
func goodsOnly(lines []kassa.Line) []kassa.Line {
	var out []kassa.Line
	for _, l := range lines {
		if l.Type == kassa.LineProduct || l.Type == kassa.LineDigital {
			out = append(out, l)
		}
	}
	return out
}

// productsTotal is the total of the product lines of lines.
func productsTotal(lines []kassa.Line) kassa.Money {
	total, _ := sumLines(goodsOnly(lines))
	return total
}

// checkLineRequests checks count, quantities and uniqueness of SKUs.
func checkLineRequests(reqs []kassa.LineRequest) []kassa.FieldError {
	switch {
	case len(reqs) == 0:
		return []kassa.FieldError{locale.Field("lines", "field.cart_empty")}
	case len(reqs) > maxLines:
		return []kassa.FieldError{locale.Field("lines", "field.too_many_lines", "Max", maxLines)}
	}
	var fields []kassa.FieldError
	seen := make(map[string]bool, len(reqs))
	for i, r := range reqs {
		switch {
		case r.SKU == "" || len(r.SKU) > 64:
			fields = append(fields, locale.Field(fmt.Sprintf("lines[%d].sku", i), "field.choose_product"))
		case seen[r.SKU]:
			fields = append(fields, locale.Field(fmt.Sprintf("lines[%d].sku", i), "field.product_twice"))
		}
		seen[r.SKU] = true
		if r.Quantity < 1 || r.Quantity > maxQuantity {
			fields = append(fields, locale.Field(fmt.Sprintf("lines[%d].quantity", i), "field.quantity", "Max", maxQuantity))
		}
	}
	return fields
}

// buildLines makes the order lines from checked requests and their
// products, with the charges c (price).
func (e *Engine) buildLines(reqs []kassa.LineRequest, products []kassa.Product, c charges) ([]kassa.Line, kassa.Money) {
	goods := make([]kassa.Line, 0, len(reqs))
	for i, r := range reqs {
		p := products[i]
		goods = append(goods, newLine(len(goods)+1, kassa.LineProduct, p.SKU, p.Name, r.Quantity, p.Price, p.VATRate))
	}
	lines := price(goods, c)
	total, _ := sumLines(lines)
	return lines, total
}

func newLine(pos int, typ kassa.LineType, sku, desc string, qty int64, unit kassa.Money, rate int64) kassa.Line {
	total := unit * kassa.Money(qty)
	return kassa.Line{Position: pos, Type: typ, SKU: sku, Description: desc, Quantity: qty,
		UnitPrice: unit, VATRate: rate, Total: total, VATAmount: kassa.VATPart(total, rate)}
}

// sumLines returns the total and the VAT total of lines.
func sumLines(lines []kassa.Line) (total, vat kassa.Money) {
	for _, l := range lines {
		total += l.Total
		vat += l.VATAmount
	}
	return total, vat
}

func invalid(op string, fields []kassa.FieldError) *kassa.Error {
	e := locale.Error(kassa.EINVALID, "error.correct_fields")
	e.Op, e.Fields = op, fields
	return e
}
