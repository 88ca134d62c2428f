package checkout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

const maxUserAgent = 200

// PlaceOrder validates req, reserves stock and creates the order in pending
// (one store transaction), then creates its payment at Resurs and stores the
// payment id before it returns. It returns the order and where to send the
// customer: Resurs' signing page, or the order's return URL when the
// payment is already decided.
//
// Errors: EINVALID with Fields for bad input (nothing created); ECONFLICT
// when stock is short, or wrapping ErrTooManyHolds when the client of
// req.ClientKeys holds as many unpaid orders or units as Config allows; EDECLINED when Resurs refused the payment (the order
// is failed and restocked); EUNAVAILABLE when Resurs cannot be reached
// (the order is failed and restocked, or — when it is unknown whether the
// payment was created — left pending for the sweeper; when the circuit
// breaker is open nothing is created at all). When an order was created it
// is returned even with an error. Its MAPI work takes at most
// Config.PlaceTimeout (the create CreateTimeout, the search SearchTimeout);
// an error caused by those deadlines wraps ErrTimeout.
func (e *Engine) PlaceOrder(ctx context.Context, req kassa.OrderRequest, src kassa.Source) (*kassa.Order, string, error) {
	const op = "checkout.PlaceOrder"
	if e.breakerOpen() {
		return nil, "", unavailable(op, errors.New("circuit breaker open"))
	}
	req.Customer = normalizeCustomer(req.Customer, e.cfg.Country, e.now())
	// PlaceTimeout bounds all of PlaceOrder's MAPI work, so the customer
	// gets a clear answer well within the web server's write timeout.
	budget := time.Now().Add(e.cfg.PlaceTimeout)
	cctx, cancel := context.WithDeadlineCause(ctx, budget, ErrTimeout)
	defer cancel()
	lines, c, err := e.checkOrder(cctx, req)
	if err != nil {
		return nil, "", err
	}
	unlockClient, err := e.checkHolds(ctx, req.ClientKeys, lines)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	o := e.newOrder(req, lines)
	o.Charges = c.record()
	ev := kassa.Event{At: e.now(), Source: src, To: kassa.StatusPending, Applied: true,
		Note: "order placed, stock reserved; creating the payment at Resurs"}
	err = e.store.CreateOrder(ctx, o, ev, nil)
	unlockClient()
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, codeTaken(err))
	}
	e.log.Info("order placed", "order", o.ID, "number", o.Number, "total", o.Total.String(),
		"method", o.PaymentMethodID, "governmentId", maskID(o.Customer.GovernmentID))
	// Hold the order's lock while the payment is created: a sync that races
	// the create (a callback, the sweeper) waits and then sees the payment id.
	unlock := e.locks.lock(o.ID)
	defer unlock()
	// The payment must be created and recorded even if the customer's
	// request goes away: store writes use sctx, MAPI calls bctx.
	sctx := context.WithoutCancel(ctx)
	bctx, cancelBank := context.WithDeadlineCause(sctx, budget, ErrTimeout)
	defer cancelBank()
	return e.createPayment(sctx, bctx, o, req)
}

// checkOrder validates everything about req and returns the order lines
// with the charges they were priced with.
func (e *Engine) checkOrder(ctx context.Context, req kassa.OrderRequest) ([]kassa.Line, charges, error) {
	const op = "checkout.PlaceOrder"
	fields := checkCustomer(req.Customer, e.cfg.Country, e.now())
	if req.PaymentMethodID == "" {
		fields = append(fields, locale.Field("paymentMethodId", "field.choose_method"))
	}
	if req.Lang != "" && !locale.Supported(req.Lang) {
		// Only the JSON API sends a language of its own, so the message
		// is English, as the API's are.
		fields = append(fields, kassa.FieldError{Field: "lang",
			Message: fmt.Sprintf("The language must be one of %s.", strings.Join(locale.Codes, ", "))})
	}
	lines, c, err := e.quoteOrder(ctx, req)
	var ke *kassa.Error
	switch {
	case errors.As(err, &ke) && ke.Code == kassa.EINVALID:
		return nil, c, invalid(op, append(ke.Fields, fields...))
	case err != nil:
		return nil, c, err
	}
	if len(fields) > 0 {
		return nil, c, invalid(op, fields)
	}
	total, _ := sumLines(lines)
	ok, err := e.methodUsable(ctx, req.PaymentMethodID, total, req.Customer.Type)
	if err != nil {
		return nil, c, err
	}
	if !ok {
		return nil, c, invalid(op, []kassa.FieldError{locale.Field("paymentMethodId", "field.method_unusable")})
	}
	return lines, c, nil
}

