package mapisim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kassa-dev/kassa/mapi"
)

// outOfBounds is MAPI's message for a number with too many digits (docs/mapi.md §Amounts).
const outOfBounds = "numeric value out of bounds (<10 digits>.<2 digits> expected)"

// lineIn is an order line as sent, numbers kept raw so that each can be
// read exactly and reported under its own path.
type lineIn struct {
	Description  *string         `json:"description"`
	Reference    *string         `json:"reference"`
	Quantity     json.RawMessage `json:"quantity"`
	QuantityUnit *string         `json:"quantityUnit"`
	VATRate      json.RawMessage `json:"vatRate"`
	UnitAmount   json.RawMessage `json:"unitAmountIncludingVat"`
	Total        json.RawMessage `json:"totalAmountIncludingVat"`
	TotalVAT     json.RawMessage `json:"totalVatAmount"`
	Type         *string         `json:"type"`
}

type orderIn struct {
	OrderReference *string  `json:"orderReference"`
	OrderLines     []lineIn `json:"orderLines"`
}

type optionsIn struct {
	InitiatedOnCustomersDevice *bool             `json:"initiatedOnCustomersDevice"`
	InitiatedOnCustomerDevice  *bool             `json:"initiatedOnCustomerDevice"` // older spelling, accepted
	HandleManualInspection     *bool             `json:"handleManualInspection"`
	HandleFrozenPayments       *bool             `json:"handleFrozenPayments"`
	AutomaticCapture           *bool             `json:"automaticCapture"`
	DeliverLinks               *bool             `json:"deliverLinks"`
	HandlePhysicalAgreement    *bool             `json:"handlePhysicalAgreement"`
	RedirectionURLs            *mapi.Redirection `json:"redirectionUrls"`
	Callbacks                  *mapi.Callbacks   `json:"callbacks"`
	TimeToLiveInMinutes        *int              `json:"timeToLiveInMinutes"`
}

type createIn struct {
	StoreID         *string           `json:"storeId"`
	PaymentMethodID *string           `json:"paymentMethodId"`
	Order           *orderIn          `json:"order"`
	Application     *mapi.Application `json:"application"`
	Customer        *mapi.Customer    `json:"customer"`
	Metadata        *mapi.Metadata    `json:"metadata"`
	Options         *optionsIn        `json:"options"`
}

// defaultTTL is timeToLiveInMinutes when the request has none.
const defaultTTL = 120

var (
	// orderRefPattern: ecom2 checks ^[\w\-_/]{1,32}$ on create and reads back
	// up to 36; the server's own limit is UNCONFIRMED, the simulator allows 36.
	orderRefPattern   = regexp.MustCompile(`^[\w\-/]{1,36}$`)
	postalCodePattern = regexp.MustCompile(`^[ \d]{1,10}$`)
)

var lineTypes = map[mapi.OrderLineType]bool{
	mapi.LineNormal: true, mapi.LinePhysicalGoods: true, mapi.LineDigitalGoods: true, mapi.LineDiscount: true,
	mapi.LineShipping: true, mapi.LineFee: true, mapi.LineGiftCard: true, mapi.LineOtherPayment: true,
}

func (s *Sim) handleCreate(w http.ResponseWriter, r *http.Request) error {
	var in createIn
	if err := decodeBody(r, &in, false); err != nil {
		return err
	}
	p, err := s.newPayment(&in, s.baseURL(r))
	if err != nil {
		return err
	}
	p.mu.Lock()
	b, err := p.marshal()
	p.mu.Unlock()
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, b)
	return nil
}

// newPayment validates a create request and stores the new payment.
func (s *Sim) newPayment(in *createIn, base string) (*payment, error) {
	st, m, err := s.storeAndMethod(in)
	if err != nil {
		return nil, err
	}
	errs := map[string]string{}
	var lines []mapi.OrderLine
	var ref string
	if in.Order == nil {
		errs["order"] = "must not be null"
	} else {
		lines = parseLines("order.orderLines", in.Order.OrderLines, errs)
		ref = checkOrderRef(in.Order.OrderReference, errs)
	}
	opts := in.Options
	if opts == nil {
		opts = &optionsIn{}
	}
	checkOptions(opts, errs)
	checkCustomer(in.Customer, m, errs)
	if in.Metadata != nil {
		checkMetadata("metadata.", in.Metadata, errs)
	}
	if len(errs) > 0 {
		return nil, validation(errs)
	}
	total := sum(lines)
	if err := checkLimits("order.orderLines", total, m); err != nil {
		return nil, err
	}
	return s.storePayment(in, st, m, opts, lines, ref, total, base), nil
}

