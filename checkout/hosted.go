package checkout

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
)

// Hosted checkouts (README.md §Use kassa from your own shop). A merchant's
// system creates an order with its own lines (CreateCheckout): pending,
// holding no stock (its SKUs are the merchant's, not the catalog's), with
// no customer and no payment yet. The shopper opens kassa's checkout page
// for it, fills in the details and picks a payment method (PayCheckout):
// the customer is written to the order and the payment created as for any
// order. An order nobody pays is cancelled by the sweeper once its hold
// has passed.

// CheckoutLine is one line of a merchant's checkout, parsed: amounts in
// hundredths, the VAT rate in hundredths of a percent.
type CheckoutLine struct {
	Type        kassa.LineType
	SKU         string
	Description string
	Quantity    int64
	UnitPrice   kassa.Money
	VATRate     int64
}

// CheckoutRequest is a merchant's checkout: its lines, optionally the
// total they must add up to, a customer to prefill, where the shopper goes
// afterwards and the merchant's own reference and metadata.
type CheckoutRequest struct {
	Reference string
	Lines     []CheckoutLine
	Total     *kassa.Money // when set, the lines must add up to it
	Customer  kassa.Customer
	Hosted    kassa.HostedCheckout
}

// Limits of a merchant's checkout.
const (
	maxReference   = 100
	maxDescription = 100 // MAPI's orderLines[].description
	maxLineSKU     = 50  // MAPI's orderLines[].reference
	maxLinePrice   = kassa.Money(100_000_000)
	maxURL         = 2000
	maxMetadata    = 20
	maxMetaKey     = 40
	maxMetaValue   = 500
)

