package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
)

// Checkouts from a merchant's own system (README.md §Use kassa from your
// own shop): POST /api/checkouts creates an order with the merchant's
// lines and answers the URL of kassa's hosted checkout page for it, where
// the shopper fills in the details and pays. GET /api/checkouts/{id}
// reads the outcome. Both take an API key (or Basic), like the admin API.

// checkoutBody is the JSON of POST /api/checkouts. Amounts are strings
// with at most two decimals, vatRate a percent.
type checkoutBody struct {
	Reference  string             `json:"reference"`
	Lines      []checkoutLineBody `json:"lines"`
	Total      *string            `json:"total"`
	Customer   *kassa.Customer    `json:"customer"`
	SuccessURL string             `json:"successUrl"`
	FailURL    string             `json:"failUrl"`
	Metadata   map[string]string  `json:"metadata"`
}

type checkoutLineBody struct {
	Type        string      `json:"type"`
	SKU         string      `json:"sku"`
	Description string      `json:"description"`
	Quantity    int64       `json:"quantity"`
	UnitPrice   string      `json:"unitPrice"`
	VATRate     json.Number `json:"vatRate"`
}

// checkoutLineTypes maps the API's line types to kassa's.
var checkoutLineTypes = map[string]kassa.LineType{"product": kassa.LineProduct, "digital": kassa.LineDigital,
	"shipping": kassa.LineShipping, "fee": kassa.LineFee, "discount": kassa.LineDiscount}

// apiCheckout is the answer of POST and GET /api/checkouts.
type apiCheckout struct {
	ID         int64             `json:"id"`
	Number     string            `json:"number"`
	Status     string            `json:"status"`
	URL        string            `json:"url"`
	Reference  string            `json:"reference"`
	Total      string            `json:"total"`
	Currency   string            `json:"currency"`
	SuccessURL string            `json:"successUrl"`
	FailURL    string            `json:"failUrl"`
	Metadata   map[string]string `json:"metadata"`
	Order      *apiOrderView     `json:"order,omitempty"`
}

// apiCreateCheckout creates a checkout. With an Idempotency-Key header the
// same key and body get the first answer again.
func (s *Server) apiCreateCheckout(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	return s.idempotent(w, r, true, func(ctx context.Context, body []byte) (int, []byte) {
		o, err := s.createCheckout(ctx, body)
		if err != nil {
			status, answer := errorAnswer(err)
			if status >= 500 {
				s.log.Error("create checkout", "err", err)
			}
			return encodeJSON(status, answer)
		}
		return encodeJSON(http.StatusCreated, s.checkoutView(o, false))
	})
}

// createCheckout decodes body and creates its checkout.
func (s *Server) createCheckout(ctx context.Context, body []byte) (*kassa.Order, error) {
	b, err := decodeTyped[checkoutBody](body)
	if err != nil {
		return nil, err
	}
	req, fields := b.request()
	if len(fields) > 0 {
		return nil, &kassa.Error{Code: kassa.EINVALID, Message: "Please correct the marked fields.", Fields: fields}
	}
	return s.cfg.Engine.CreateCheckout(ctx, req, kassa.SourceAPI)
}