// codeTaken turns the store's refusal of a discount code's use (its last
// use taken, or the code deleted, since the order was checked) into the
// field error the customer sees; other errors are returned as they are.
func codeTaken(err error) error {
	var ke *kassa.Error
	if !errors.As(err, &ke) || len(ke.Fields) != 1 || ke.Fields[0].Field != "discountCode" {
		return err
	}
	id := "field.discount_used_up"
	if ke.Code == kassa.ENOTFOUND {
		id = "field.discount_unknown"
	}
	return invalid("checkout.PlaceOrder", []kassa.FieldError{locale.Field("discountCode", id)})
}

// methodUsable reports whether payment method id may pay total for a
// customer of type ct (without building the list PaymentMethods returns).
func (e *Engine) methodUsable(ctx context.Context, id string, total kassa.Money, ct kassa.CustomerType) (bool, error) {
	all, err := e.allMethods(ctx)
	if err != nil {
		return false, err
	}
	for i := range all {
		if all[i].ID == id {
			return usable(all[i], total, ct), nil
		}
	}
	return false, nil
}

// newOrder makes the pending order for a checked request.
func (e *Engine) newOrder(req kassa.OrderRequest, lines []kassa.Line) *kassa.Order {
	now := e.now()
	total, vat := sumLines(lines)
	return &kassa.Order{
		Key: newSecret(), CallbackToken: newSecret(), Status: kassa.StatusPending,
		Currency: e.cfg.Currency, Lines: lines, Total: total, VATTotal: vat,
		Customer: req.Customer, PaymentMethodID: req.PaymentMethodID, ClientKeys: req.ClientKeys,
		Lang:       e.orderLang(req.Lang),
		ExpiresAt:  now.Add(e.cfg.Hold),
		NextSyncAt: now.Add(firstSync), // resolves the order if this process dies before the payment id is stored
	}
}

// orderLang is the language of an order whose request asked for lang
// (checked already): lang, or the language of the store's country.
func (e *Engine) orderLang(lang string) string {
	if lang != "" {
		return lang
	}
	return locale.ForCountry(e.cfg.Country).Code()
}

// createPayment creates o's payment at Resurs and handles every outcome:
// ctx is for store writes, bctx (bounded by PlaceTimeout) for MAPI calls.
// The caller holds o's lock.
func (e *Engine) createPayment(ctx, bctx context.Context, o *kassa.Order, req kassa.OrderRequest) (*kassa.Order, string, error) {
	const op = "checkout.PlaceOrder"
	body := e.paymentRequest(o, req)
	p, err := callWithin(bctx, e, e.cfg.CreateTimeout, func(ctx context.Context) (*mapi.Payment, error) {
		return e.bank.CreatePayment(ctx, body)
	})
	switch {
	case err == nil:
		return e.adoptCreated(ctx, bctx, o, p, "payment created")
	case !mapi.Ambiguous(err) && refused(err):
		return o, "", e.declined(ctx, o, err)
	case isBreakerRefusal(err), !mapi.Ambiguous(err):
		// Not sent, so certainly not created.
		e.failCreate(ctx, o, "payment not created: Resurs could not be reached ("+mapiDetail(err)+")",
			"We could not reach Resurs Bank, so no payment was made.")
		return o, "", unavailable(op, err)
	}
	e.log.Warn("payment create ambiguous; searching", "order", o.ID, "err", err)
	return e.resolveAmbiguous(ctx, bctx, o, err)
}

// declined records a definite refusal of the create (a 4xx answer).
func (e *Engine) declined(ctx context.Context, o *kassa.Order, err error) error {
	msg := "Resurs Bank did not accept the payment."
	var me *mapi.Error
	if errors.As(err, &me) && me.Message != "" {
		msg += " " + me.Message
	}
	e.failCreate(ctx, o, "payment refused by Resurs: "+mapiDetail(err), msg)
	ke := locale.Error(kassa.EDECLINED, "error.declined")
	if me != nil && me.Message != "" {
		// Resurs' own words, in the language Resurs wrote them in.
		ke = locale.Error(kassa.EDECLINED, "error.declined_detail", "Detail", me.Message)
	}
	ke.Op, ke.Err = "checkout.PlaceOrder", err
	return ke
}