// CreateCheckout validates req and creates its order, pending and awaiting
// the shopper. Errors: EINVALID naming every bad field (nothing created).
func (e *Engine) CreateCheckout(ctx context.Context, req CheckoutRequest, src kassa.Source) (*kassa.Order, error) {
	const op = "checkout.CreateCheckout"
	lines, fields := checkoutLines(req.Lines)
	total, vat := sumLines(lines)
	fields = append(fields, checkTotal(req.Total, total, len(fields) == 0)...)
	fields = append(fields, checkHosted(req.Reference, req.Hosted)...)
	fields = append(fields, checkPrefill(req.Customer)...)
	if len(fields) > 0 {
		return nil, invalid(op, fields)
	}
	now := e.now()
	hosted := req.Hosted
	o := &kassa.Order{Key: newSecret(), CallbackToken: newSecret(), Status: kassa.StatusPending,
		Currency: e.cfg.Currency, Lines: lines, Total: total, VATTotal: vat, Customer: req.Customer,
		Reference: req.Reference, Hosted: &hosted, StockReleased: true,
		ExpiresAt: now.Add(e.cfg.Hold), NextSyncAt: now.Add(e.cfg.Hold + e.cfg.ExpiryGrace + time.Second)}
	ev := kassa.Event{At: now, Source: src, To: kassa.StatusPending, Applied: true,
		Note: "checkout created by the merchant's system (reference " + quoteRef(req.Reference) + "); awaiting the shopper"}
	if err := e.store.CreateOrder(ctx, o, ev, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	e.log.Info("checkout created", "order", o.ID, "number", o.Number, "reference", o.Reference, "total", o.Total.String())
	return o, nil
}

// quoteRef shows a reference in a note; "none" when empty.
func quoteRef(ref string) string {
	if ref == "" {
		return "none"
	}
	return fmt.Sprintf("%q", ref)
}

// lineTypes are the line types a merchant may send.
var lineTypes = map[kassa.LineType]bool{kassa.LineProduct: true, kassa.LineDigital: true,
	kassa.LineShipping: true, kassa.LineFee: true, kassa.LineDiscount: true}

// checkoutLines builds the order lines of a merchant's checkout and names
// every bad field. A discount's unit price is negative, every other's not.
func checkoutLines(in []CheckoutLine) ([]kassa.Line, []kassa.FieldError) {
	switch {
	case len(in) == 0:
		return nil, []kassa.FieldError{{Field: "lines", Message: "Give at least one line."}}
	case len(in) > maxLines:
		return nil, []kassa.FieldError{{Field: "lines", Message: fmt.Sprintf("At most %d lines.", maxLines)}}
	}
	var fields []kassa.FieldError
	bad := func(i int, field, msg string) {
		fields = append(fields, kassa.FieldError{Field: fmt.Sprintf("lines[%d].%s", i, field), Message: msg})
	}
	lines := make([]kassa.Line, 0, len(in))
	for i, l := range in {
		if !lineTypes[l.Type] {
			bad(i, "type", "Must be product, digital, shipping, fee or discount.")
		}
		if d := strings.TrimSpace(l.Description); d == "" || utf8.RuneCountInString(d) > maxDescription {
			bad(i, "description", fmt.Sprintf("Give a description of 1 to %d characters.", maxDescription))
		}
		if len(l.SKU) > maxLineSKU {
			bad(i, "sku", fmt.Sprintf("At most %d characters.", maxLineSKU))
		}
		if l.Quantity < 1 || l.Quantity > 10_000 {
			bad(i, "quantity", "Must be between 1 and 10000.")
		}
		switch {
		case l.UnitPrice > maxLinePrice || l.UnitPrice < -maxLinePrice:
			bad(i, "unitPrice", "Too large.")
		case l.Type == kassa.LineDiscount && l.UnitPrice >= 0:
			bad(i, "unitPrice", "A discount is negative, e.g. \"-50.00\".")
		case l.Type != kassa.LineDiscount && l.UnitPrice < 0:
			bad(i, "unitPrice", "Must not be negative; a reduction is a discount line.")
		}
		if l.VATRate < 0 || l.VATRate > 10000 {
			bad(i, "vatRate", "Must be between 0 and 100.")
		}
		lines = append(lines, newLine(i+1, l.Type, strings.TrimSpace(l.SKU), strings.TrimSpace(l.Description),
			l.Quantity, l.UnitPrice, l.VATRate))
	}
	return lines, fields
}

// checkTotal checks the lines' sum: positive, and the total the merchant
// stated when it stated one. Only meaningful when the lines are valid.
func checkTotal(stated *kassa.Money, sum kassa.Money, linesValid bool) []kassa.FieldError {
	switch {
	case !linesValid:
		return nil
	case stated != nil && *stated != sum:
		return []kassa.FieldError{{Field: "total", Message: fmt.Sprintf("The lines add up to %s, not %s.", sum, *stated)}}
	case sum <= 0:
		return []kassa.FieldError{{Field: "lines", Message: fmt.Sprintf("The lines add up to %s; the total must be positive.", sum)}}
	}
	return nil
}

// checkHosted checks the reference, return URLs and metadata.
func checkHosted(ref string, h kassa.HostedCheckout) []kassa.FieldError {
	var fields []kassa.FieldError
	if utf8.RuneCountInString(ref) > maxReference {
		fields = append(fields, kassa.FieldError{Field: "reference", Message: fmt.Sprintf("At most %d characters.", maxReference)})
	}
	for _, u := range []struct{ field, value string }{{"successUrl", h.SuccessURL}, {"failUrl", h.FailURL}} {
		if msg := checkReturnURL(u.value); msg != "" {
			fields = append(fields, kassa.FieldError{Field: u.field, Message: msg})
		}
	}
	if len(h.Metadata) > maxMetadata {
		fields = append(fields, kassa.FieldError{Field: "metadata", Message: fmt.Sprintf("At most %d keys.", maxMetadata)})
	}
	for k, v := range h.Metadata {
		if k == "" || len(k) > maxMetaKey || len(v) > maxMetaValue {
			fields = append(fields, kassa.FieldError{Field: "metadata." + k,
				Message: fmt.Sprintf("Keys of 1 to %d bytes, values of at most %d.", maxMetaKey, maxMetaValue)})
		}
	}
	return fields
}

// checkReturnURL says what is wrong with a return URL, or "".
func checkReturnURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "Required."
	case len(raw) > maxURL:
		return fmt.Sprintf("At most %d characters.", maxURL)
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
		return "Must be an absolute http or https URL."
	}
	return ""
}

// checkPrefill checks a customer to prefill: everything may be missing,
// but what is given must fit the checkout form.
func checkPrefill(c kassa.Customer) []kassa.FieldError {
	var fields []kassa.FieldError
	if c.Type != "" && c.Type != kassa.CustomerNatural && c.Type != kassa.CustomerLegal {
		fields = append(fields, kassa.FieldError{Field: "customer.type", Message: "Must be NATURAL or LEGAL."})
	}
	a := c.Address
	for _, f := range []struct {
		name, value string
		max         int
	}{{"governmentId", c.GovernmentID, 30}, {"email", c.Email, 200}, {"phone", c.Phone, 50},
		{"address.firstName", a.FirstName, 200}, {"address.lastName", a.LastName, 200},
		{"address.companyName", a.CompanyName, 200}, {"address.addressRow1", a.AddressRow1, 200},
		{"address.addressRow2", a.AddressRow2, 200}, {"address.postalCode", a.PostalCode, 20},
		{"address.postalArea", a.PostalArea, 100}, {"address.countryCode", a.CountryCode, 2}} {
		if utf8.RuneCountInString(f.value) > f.max {
			fields = append(fields, kassa.FieldError{Field: "customer." + f.name, Message: fmt.Sprintf("At most %d characters.", f.max)})
		}
	}
	return fields
}

