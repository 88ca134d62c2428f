package checkout

import (
	"context"
	"fmt"

	"github.com/kassa-dev/kassa"
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
			fields = append(fields, kassa.FieldError{Field: fmt.Sprintf("lines[%d].sku", i),
				Message: "This product does not exist."})
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("checkout.Quote: %w", err)
		}
		if p.Inactive {
			fields = append(fields, kassa.FieldError{Field: fmt.Sprintf("lines[%d].sku", i),
				Message: "This product is no longer sold."})
			continue
		}
		products[i] = p
	}
	if len(fields) > 0 {
		return nil, 0, invalid("checkout.Quote", fields)
	}
	lines, total := e.buildLines(reqs, products)
	return lines, total, nil
}

// checkLineRequests checks count, quantities and uniqueness of SKUs.
func checkLineRequests(reqs []kassa.LineRequest) []kassa.FieldError {
	switch {
	case len(reqs) == 0:
		return []kassa.FieldError{{Field: "lines", Message: "The cart is empty."}}
	case len(reqs) > maxLines:
		return []kassa.FieldError{{Field: "lines", Message: fmt.Sprintf("At most %d different products per order.", maxLines)}}
	}
	var fields []kassa.FieldError
	seen := make(map[string]bool, len(reqs))
	for i, r := range reqs {
		switch {
		case r.SKU == "" || len(r.SKU) > 64:
			fields = append(fields, kassa.FieldError{Field: fmt.Sprintf("lines[%d].sku", i), Message: "Choose a product."})
		case seen[r.SKU]:
			fields = append(fields, kassa.FieldError{Field: fmt.Sprintf("lines[%d].sku", i), Message: "This product is already in the order."})
		}
		seen[r.SKU] = true
		if r.Quantity < 1 || r.Quantity > maxQuantity {
			fields = append(fields, kassa.FieldError{Field: fmt.Sprintf("lines[%d].quantity", i),
				Message: fmt.Sprintf("The quantity must be between 1 and %d.", maxQuantity)})
		}
	}
	return fields
}

// buildLines makes the order lines from checked requests and their products.
func (e *Engine) buildLines(reqs []kassa.LineRequest, products []kassa.Product) ([]kassa.Line, kassa.Money) {
	lines := make([]kassa.Line, 0, len(reqs)+1)
	var goods kassa.Money
	for i, r := range reqs {
		p := products[i]
		l := newLine(len(lines)+1, kassa.LineProduct, p.SKU, p.Name, r.Quantity, p.Price, p.VATRate)
		goods += l.Total
		lines = append(lines, l)
	}
	total := goods
	if fee := e.shippingFee(goods); fee > 0 {
		lines = append(lines, newLine(len(lines)+1, kassa.LineShipping, "", "Shipping", 1, fee, e.cfg.ShippingVATRate))
		total += fee
	}
	return lines, total
}

// shippingFee is the shipping fee for a products total: free from the
// threshold on (a negative threshold means never free).
func (e *Engine) shippingFee(goods kassa.Money) kassa.Money {
	if e.cfg.FreeShippingFrom >= 0 && goods >= e.cfg.FreeShippingFrom {
		return 0
	}
	return e.cfg.ShippingFee
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
	return &kassa.Error{Code: kassa.EINVALID, Op: op, Fields: fields,
		Message: "Please correct the marked fields."}
}