// storeAndMethod resolves storeId and paymentMethodId.
func (s *Sim) storeAndMethod(in *createIn) (*store, *method, error) {
	errs := map[string]string{}
	if in.StoreID == nil || *in.StoreID == "" {
		errs["storeId"] = "must not be null"
	}
	if in.PaymentMethodID == nil || *in.PaymentMethodID == "" {
		errs["paymentMethodId"] = "must not be null"
	}
	if len(errs) > 0 {
		return nil, nil, validation(errs)
	}
	st := s.store(*in.StoreID)
	if st == nil {
		return nil, nil, validation(map[string]string{"storeId": "Store " + *in.StoreID + " not found"})
	}
	m := st.method(*in.PaymentMethodID)
	if m == nil {
		return nil, nil, validation(map[string]string{"paymentMethodId": "Payment method " + *in.PaymentMethodID + " not found in store"})
	}
	return st, m, nil
}

func checkLimits(path string, total mapi.Decimal, m *method) error {
	if err := total.Valid(); err != nil {
		return validation(map[string]string{path: outOfBounds})
	}
	if total < m.MinPurchaseLimit || total > m.MaxPurchaseLimit {
		return validation(map[string]string{path: fmt.Sprintf(
			"Total amount %s is outside the purchase limits of the payment method (%s–%s)",
			total, m.MinPurchaseLimit, m.MaxPurchaseLimit)})
	}
	return nil
}

func sum(lines []mapi.OrderLine) mapi.Decimal {
	var t mapi.Decimal
	for _, l := range lines {
		t += l.TotalAmountIncludingVAT
	}
	return t
}

func checkOrderRef(ref *string, errs map[string]string) string {
	if ref == nil || *ref == "" {
		return ""
	}
	if !orderRefPattern.MatchString(*ref) {
		errs["order.orderReference"] = `must match "^[\w\-/]{1,36}$"`
	}
	return *ref
}

func checkOptions(o *optionsIn, errs map[string]string) {
	if isTrue(o.AutomaticCapture) && isTrue(o.HandleFrozenPayments) {
		errs["options.automaticCapture"] = "cannot be set to true when handleFrozenPayments is set to true"
	}
	if t := o.TimeToLiveInMinutes; t != nil && (*t < 1 || *t > 43200) {
		errs["options.timeToLiveInMinutes"] = "must be between 1 and 43200"
	}
	if rd := o.RedirectionURLs; rd != nil && rd.Customer != nil {
		checkURL("options.redirectionUrls.customer.successUrl", rd.Customer.SuccessURL, errs)
		checkURL("options.redirectionUrls.customer.failUrl", rd.Customer.FailURL, errs)
	}
	if cb := o.Callbacks; cb != nil {
		for name, c := range map[string]*mapi.CallbackURL{
			"authorization": cb.Authorization, "management": cb.Management, "creditApplication": cb.CreditApplication,
		} {
			if c != nil {
				checkURL("options.callbacks."+name+".url", c.URL, errs)
			}
		}
	}
}