// request parses the body's amounts, rates and types; what the engine
// checks besides (sums, lengths, URLs) it checks.
func (b checkoutBody) request() (checkout.CheckoutRequest, []kassa.FieldError) {
	var fields []kassa.FieldError
	bad := func(field, msg string) { fields = append(fields, kassa.FieldError{Field: field, Message: msg}) }
	req := checkout.CheckoutRequest{Reference: strings.TrimSpace(b.Reference),
		Hosted: kassa.HostedCheckout{SuccessURL: b.SuccessURL, FailURL: b.FailURL, Metadata: b.Metadata}}
	if b.Customer != nil {
		req.Customer = *b.Customer
	}
	if b.Total != nil {
		t, err := kassa.ParseMoney(*b.Total)
		if err != nil {
			bad("total", "An amount with at most two decimals, e.g. \"1299.00\".")
		}
		req.Total = &t
	}
	for i, l := range b.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		typ, ok := checkoutLineTypes[l.Type]
		if !ok {
			bad(p+"type", "Must be product, digital, shipping, fee or discount.")
		}
		price, err := kassa.ParseMoney(l.UnitPrice)
		if err != nil {
			bad(p+"unitPrice", "An amount with at most two decimals, e.g. \"299.00\".")
		}
		rate, err := kassa.ParseMoney(string(l.VATRate))
		if err != nil {
			bad(p+"vatRate", "A percent with at most two decimals, e.g. 25.")
		}
		req.Lines = append(req.Lines, checkout.CheckoutLine{Type: typ, SKU: l.SKU, Description: l.Description,
			Quantity: l.Quantity, UnitPrice: price, VATRate: int64(rate)})
	}
	return req, fields
}

// checkoutView is the API's view of a hosted checkout's order.
func (s *Server) checkoutView(o *kassa.Order, withOrder bool) apiCheckout {
	v := apiCheckout{ID: o.ID, Number: o.Number, Status: string(o.Status), URL: s.cfg.BaseURL + hostedPath(o),
		Reference: o.Reference, Total: o.Total.String(), Currency: o.Currency, Metadata: map[string]string{}}
	if o.Hosted != nil {
		v.SuccessURL, v.FailURL = o.Hosted.SuccessURL, o.Hosted.FailURL
		for k, m := range o.Hosted.Metadata {
			v.Metadata[k] = m
		}
	}
	if withOrder {
		ov := toAPIOrder(o, nil, true)
		v.Order = &ov
	}
	return v
}

// hostedPath is the shopper's checkout page of hosted order o.
func hostedPath(o *kassa.Order) string {
	return "/checkout/hosted/" + strconv.FormatInt(o.ID, 10) + "?key=" + url.QueryEscape(o.Key)
}

// apiGetCheckout reads a checkout: its status, and the order.
func (s *Server) apiGetCheckout(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := s.cfg.Store.Order(r.Context(), id)
	if err != nil {
		return err
	}
	if o.Hosted == nil {
		return kassa.Errorf(kassa.ENOTFOUND, "Order %d is no checkout created through the API.", id)
	}
	writeJSON(w, http.StatusOK, s.checkoutView(o, true))
	return nil
}

// handleHosted shows the hosted checkout page of an order: the storefront's
// checkout form, for exactly the merchant's lines. A checkout paid or
// closed already sends the shopper to the order's outcome page.
func (s *Server) handleHosted(w http.ResponseWriter, r *http.Request) error {
	o, err := s.hostedOrder(r)
	if err != nil {
		return err
	}
	if !o.AwaitingShopper() {
		http.Redirect(w, r, checkout.ReturnPath(o), http.StatusSeeOther)
		return nil
	}
	p := &checkoutPage{Req: kassa.OrderRequest{Customer: o.Customer}, Errors: map[string]string{}}
	if p.Req.Customer.Type == "" {
		p.Req.Customer.Type = kassa.CustomerNatural
	}
	if p.Req.Customer.Address.CountryCode == "" {
		p.Req.Customer.Address.CountryCode = "SE"
	}
	if t := kassa.CustomerType(r.URL.Query().Get("type")); t == kassa.CustomerLegal || t == kassa.CustomerNatural {
		p.Req.Customer.Type = t
	}
	return s.renderHosted(w, r, o, p, http.StatusOK)
}

// hostedOrder reads the order of a hosted checkout request; a wrong key is
// the same 404 as no order.
func (s *Server) hostedOrder(r *http.Request) (*kassa.Order, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	key := r.URL.Query().Get("key")
	if key == "" {
		key = r.PostFormValue("key")
	}
	o, err := s.cfg.Engine.HostedOrder(r.Context(), id, key)
	if err != nil {
		return nil, hideExistence(err)
	}
	return o, nil
}