// HostedOrder returns the hosted checkout order id for the shopper who
// holds its key: ENOTFOUND for an unknown order or one that is no hosted
// checkout, EUNAUTHORIZED for a wrong key.
func (e *Engine) HostedOrder(ctx context.Context, id int64, key string) (*kassa.Order, error) {
	o, err := e.store.Order(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("checkout.HostedOrder: %w", err)
	}
	if err := checkKey(o, key); err != nil {
		return nil, err
	}
	if o.Hosted == nil {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "There is no such checkout.")
	}
	return o, nil
}

// PayCheckout is the shopper's purchase on the hosted checkout of order
// id: req's customer and payment method are checked as PlaceOrder checks
// them, written to the order, and the payment is created. It returns the
// order and where to send the shopper. Errors: EUNAUTHORIZED for a wrong
// key, ENOTFOUND for no such checkout, EINVALID naming the bad fields
// (nothing written), ECONFLICT when the checkout was paid or closed
// already; then PlaceOrder's.
func (e *Engine) PayCheckout(ctx context.Context, id int64, key string, req kassa.OrderRequest) (*kassa.Order, string, error) {
	const op = "checkout.PayCheckout"
	if e.breakerOpen() {
		return nil, "", unavailable(op, fmt.Errorf("circuit breaker open"))
	}
	req.Customer = normalizeCustomer(req.Customer, e.cfg.Country, e.now())
	budget := time.Now().Add(e.cfg.PlaceTimeout)
	unlock := e.locks.lock(id)
	defer unlock()
	o, err := e.HostedOrder(ctx, id, key)
	if err != nil {
		return nil, "", err
	}
	if !o.AwaitingShopper() {
		return o, "", &kassa.Error{Code: kassa.ECONFLICT, Op: op, Message: "This checkout was completed already."}
	}
	if err := e.checkShopper(ctx, o, req); err != nil {
		return o, "", err
	}
	o.Customer, o.PaymentMethodID = req.Customer, req.PaymentMethodID
	o.ExpiresAt, o.NextSyncAt = e.now().Add(e.cfg.Hold), e.now().Add(firstSync)
	ev := e.event(o, kassa.SourceCheckout, o.Status, false, "", "the shopper filled in the checkout; creating the payment at Resurs")
	if err := e.store.UpdateOrderCustomer(ctx, o, &ev, nil); err != nil {
		return o, "", fmt.Errorf("%s: %w", op, err)
	}
	sctx := context.WithoutCancel(ctx)
	bctx, cancel := context.WithDeadlineCause(sctx, budget, ErrTimeout)
	defer cancel()
	return e.createPayment(sctx, bctx, o, req)
}

// checkShopper checks the shopper's details and payment method for o.
func (e *Engine) checkShopper(ctx context.Context, o *kassa.Order, req kassa.OrderRequest) error {
	const op = "checkout.PayCheckout"
	fields := checkCustomer(req.Customer, e.cfg.Country, e.now())
	if req.PaymentMethodID == "" {
		fields = append(fields, kassa.FieldError{Field: "paymentMethodId", Message: "Choose a payment method."})
	}
	if len(fields) > 0 {
		return invalid(op, fields)
	}
	ok, err := e.methodUsable(ctx, req.PaymentMethodID, o.Total, req.Customer.Type)
	if err != nil {
		return err
	}
	if !ok {
		return invalid(op, []kassa.FieldError{{Field: "paymentMethodId",
			Message: "This payment method cannot be used for this amount or customer type."}})
	}
	return nil
}

// awaitingShopper is the sync of a hosted checkout nobody has paid yet:
// there is no payment to read. Past its hold (and grace) it is cancelled;
// until then the sweeper looks again then.
func (e *Engine) awaitingShopper(ctx context.Context, o *kassa.Order, so syncOpts) (*kassa.Order, error) {
	if e.expired(o) {
		return e.force(ctx, o, kassa.StatusCancelled, so, "The checkout was not completed in time.",
			joinNote(so.note(), "the shopper did not complete the checkout in time"))
	}
	due := o.ExpiresAt.Add(e.cfg.ExpiryGrace + time.Second) // expired is strictly after
	if so.src != kassa.SourceSweeper || o.NextSyncAt.Equal(due) {
		return o, nil
	}
	o.NextSyncAt = due
	if err := e.store.UpdateOrder(ctx, o, nil, so.settle.then()); err != nil && kassa.ErrorCode(err) != kassa.ECONFLICT {
		return o, fmt.Errorf("checkout.Sync: %w", err)
	}
	return o, nil
}
