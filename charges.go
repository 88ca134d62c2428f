package kassa

import (
	"strings"
	"time"
)

// What an order costs beyond its products (README.md §Shipping, fees and
// discounts): the shipping the customer chose, the fee of the payment
// method, and a discount code. The shop's options, fees and codes are
// settings the owner edits (Admin → Shipping & discounts, the JSON API);
// each order keeps its own copy of the ones it was priced with (Charges),
// so a change of its lines after the sale is priced the same way.

// ShippingOption is one way of delivery the customer may choose.
type ShippingOption struct {
	ID      string `json:"id"`      // chosen by OrderRequest.ShippingOption
	Name    string `json:"name"`    // the line's description
	Price   Money  `json:"price"`   // VAT included
	VATRate int64  `json:"vatRate"` // hundredths of a percent
}

// PaymentFee is what paying with a method costs the customer.
type PaymentFee struct {
	Name    string `json:"name"`   // the line's description, e.g. "Invoice fee"
	Amount  Money  `json:"amount"` // VAT included
	VATRate int64  `json:"vatRate"`
}

// DiscountCode takes a share (Percent) or an amount (Amount, VAT
// included) off the products, within its validity, from a minimum
// products total, and for at most UsageLimit orders.
type DiscountCode struct {
	Code       string    `json:"code"`       // upper case (NormalizeCode); matched without regard to case
	Percent    int64     `json:"percent"`    // hundredths of a percent (1000 = 10 %); 0 with Amount
	Amount     Money     `json:"amount"`     // a fixed amount off; 0 with Percent
	ValidFrom  time.Time `json:"validFrom"`  // zero: from any time
	ValidUntil time.Time `json:"validUntil"` // zero: no end; else valid before it
	MinOrder   Money     `json:"minOrder"`   // the products total it needs
	UsageLimit int64     `json:"usageLimit"` // orders that may use it; 0 = no limit
	// Used is how many orders hold a use of the code: counted by the
	// store when an order is created, given back when the order fails or
	// is cancelled (Orders.CreateOrder). Read only.
	Used int64 `json:"used"`
}

// UsedUp reports whether no order may use d any more.
func (d DiscountCode) UsedUp() bool { return d.UsageLimit > 0 && d.Used >= d.UsageLimit }

// Charges are what an order was priced with beyond its products, as they
// were when it was placed: its discount code's terms, the shipping option
// it chose with the free-shipping threshold, and its payment method's
// fee. Nil for an order placed before orders kept them, and for a
// merchant's own lines (POST /api/checkouts).
type Charges struct {
	Discount         *DiscountCode   `json:"discount,omitempty"`
	Shipping         *ShippingOption `json:"shipping,omitempty"`
	FreeShippingFrom Money           `json:"freeShippingFrom"` // products total after the discount from which shipping is free; negative never
	Fee              *PaymentFee     `json:"fee,omitempty"`
}

// DiscountCodeName returns the code of the discount c holds, or "".
func (c *Charges) DiscountCodeName() string {
	if c == nil || c.Discount == nil {
		return ""
	}
	return c.Discount.Code
}

// Clone returns a deep copy of c (nil for nil).
func (c *Charges) Clone() *Charges {
	if c == nil {
		return nil
	}
	x := *c
	if c.Discount != nil {
		d := *c.Discount
		x.Discount = &d
	}
	if c.Shipping != nil {
		s := *c.Shipping
		x.Shipping = &s
	}
	if c.Fee != nil {
		f := *c.Fee
		x.Fee = &f
	}
	return &x
}

// NormalizeCode is a discount code as stored: trimmed, upper case.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// maxPercent is 100 % in hundredths of a percent.
const maxPercent = 10000

// CheckDiscountCode returns what is wrong with d (its Code normalised),
// each field named as in the JSON API.
func CheckDiscountCode(d DiscountCode) []FieldError {
	var fields []FieldError
	check := func(bad bool, field, msg string) {
		if bad {
			fields = append(fields, FieldError{Field: field, Message: msg})
		}
	}
	check(!validCode(NormalizeCode(d.Code)), "code", "A code is 1 to 32 letters A–Z, digits, - or _.")
	check((d.Percent > 0) == (d.Amount > 0), "percent", "Give either a percentage or an amount off.")
	check(d.Percent < 0 || d.Percent > maxPercent, "percent", "The percentage must be between 0 and 100.")
	check(d.Amount < 0 || d.Amount > maxPrice, "amount", "The amount must be between 0.01 and 99999999.99.")
	check(d.MinOrder < 0 || d.MinOrder > maxPrice, "minOrder", "The minimum order must be between 0 and 99999999.99.")
	check(d.UsageLimit < 0, "usageLimit", "The usage limit must be 0 (no limit) or more.")
	check(!d.ValidFrom.IsZero() && !d.ValidUntil.IsZero() && !d.ValidUntil.After(d.ValidFrom),
		"validUntil", "The end of validity must be after its start.")
	return fields
}

// validCode reports whether code (normalised) is 1 to 32 of A–Z, 0–9, -
// and _.
func validCode(code string) bool {
	if code == "" || len(code) > 32 {
		return false
	}
	for _, r := range code {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// CheckShippingOption returns what is wrong with s, the fields prefixed
// with prefix ("shippingOptions[0].").
func CheckShippingOption(s ShippingOption, prefix string) []FieldError {
	var fields []FieldError
	check := func(bad bool, field, msg string) {
		if bad {
			fields = append(fields, FieldError{Field: prefix + field, Message: msg})
		}
	}
	check(!validCode(strings.ToUpper(s.ID)), "id", "An id is 1 to 32 letters, digits, - or _.")
	check(strings.TrimSpace(s.Name) == "" || len(s.Name) > 100, "name", "A name of 1 to 100 characters is required.")
	check(s.Price < 0 || s.Price > maxPrice, "price", "The price must be between 0 and 99999999.99.")
	check(s.VATRate < 0 || s.VATRate > maxPercent, "vatRate", "The VAT rate must be between 0 and 100 percent.")
	return fields
}

// CheckPaymentFee returns what is wrong with f, the fields prefixed with
// prefix ("paymentFees[<method id>].").
func CheckPaymentFee(f PaymentFee, prefix string) []FieldError {
	var fields []FieldError
	check := func(bad bool, field, msg string) {
		if bad {
			fields = append(fields, FieldError{Field: prefix + field, Message: msg})
		}
	}
	check(strings.TrimSpace(f.Name) == "" || len(f.Name) > 100, "name", "A name of 1 to 100 characters is required.")
	check(f.Amount <= 0 || f.Amount > maxPrice, "amount", "The fee must be between 0.01 and 99999999.99.")
	check(f.VATRate < 0 || f.VATRate > maxPercent, "vatRate", "The VAT rate must be between 0 and 100 percent.")
	return fields
}