// renderHosted renders the checkout form p for hosted order o.
func (s *Server) renderHosted(w http.ResponseWriter, r *http.Request, o *kassa.Order, p *checkoutPage, status int) error {
	p.Hosted, p.Action = true, hostedPath(o)
	p.Cart = &cartPage{Total: o.Total, VATTotal: o.VATTotal}
	for _, l := range o.Lines {
		p.Cart.Lines = append(p.Cart.Lines, cartLine{Line: l, Product: l.Type == kassa.LineProduct || l.Type == kassa.LineDigital})
	}
	var err error
	p.Methods, err = s.cfg.Engine.PaymentMethods(r.Context(), o.Total, p.Req.Customer.Type)
	if err != nil {
		s.log.Warn("payment methods", "err", err)
		p.MethodsE = kassa.ErrorMessage(err)
	}
	p.Offers = s.methodOffers(r.Context(), p.Methods, o.Total)
	p.Offer = s.partPayment(r.Context(), o.Total)
	s.render(w, r, status, "checkout", p)
	return nil
}

// handleHostedPost handles the hosted checkout form's buttons as the
// storefront's: purchase, fetch my address, update (customer type
// changed). Without a cart session to keep the form in, the form is
// rendered again in the answer rather than redirected to; a purchase
// redirects to Resurs' signing page.
func (s *Server) handleHostedPost(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return invalid("body", s.lang(r).T("error.form_unreadable"))
	}
	o, err := s.hostedOrder(r)
	if err != nil {
		return err
	}
	p := &checkoutPage{Req: orderFromForm(r), Errors: map[string]string{}}
	status := http.StatusOK
	switch r.PostFormValue("action") {
	case "purchase":
		p.Accepted = r.PostFormValue("terms") != ""
		if !p.Accepted {
			p.Errors["terms"] = s.lang(r).T("checkout.terms_required")
			return s.renderHosted(w, r, o, p, http.StatusUnprocessableEntity)
		}
		return s.payHosted(w, r, o, p)
	case "address":
		status = s.fetchAddress(w, r, p)
	}
	return s.renderHosted(w, r, o, p, status)
}

// payHosted places the shopper's purchase and sends them to Resurs.
func (s *Server) payHosted(w http.ResponseWriter, r *http.Request, o *kassa.Order, p *checkoutPage) error {
	req := p.Req
	req.ClientIP, req.UserAgent = s.clientIP(r), truncate(r.UserAgent(), 200)
	placed, redirect, err := s.cfg.Engine.PayCheckout(r.Context(), o.ID, o.Key, req)
	switch {
	case err == nil:
		http.Redirect(w, r, redirect, http.StatusSeeOther)
		return nil
	case kassa.ErrorCode(err) == kassa.ECONFLICT && placed != nil:
		http.Redirect(w, r, checkout.ReturnPath(placed), http.StatusSeeOther)
		return nil
	case placed != nil && placed.Status != kassa.StatusPending:
		// The payment was refused or Resurs could not be reached: the
		// order is closed; its fail page says why and sends the shopper on.
		http.Redirect(w, r, checkout.FailPath(placed), http.StatusSeeOther)
		return nil
	case kassa.ErrorCode(err) == kassa.EINTERNAL:
		return err
	}
	setFailure(s.lang(r), p, err)
	return s.renderHosted(w, r, o, p, errorStatus(err))
}

// continueURL is where the outcome page of hosted order o sends the
// shopper: the merchant's successUrl, or its failUrl when fail, with the
// order id and the merchant's reference added.
func continueURL(o *kassa.Order, fail bool) string {
	raw := o.Hosted.SuccessURL
	if fail {
		raw = o.Hosted.FailURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("orderId", strconv.FormatInt(o.ID, 10))
	q.Set("reference", o.Reference)
	u.RawQuery = q.Encode()
	return u.String()
}