// checkURL accepts "" (no URL) or an absolute http(s) URL.
func checkURL(path, raw string, errs map[string]string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs[path] = "must be an absolute http or https URL"
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

func checkCustomer(c *mapi.Customer, m *method, errs map[string]string) {
	if c == nil {
		return
	}
	switch c.CustomerType {
	case "", mapi.CustomerNatural:
		if !m.EnabledForNaturalCustomer {
			errs["customer.customerType"] = "Payment method is not enabled for customer type NATURAL"
		}
	case mapi.CustomerLegal:
		if !m.EnabledForLegalCustomer {
			errs["customer.customerType"] = "Payment method is not enabled for customer type LEGAL"
		}
	default:
		errs["customer.customerType"] = "must be NATURAL or LEGAL"
	}
	if c.Email != "" && !strings.Contains(c.Email, "@") {
		errs["customer.email"] = "Email address must contain '@' character."
	}
	for path, v := range map[string]string{
		"customer.governmentId": c.GovernmentID, "customer.mobilePhone": c.MobilePhone, "customer.email": c.Email,
	} {
		if msg, bad := refusedCustomerData[path+":"+v]; bad {
			errs[path] = msg
		}
	}
	if a := c.DeliveryAddress; a != nil {
		checkAddress("customer.deliveryAddress.", a, errs)
	}
	if d := c.DeviceInfo; d != nil && utf8.RuneCountInString(d.UserAgent) > 200 {
		errs["customer.deviceInfo.userAgent"] = "size must be between 0 and 200"
	}
}

func checkAddress(prefix string, a *mapi.Address, errs map[string]string) {
	checkLen(prefix+"addressRow1", a.AddressRow1, 1, 100, errs)
	checkLen(prefix+"addressRow2", a.AddressRow2, 0, 100, errs)
	checkLen(prefix+"postalArea", a.PostalArea, 1, 50, errs)
	checkLen(prefix+"fullName", a.FullName, 0, 50, errs)
	checkLen(prefix+"firstName", a.FirstName, 0, 50, errs)
	checkLen(prefix+"lastName", a.LastName, 0, 50, errs)
	if !postalCodePattern.MatchString(a.PostalCode) {
		errs[prefix+"postalCode"] = `must match "^[ \d]{1,10}$"`
	}
	if len(a.CountryCode) != 2 || strings.ToUpper(a.CountryCode) != a.CountryCode {
		errs[prefix+"countryCode"] = "must be an ISO 3166 alpha-2 code"
	}
}

func checkLen(path, v string, lo, hi int, errs map[string]string) {
	if n := utf8.RuneCountInString(v); n < lo || n > hi {
		errs[path] = fmt.Sprintf("size must be between %d and %d", lo, hi)
	}
}

func checkMetadata(prefix string, md *mapi.Metadata, errs map[string]string) {
	for i, e := range md.Custom {
		checkLen(fmt.Sprintf("%scustom[%d].key", prefix, i), e.Key, 1, 50, errs)
		checkLen(fmt.Sprintf("%scustom[%d].value", prefix, i), e.Value, 0, 1000, errs)
	}
}

// parseLines validates lines (1–1000) and reads their numbers exactly.
func parseLines(path string, in []lineIn, errs map[string]string) []mapi.OrderLine {
	if len(in) < 1 || len(in) > 1000 {
		errs[path] = "size must be between 1 and 1000"
		return nil
	}
	out := make([]mapi.OrderLine, len(in))
	for i := range in {
		out[i] = parseLine(fmt.Sprintf("%s[%d].", path, i), &in[i], errs)
	}
	return out
}

func parseLine(p string, in *lineIn, errs map[string]string) mapi.OrderLine {
	l := mapi.OrderLine{Description: deref(in.Description), Reference: deref(in.Reference),
		QuantityUnit: deref(in.QuantityUnit), Type: mapi.OrderLineType(deref(in.Type))}
	if strings.TrimSpace(l.Description) == "" {
		errs[p+"description"] = "must not be blank"
	}
	checkLen(p+"description", l.Description, 1, 100, errs)
	checkLen(p+"reference", l.Reference, 0, 50, errs)
	if strings.TrimSpace(l.QuantityUnit) == "" {
		errs[p+"quantityUnit"] = "must not be blank"
	} else {
		checkLen(p+"quantityUnit", l.QuantityUnit, 1, 50, errs)
	}
	if l.Type != "" && !lineTypes[l.Type] {
		errs[p+"type"] = "must be one of NORMAL, PHYSICAL_GOODS, DIGITAL_GOODS, DISCOUNT, SHIPPING, FEE, GIFT_CARD, OTHER_PAYMENT"
	}
	q, ok := number(p+"quantity", in.Quantity, true, errs)
	if ok && q < 1 {
		errs[p+"quantity"] = "must be greater than or equal to 0.01"
	}
	l.Quantity = q
	v, ok := number(p+"vatRate", in.VATRate, true, errs)
	if ok && (v < 0 || v > mapi.Units(100)) {
		errs[p+"vatRate"] = "must be between 0 and 100"
	}
	l.VATRate = v
	l.TotalAmountIncludingVAT, _ = number(p+"totalAmountIncludingVat", in.Total, true, errs)
	if u, ok := number(p+"unitAmountIncludingVat", in.UnitAmount, false, errs); ok {
		l.UnitAmountIncludingVAT = &u
	}
	if t, ok := number(p+"totalVatAmount", in.TotalVAT, false, errs); ok {
		l.TotalVATAmount = &t
	}
	return l
}

// number reads a raw JSON number exactly. ok is false when it is absent or
// bad; bad or (when required) absent numbers are recorded in errs.
func number(path string, raw json.RawMessage, required bool, errs map[string]string) (d mapi.Decimal, ok bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		if required {
			errs[path] = "must not be null"
		}
		return 0, false
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			errs[path] = "must be a number"
			return 0, false
		}
	}
	d, err := mapi.ParseDecimal(s)
	switch {
	case err == nil:
		return d, true
	case errors.Is(err, mapi.ErrDecimalPrecision) || errors.Is(err, mapi.ErrDecimalRange):
		errs[path] = outOfBounds
	default:
		errs[path] = "must be a number"
	}
	return 0, false
}

