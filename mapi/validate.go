package mapi

import (
	"fmt"
	"net/url"
	"regexp"
	"unicode/utf8"
)

// Limits checked before a request is sent (docs/mapi.md §Creating a payment).
const (
	MaxOrderLines       = 1000
	MaxTimeToLive       = 43200 // minutes (30 days)
	minQuantity         = Decimal(1)
	maxVATRate          = Decimal(100_00)
	maxDescriptionLen   = 100
	maxReferenceLen     = 50
	maxQuantityUnitLen  = 50
	maxMetadataKeyLen   = 50
	maxMetadataValueLen = 1000
)

// orderReferencePattern is ecom2's check on create (docs/mapi.md §Creating a payment).
var orderReferencePattern = regexp.MustCompile(`^[\w\-_/]{1,32}$`)

// checker collects field errors under JSON paths.
type checker struct{ fields []FieldError }

func (v *checker) add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err returns the collected errors as an *Error for op, or nil.
func (v *checker) err(op string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Op: op, Fields: v.fields, Err: ErrInvalidRequest}
}

func (v *checker) required(field, s string) { v.top().required(field, s) }

func (v *checker) decimal(field string, d Decimal) { v.top().decimal(field, d) }

func (v *checker) optDecimal(field string, d *Decimal) { v.top().optDecimal(field, d) }

// top returns the checks of top-level fields.
func (v *checker) top() element { return element{v: v, index: -1} }

// item returns the checks of the fields of element i of the array at
// path array (e.g. "order.orderLines"). A field's path is only built when
// its check fails, so a valid request costs no string building.
func (v *checker) item(array string, i int) element { return element{v: v, array: array, index: i} }

// element checks the fields of a request or of one element of an array.
type element struct {
	v     *checker
	array string
	index int // -1: top-level fields
}

func (e element) add(name, format string, args ...any) {
	if e.index >= 0 {
		name = fmt.Sprintf("%s[%d].%s", e.array, e.index, name)
	}
	e.v.add(name, format, args...)
}

func (e element) required(name, s string) {
	if s == "" {
		e.add(name, "is required")
	}
}

func (e element) maxLen(name, s string, n int) {
	if utf8.RuneCountInString(s) > n {
		e.add(name, "must be at most %d characters", n)
	}
}

func (e element) decimal(name string, d Decimal) {
	if d.Valid() != nil {
		e.add(name, "is out of range (10 digits and 2 decimals)")
	}
}

func (e element) optDecimal(name string, d *Decimal) {
	if d != nil {
		e.decimal(name, *d)
	}
}

// lines checks 1–1000 order lines (or 0–1000 when optional is set).
func (v *checker) lines(field string, ls []OrderLine, optional bool) {
	if len(ls) == 0 && !optional {
		v.add(field, "must have at least 1 line")
	}
	if len(ls) > MaxOrderLines {
		v.add(field, "must have at most %d lines", MaxOrderLines)
	}
	for i := range ls {
		v.line(field, i, &ls[i])
	}
}

// line checks ls[i] of the lines at field.
func (v *checker) line(field string, i int, l *OrderLine) {
	e := v.item(field, i)
	e.required("description", l.Description)
	e.maxLen("description", l.Description, maxDescriptionLen)
	e.maxLen("reference", l.Reference, maxReferenceLen)
	e.required("quantityUnit", l.QuantityUnit)
	e.maxLen("quantityUnit", l.QuantityUnit, maxQuantityUnitLen)
	e.decimal("quantity", l.Quantity)
	if l.Quantity < minQuantity {
		e.add("quantity", "must be at least 0.01")
	}
	if l.VATRate < 0 || l.VATRate > maxVATRate {
		e.add("vatRate", "must be between 0 and 100")
	}
	e.decimal("totalAmountIncludingVat", l.TotalAmountIncludingVAT)
	e.optDecimal("unitAmountIncludingVat", l.UnitAmountIncludingVAT)
	e.optDecimal("totalVatAmount", l.TotalVATAmount)
}

func (v *checker) metadata(p string, m *Metadata) {
	if m == nil {
		return
	}
	for i, kv := range m.Custom {
		e := v.item(p+".custom", i)
		e.required("key", kv.Key)
		e.maxLen("key", kv.Key, maxMetadataKeyLen)
		e.maxLen("value", kv.Value, maxMetadataValueLen)
	}
}

func (v *checker) options(o *Options) {
	if o == nil {
		return
	}
	if o.TimeToLiveInMinutes < 0 || o.TimeToLiveInMinutes > MaxTimeToLive {
		v.add("options.timeToLiveInMinutes", "must be between 1 and %d", MaxTimeToLive)
	}
	if isTrue(o.AutomaticCapture) && isTrue(o.HandleFrozenPayments) {
		v.add("options.automaticCapture", "cannot be true when handleFrozenPayments is true")
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

// validateCreate checks a create-payment request (docs/mapi.md §Creating a payment).
func validateCreate(r *CreatePaymentRequest) error {
	var v checker
	if r == nil {
		v.add("", "request is required")
		return v.err("CreatePayment")
	}
	v.required("storeId", r.StoreID)
	v.required("paymentMethodId", r.PaymentMethodID)
	if ref := r.Order.OrderReference; ref != "" && !orderReferencePattern.MatchString(ref) {
		v.add("order.orderReference", "must be 1–32 letters, digits, '_', '-' or '/'")
	}
	v.lines("order.orderLines", r.Order.OrderLines, false)
	if a := r.Application; a != nil {
		v.optDecimal("application.requestedCreditLimit", a.RequestedCreditLimit)
		if a.RequestedCreditLimit != nil && *a.RequestedCreditLimit < 0 {
			v.add("application.requestedCreditLimit", "must not be negative")
		}
	}
	v.metadata("metadata", r.Metadata)
	v.options(r.Options)
	return v.err("CreatePayment")
}

// validateID checks a path parameter.
func validateID(op string, ids ...[2]string) error {
	var v checker
	for _, id := range ids {
		v.required(id[0], id[1])
	}
	return v.err(op)
}

// validateURL checks an absolute http(s) URL.
func validateURL(op, field, s string) error {
	var v checker
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(field, "must be an absolute http(s) URL")
	}
	return v.err(op)
}