// resolveAmbiguous looks for the payment a failed create may have made,
// giving the search at most SearchTimeout (and what is left of bctx).
// When the search cannot decide, the order stays pending for the sweeper.
func (e *Engine) resolveAmbiguous(ctx, bctx context.Context, o *kassa.Order, cause error) (*kassa.Order, string, error) {
	const op = "checkout.PlaceOrder"
	p, err := e.searchPayment(bctx, o, e.cfg.SearchTimeout)
	switch {
	case err == nil && p != nil:
		return e.adoptCreated(ctx, bctx, o, p, "payment create timed out; found the payment by its order reference")
	case err == nil:
		e.failCreate(ctx, o, "payment not created: "+mapiDetail(cause)+"; a search by order reference found none",
			"We could not reach Resurs Bank, so no payment was made.")
		return o, "", unavailable(op, cause)
	}
	e.log.Warn("payment search failed; leaving the order to the sweeper", "order", o.ID, "err", err)
	o.NextSyncAt = e.now().Add(retrySoon)
	ev := e.event(o, kassa.SourceCheckout, o.Status, false, "",
		"payment create and search failed (create: "+mapiDetail(cause)+"; search: "+mapiDetail(err)+
			"); the sweeper will look for the payment")
	if uerr := e.store.UpdateOrder(ctx, o, &ev, nil); uerr != nil {
		e.log.Error("record ambiguous create", "order", o.ID, "err", uerr)
	}
	return o, "", unavailable(op, fmt.Errorf("%w; search: %w", cause, err))
}

// failCreate makes o failed (restocking it) after a create that certainly
// made no payment. The order is fresh and locked, so a conflict is a bug
// worth logging, not retrying.
func (e *Engine) failCreate(ctx context.Context, o *kassa.Order, note, reason string) {
	from := o.Status
	o.Status, o.StatusReason, o.NextSyncAt = kassa.StatusFailed, reason, zeroTime
	ev := e.event(o, kassa.SourceCheckout, from, true, "", note)
	if err := e.store.UpdateOrder(ctx, o, &ev, nil); err != nil {
		e.log.Error("fail order after create", "order", o.ID, "err", err)
	}
	e.metrics.transition(kassa.SourceCheckout, "applied")
}

// adoptCreated stores the payment id on o and applies what the payment says
// (normally TASK_REDIRECTION_REQUIRED, which keeps o pending), then returns
// where to send the customer. ctx is for store writes, bctx for MAPI reads.
func (e *Engine) adoptCreated(ctx, bctx context.Context, o *kassa.Order, p *mapi.Payment, note string) (*kassa.Order, string, error) {
	snap, err := e.snapshot(bctx, p)
	if err != nil {
		snap = snapshotOf(p) // tasks/status unreachable: decide without it; the sweeper re-reads
	}
	run := syncRun{e: e, order: o, payment: p.ID, snap: snap, src: kassa.SourceCheckout, note: note}
	o, err = run.apply(ctx)
	if err != nil {
		return o, "", fmt.Errorf("checkout.PlaceOrder: store payment id: %w", err)
	}
	return o, e.redirectURL(bctx, o, p), nil
}

// redirectURL is Resurs' signing page while the payment waits for the
// customer, else the order's return page.
func (e *Engine) redirectURL(ctx context.Context, o *kassa.Order, p *mapi.Payment) string {
	if p.Status == mapi.StatusTaskRedirectionRequired && o.Status == kassa.StatusPending {
		if u := customerURL(p); u != "" {
			return u
		}
		full, err := read(ctx, e, func(ctx context.Context) (*mapi.Payment, error) { return e.bank.GetPayment(ctx, p.ID) })
		if err == nil {
			if u := customerURL(full); u != "" {
				return u
			}
		}
	}
	return e.cfg.BaseURL + ReturnPath(o)
}

func customerURL(p *mapi.Payment) string {
	if p.TaskRedirectionURLs == nil {
		return ""
	}
	return p.TaskRedirectionURLs.CustomerURL
}

// paymentRequest builds the POST /v2/payments body for o.
func (e *Engine) paymentRequest(o *kassa.Order, req kassa.OrderRequest) *mapi.CreatePaymentRequest {
	yes, no := true, false
	return &mapi.CreatePaymentRequest{
		StoreID:         e.cfg.StoreID,
		PaymentMethodID: o.PaymentMethodID,
		Order:           mapi.CreatePaymentOrder{OrderReference: o.Number, OrderLines: mapiLines(o.Lines)},
		Customer:        mapiCustomer(o.Customer, req),
		Metadata:        &mapi.Metadata{Creator: "kassa"},
		Options: &mapi.Options{
			InitiatedOnCustomersDevice: &yes,
			HandleManualInspection:     &yes,
			HandleFrozenPayments:       &yes,
			AutomaticCapture:           &no,
			RedirectionURLs: &mapi.Redirection{Customer: &mapi.RedirectionURLs{
				SuccessURL: e.cfg.BaseURL + ReturnPath(o), FailURL: e.cfg.BaseURL + FailPath(o)}},
			Callbacks: &mapi.Callbacks{
				Authorization: &mapi.CallbackURL{URL: e.cfg.BaseURL + callbackPath(o, kassa.CallbackAuthorization)},
				Management:    &mapi.CallbackURL{URL: e.cfg.BaseURL + callbackPath(o, kassa.CallbackManagement)},
			},
			TimeToLiveInMinutes: int(e.cfg.Hold.Minutes()),
		},
	}
}

