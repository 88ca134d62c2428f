package mapi

import (
	"fmt"
	"net/url"
	"regexp"
	"unicode/utf8"
)

// Limits checked before a request is sent (reference §5).
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

// orderReferencePattern is ecom2's check on create (reference §5.1).
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

func (v *checker) required(field, s string) {
	if s == "" {
		v.add(field, "is required")
	}
}

func (v *checker) maxLen(field, s string, n int) {
	if utf8.RuneCountInString(s) > n {
		v.add(field, "must be at most %d characters", n)
	}
}

func (v *checker) decimal(field string, d Decimal) {
	if d.Valid() != nil {
		v.add(field, "is out of range (10 digits and 2 decimals)")
	}
}

func (v *checker) optDecimal(field string, d *Decimal) {
	if d != nil {
		v.decimal(field, *d)
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
		v.line(fmt.Sprintf("%s[%d]", field, i), &ls[i])
	}
}

func (v *checker) line(p string, l *OrderLine) {
	v.required(p+".description", l.Description)
	v.maxLen(p+".description", l.Description, maxDescriptionLen)
	v.maxLen(p+".reference", l.Reference, maxReferenceLen)
	v.required(p+".quantityUnit", l.QuantityUnit)
	v.maxLen(p+".quantityUnit", l.QuantityUnit, maxQuantityUnitLen)
	v.decimal(p+".quantity", l.Quantity)
	if l.Quantity < minQuantity {
		v.add(p+".quantity", "must be at least 0.01")
	}
	if l.VATRate < 0 || l.VATRate > maxVATRate {
		v.add(p+".vatRate", "must be between 0 and 100")
	}
	v.decimal(p+".totalAmountIncludingVat", l.TotalAmountIncludingVAT)
	v.optDecimal(p+".unitAmountIncludingVat", l.UnitAmountIncludingVAT)
	v.optDecimal(p+".totalVatAmount", l.TotalVATAmount)
}

func (v *checker) metadata(p string, m *Metadata) {
	if m == nil {
		return
	}
	for i, e := range m.Custom {
		f := fmt.Sprintf("%s.custom[%d]", p, i)
		v.required(f+".key", e.Key)
		v.maxLen(f+".key", e.Key, maxMetadataKeyLen)
		v.maxLen(f+".value", e.Value, maxMetadataValueLen)
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

// validateCreate checks a create-payment request (reference §5).
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