// storePayment builds, stores and schedules the expiry of a valid payment.
func (s *Sim) storePayment(in *createIn, st *store, m *method, o *optionsIn, lines []mapi.OrderLine,
	ref string, total mapi.Decimal, base string) *payment {
	now := s.now()
	id := s.newID()
	if ref == "" {
		ref = "SIM" + strings.ToUpper(strings.ReplaceAll(id, "-", "")[:16])
	}
	ttl := defaultTTL
	if o.TimeToLiveInMinutes != nil {
		ttl = *o.TimeToLiveInMinutes
	}
	p := &payment{
		seq: s.seq.Add(1), store: st, method: m, baseURL: base,
		handleFrozen: isTrue(o.HandleFrozenPayments), handleInspection: isTrue(o.HandleManualInspection),
		autoCapture: isTrue(o.AutomaticCapture) || m.autoCapture,
		expiresAt:   now.Add(time.Duration(ttl) * time.Minute), txIDs: map[string]bool{},
	}
	p.setURLs(o)
	p.pay = mapi.Payment{
		ID: id, Created: mapi.Time{Time: now}, StoreID: st.ID, CountryCode: st.CountryCode,
		Status:        mapi.StatusTaskRedirectionRequired,
		PaymentMethod: &mapi.PaymentMethodRef{ID: m.ID, Name: m.Name, Type: string(m.Type)},
		Customer:      in.Customer, Application: in.Application, Metadata: in.Metadata,
		Order: mapi.Order{OrderReference: ref, TotalOrderAmount: total, ActionLog: []mapi.ActionLog{{
			ActionID: s.newID(), Type: mapi.LogCreate, Created: mapi.Time{Time: now}, OrderLines: lines,
		}}},
		// The simulator's signing page serves the merchant's task too.
		TaskRedirectionURLs: &mapi.TaskRedirectionURLs{CustomerURL: base + "/sign/" + id, MerchantURL: base + "/sign/" + id},
	}
	if p.pay.Customer == nil {
		// Resurs' client requires a customer object in every payment.
		p.pay.Customer = &mapi.Customer{}
	}
	if c := p.pay.Customer; c.CustomerType == "" {
		c.CustomerType = mapi.CustomerNatural
	}
	p.recompute()
	s.insert(p)
	s.changed(p)
	s.expireLater(p)
	return p
}

func (p *payment) setURLs(o *optionsIn) {
	if rd := o.RedirectionURLs; rd != nil && rd.Customer != nil {
		p.successURL, p.failURL = rd.Customer.SuccessURL, rd.Customer.FailURL
	}
	if cb := o.Callbacks; cb != nil {
		if cb.Authorization != nil {
			p.cbAuth = cb.Authorization.URL
		}
		if cb.Management != nil {
			p.cbMgmt = cb.Management.URL
		}
		if cb.CreditApplication != nil {
			p.cbCredit = cb.CreditApplication.URL
		}
	}
}