// mapiLines converts order lines to MAPI lines (amounts exact to 2 decimals).
func mapiLines(lines []kassa.Line) []mapi.OrderLine {
	out := make([]mapi.OrderLine, len(lines))
	for i, l := range lines {
		unit, vat := mapi.Decimal(l.UnitPrice), mapi.Decimal(l.VATAmount)
		out[i] = mapi.OrderLine{
			Description: l.Description, Reference: lineRef(l),
			Quantity: mapi.Units(l.Quantity), QuantityUnit: "st",
			VATRate: mapi.Decimal(l.VATRate), UnitAmountIncludingVAT: &unit,
			TotalAmountIncludingVAT: mapi.Decimal(l.Total), TotalVATAmount: &vat,
			Type: mapi.OrderLineType(l.Type),
		}
	}
	return out
}

// mapiCustomer converts the customer; an empty government id is left out.
func mapiCustomer(c kassa.Customer, req kassa.OrderRequest) *mapi.Customer {
	a := c.Address
	full := a.FirstName + " " + a.LastName
	mc := &mapi.Customer{
		CustomerType: mapi.CustomerType(c.Type), GovernmentID: c.GovernmentID,
		Email: c.Email, MobilePhone: c.Phone,
		DeliveryAddress: &mapi.Address{FullName: full, FirstName: a.FirstName, LastName: a.LastName,
			AddressRow1: a.AddressRow1, AddressRow2: a.AddressRow2, PostalArea: a.PostalArea,
			PostalCode: a.PostalCode, CountryCode: a.CountryCode},
		DeviceInfo: &mapi.DeviceInfo{IP: req.ClientIP, UserAgent: truncate(req.UserAgent, maxUserAgent)},
	}
	if c.Type == kassa.CustomerLegal {
		mc.ContactPerson = full
		mc.DeliveryAddress.FullName = a.CompanyName
	}
	return mc
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Replace is called when the customer who placed order id placed order by
// instead, having changed the cart or the details: the earlier order must
// not keep holding stock. It records why in id's timeline and, while id is
// pending and its payment still waits for the customer, cancels that
// payment at Resurs and the order, which releases its stock. Should Resurs
// refuse to cancel the unsigned payment, the order is cancelled in the
// shop all the same, and the payment is annulled if the customer still
// signs it (as an owner's cancel of a pending order). Should another
// action of the order be unsettled, the order stays pending until its
// payment expires; that is recorded, and is no error. An order signed, decided or closed
// meanwhile is left as it is. Errors: those of reading the order and its
// payment, and of the cancel (see Cancel).
func (e *Engine) Replace(ctx context.Context, id int64, by *kassa.Order) (*kassa.Order, error) {
	const op = "checkout.Replace"
	unlock := e.locks.lock(id)
	defer unlock()
	o, p, err := e.orderAndPayment(ctx, op, id)
	if err != nil {
		return o, err
	}
	why := "replaced by order " + by.Number + ": the customer changed the cart or the details and purchased again"
	if !pendingCancel(o, p) {
		return o, e.note(ctx, o, fmt.Sprintf("%s; left as it is (%s, payment %s)", why, o.Status, p.Status))
	}
	if err := e.note(ctx, o, why+"; cancelling its unsigned payment"); err != nil {
		return o, err
	}
	o, _, err = e.cancelPending(ctx, o, ActionRequest{All: true, Source: kassa.SourceCheckout, Creator: "customer"})
	if kassa.ErrorCode(err) == kassa.ECONFLICT {
		return o, e.note(ctx, o, "Resurs Bank did not cancel the unsigned payment ("+kassa.ErrorMessage(err)+
			"); its stock is released when the payment expires")
	}
	return o, err
}

// note records an event on o that changes nothing.
func (e *Engine) note(ctx context.Context, o *kassa.Order, note string) error {
	if err := e.store.AddEvent(ctx, e.event(o, kassa.SourceCheckout, o.Status, false, "", note), nil); err != nil {
		return fmt.Errorf("checkout.Replace: %w", err)
	}
	return nil
}
