package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/idnum"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

type productView struct {
	kassa.Product
	Monthly *monthly
	InCart  int64
}

type catalogPage struct {
	Products []productView
}

func (*catalogPage) title(l *locale.Lang) string { return l.T("nav.products") }

func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) error {
	products, err := s.cfg.Store.Products(r.Context())
	if err != nil {
		return err
	}
	c := s.cart(r)
	t := s.terms.get(r.Context(), s.cfg.Store, s.log)
	p := &catalogPage{}
	for _, pr := range products {
		if pr.Inactive {
			continue
		}
		p.Products = append(p.Products, productView{Product: pr, Monthly: s.prices.from(r.Context(), pr.Price, t),
			InCart: c.quantity(pr.SKU)})
	}
	s.render(w, r, http.StatusOK, "catalog", p)
	return nil
}

type productPage struct {
	productView
	Offer *partOffer // the part-payment line with Resurs' price signage (legal.go)
	Error string
}

func (p *productPage) title(*locale.Lang) string { return p.Name }

func (s *Server) handleProduct(w http.ResponseWriter, r *http.Request) error {
	return s.renderProduct(w, r, r.PathValue("sku"), http.StatusOK, "")
}

func (s *Server) renderProduct(w http.ResponseWriter, r *http.Request, sku string, status int, msg string) error {
	pr, err := s.cfg.Store.Product(r.Context(), sku)
	if err != nil {
		return err
	}
	if pr.Inactive {
		return locale.Error(kassa.ENOTFOUND, "field.product_off_sale")
	}
	c := s.cart(r)
	s.render(w, r, status, "product", &productPage{productView: productView{Product: pr, InCart: c.quantity(pr.SKU)},
		Offer: s.partPayment(r.Context(), pr.Price), Error: msg})
	return nil
}

type cartLine struct {
	kassa.Line
	Product bool // a product line: quantity can be changed
}

// Label is the message id naming a line that is not a product: shipping,
// discount or fee.
func (l cartLine) Label() string {
	switch l.Type {
	case kassa.LineDiscount:
		return "cart.discount"
	case kassa.LineFee:
		return "cart.fee"
	}
	return "cart.shipping"
}

type cartPage struct {
	Lines    []cartLine
	Total    kassa.Money
	VATTotal kassa.Money
	Error    string
	Unpriced bool          // the engine could not price the cart (see Error)
	Shipping *freeShipping // the free-shipping line (legal.go); nil when never free
	// The discount code and the shipping choice (kept in the checkout
	// state): the code applied ("" none), why a code given was not
	// applied, the shop's options and the one chosen.
	Code      string
	CodeError string
	Options   []checkout.ShippingOption
	Chosen    string
}

// cartChoice is what the shopper chose beyond the products: a discount
// code, a shipping option, and at checkout a payment method (its fee).
type cartChoice struct{ Code, Shipping, Method string }

func (*cartPage) title(l *locale.Lang) string { return l.T("nav.cart") }

func (s *Server) handleCart(w http.ResponseWriter, r *http.Request) error {
	st, err := s.forms.load(r.Context(), r)
	if err != nil {
		return err
	}
	p, err := s.quoteCart(r.Context(), s.lang(r), s.cart(r), cartChoice{Code: st.Discount, Shipping: st.Shipping})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "cart", p)
	return nil
}

// quoteCart prices the cart through the engine, with the discount code,
// shipping option and payment method of ch. Input problems (a product
// gone or short of stock) become a message in l on the page, not an
// error page; a code that does not apply (any longer) is said next to
// the code field and the cart is priced without it.
func (s *Server) quoteCart(ctx context.Context, l *locale.Lang, c cart, ch cartChoice) (*cartPage, error) {
	p := &cartPage{}
	if len(c.Lines) == 0 {
		return p, nil
	}
	pricing, err := s.cfg.Engine.Pricing(ctx)
	if err != nil {
		return nil, err
	}
	p.Options = pricing.ShippingOptions
	if !slices.ContainsFunc(p.Options, func(o checkout.ShippingOption) bool { return o.ID == ch.Shipping }) {
		ch.Shipping = ""
	}
	if p.Chosen = ch.Shipping; p.Chosen == "" && len(p.Options) > 0 {
		p.Chosen = p.Options[0].ID
	}
	req := kassa.OrderRequest{Lines: c.Lines, DiscountCode: ch.Code, ShippingOption: ch.Shipping, PaymentMethodID: ch.Method}
	lines, total, err := s.cfg.Engine.QuoteOrder(ctx, req)
	if msg := codeProblem(l, err); msg != "" {
		p.CodeError, req.DiscountCode = msg, ""
		lines, total, err = s.cfg.Engine.QuoteOrder(ctx, req)
	}
	p.Code = req.DiscountCode
	switch kassa.ErrorCode(err) {
	case "":
	case kassa.EINVALID, kassa.ENOTFOUND, kassa.ECONFLICT:
		// Show the lines unpriced so the customer can change them.
		p.Error, p.Unpriced = quoteMessage(l, err), true
		for _, cl := range c.Lines {
			p.Lines = append(p.Lines, cartLine{Line: kassa.Line{SKU: cl.SKU, Description: s.productName(ctx, cl.SKU),
				Quantity: cl.Quantity}, Product: true})
		}
		return p, nil
	default:
		return nil, err
	}
	p.Total = total
	goods := total
	for _, line := range lines {
		p.VATTotal += line.VATAmount
		p.Lines = append(p.Lines, cartLine{Line: line, Product: line.SKU != "" && line.Type != kassa.LineShipping})
		if line.Type == kassa.LineShipping || line.Type == kassa.LineFee {
			goods -= line.Total
		}
	}
	p.Shipping = freeShippingFor(pricing.FreeShippingFrom, goods)
	p.Error, err = s.stockProblem(ctx, l, c)
	return p, err
}

// stockProblem says which cart line asks for more than is in stock now
// (stock is reserved only when the order is placed).
func (s *Server) stockProblem(ctx context.Context, lang *locale.Lang, c cart) (string, error) {
	products, err := s.cfg.Store.Products(ctx)
	if err != nil {
		return "", err
	}
	for _, l := range c.Lines {
		for _, p := range products {
			if p.SKU == l.SKU && l.Quantity > p.Stock {
				return stockMessage(lang, p) + " " + lang.T("cart.change_quantity"), nil
			}
		}
	}
	return "", nil
}

func (s *Server) productName(ctx context.Context, sku string) string {
	if p, err := s.cfg.Store.ProductTerms(ctx, sku); err == nil {
		return p.Name
	}
	return sku
}

// codeProblem is what err says of the discount code, in l; "" when it
// names no problem with it.
func codeProblem(l *locale.Lang, err error) string {
	if e, ok := err.(*kassa.Error); ok && e.Code == kassa.EINVALID {
		for _, f := range e.Fields {
			if f.Field == "discountCode" {
				return l.Field(f)
			}
		}
	}
	return ""
}

func quoteMessage(l *locale.Lang, err error) string {
	var parts []string
	if e, ok := err.(*kassa.Error); ok {
		for _, f := range e.Fields {
			parts = append(parts, l.Field(f))
		}
	}
	if len(parts) == 0 {
		return l.Message(err)
	}
	return strings.Join(parts, " ")
}

// handleCartAdd adds quantity (default 1) of a product to the cart.
func (s *Server) handleCartAdd(w http.ResponseWriter, r *http.Request) error {
	sku := r.PostFormValue("sku")
	qty, ok := formQuantity(r.PostFormValue("quantity"), 1)
	if !ok || qty < 1 {
		return s.renderProduct(w, r, sku, http.StatusUnprocessableEntity, s.lang(r).T("cart.quantity_range", "Min", 1, "Max", maxQuantity))
	}
	c := s.cart(r)
	return s.setQuantity(w, r, c, sku, c.quantity(sku)+qty)
}

// handleCartUpdate sets a line's quantity; 0 removes it.
func (s *Server) handleCartUpdate(w http.ResponseWriter, r *http.Request) error {
	qty, ok := formQuantity(r.PostFormValue("quantity"), -1)
	if !ok {
		return s.cartError(w, r, s.lang(r).T("cart.quantity_range", "Min", 0, "Max", maxQuantity))
	}
	return s.setQuantity(w, r, s.cart(r), r.PathValue("sku"), qty)
}

func (s *Server) handleCartRemove(w http.ResponseWriter, r *http.Request) error {
	c := s.cart(r)
	c.set(r.PathValue("sku"), 0)
	s.saveCart(w, c)
	http.Redirect(w, r, "/cart", http.StatusSeeOther)
	return nil
}

// setQuantity checks the product and its stock, saves the cart and
// redirects to it.
func (s *Server) setQuantity(w http.ResponseWriter, r *http.Request, c cart, sku string, qty int64) error {
	pr, err := s.cfg.Store.Product(r.Context(), sku)
	if err != nil {
		return err
	}
	l := s.lang(r)
	switch {
	case qty > 0 && pr.Inactive:
		return s.cartError(w, r, l.T("cart.no_longer_sold", "Name", pr.Name))
	case qty > maxQuantity:
		return s.cartError(w, r, l.T("cart.max_quantity", "Max", maxQuantity))
	case qty > pr.Stock:
		return s.renderProduct(w, r, sku, http.StatusConflict, stockMessage(l, pr))
	case qty > 0 && c.quantity(sku) == 0 && len(c.Lines) >= maxCartLines:
		return s.cartError(w, r, l.T("cart.full"))
	}
	c.set(sku, qty)
	s.saveCart(w, c)
	http.Redirect(w, r, "/cart", http.StatusSeeOther)
	return nil
}

func stockMessage(l *locale.Lang, p kassa.Product) string {
	if p.Stock <= 0 {
		return l.T("cart.out_of_stock", "Product", p.Name)
	}
	return l.N("cart.only_left", p.Stock, "Product", p.Name)
}

func (s *Server) cartError(w http.ResponseWriter, r *http.Request, msg string) error {
	st, err := s.forms.load(r.Context(), r)
	if err != nil {
		return err
	}
	p, err := s.quoteCart(r.Context(), s.lang(r), s.cart(r), cartChoice{Code: st.Discount, Shipping: st.Shipping})
	if err != nil {
		return err
	}
	p.Error = msg
	s.render(w, r, http.StatusUnprocessableEntity, "cart", p)
	return nil
}

// formQuantity parses a quantity 0–99; empty gives def (ok only if def ≥ 0).
func formQuantity(v string, def int64) (int64, bool) {
	if strings.TrimSpace(v) == "" {
		return def, def >= 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 || n > maxQuantity {
		return 0, false
	}
	return n, true
}

// checkoutPage is the checkout form with what it needs to show.
type checkoutPage struct {
	Req      kassa.OrderRequest
	Errors   map[string]string
	Message  string
	Notice   string
	Token    string // the form's one-time purchase token (checkoutstate.go)
	Cart     *cartPage
	Methods  []mapi.PaymentMethod
	MethodsE string
	Accepted bool                  // the "I accept the terms" box is ticked
	Offers   map[string]*partOffer // part-payment lines by method id (legal.go)
	Offer    *partOffer            // the shop's part-payment line for the total
	// Hosted says the form is a hosted checkout's (checkouts.go): it posts
	// to Action, with the order's key, and has no cart to change.
	Hosted bool
	Action string
	Fees   map[string]checkout.PaymentFee // the payment methods' fees
}

// MethodFee returns the fee of method id, or nil, for the template.
func (p *checkoutPage) MethodFee(id string) *checkout.PaymentFee {
	if f, ok := p.Fees[id]; ok && !p.Hosted {
		return &f
	}
	return nil
}

// FormAction is where the form posts.
func (p *checkoutPage) FormAction() string {
	if p.Action != "" {
		return p.Action
	}
	return "/checkout"
}

func (*checkoutPage) title(l *locale.Lang) string { return l.T("checkout.title") }

// Err returns the error message of a field, for the template.
func (p *checkoutPage) Err(field string) string { return p.Errors[field] }

// MethodOffer returns the part-payment line of method id, for the template.
func (p *checkoutPage) MethodOffer(id string) *partOffer { return p.Offers[id] }

// Legal reports whether the customer is a company.
func (p *checkoutPage) Legal() bool { return p.Req.Customer.Type == kassa.CustomerLegal }

// handleCheckout shows the checkout form, filled in with what the shopper
// typed before (the checkout state) and the messages of the POST that
// redirected here.
func (s *Server) handleCheckout(w http.ResponseWriter, r *http.Request) error {
	c := s.cart(r)
	if len(c.Lines) == 0 {
		http.Redirect(w, r, "/cart", http.StatusSeeOther)
		return nil
	}
	st, err := s.forms.load(r.Context(), r)
	if err != nil {
		return err
	}
	p := &checkoutPage{}
	st.show(p)
	if p.Req.Customer.Type == "" {
		p.Req.Customer = kassa.Customer{Type: kassa.CustomerNatural, Address: kassa.Address{CountryCode: s.country()}}
	}
	if t := kassa.CustomerType(r.URL.Query().Get("type")); t == kassa.CustomerLegal || t == kassa.CustomerNatural {
		p.Req.Customer.Type = t
	}
	s.ensureBrowserID(w, r)
	if err := s.saveCheckout(r.Context(), w, st); err != nil { // the token, the messages shown
		return err
	}
	return s.renderForm(w, r, c, st, p, http.StatusOK)
}

// renderForm renders the checkout form p with st's token.
func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, c cart, st *checkoutState, p *checkoutPage, status int) error {
	p.Token = st.Token
	return s.renderCheckout(w, r, c, p, status)
}

// renderCheckout fills in the cart and the payment methods and renders.
func (s *Server) renderCheckout(w http.ResponseWriter, r *http.Request, c cart, p *checkoutPage, status int) error {
	l := s.lang(r)
	cp, err := s.quoteCart(r.Context(), l, c, cartChoice{Code: p.Req.DiscountCode, Shipping: p.Req.ShippingOption,
		Method: p.Req.PaymentMethodID})
	if err != nil {
		return err
	}
	p.Cart = cp
	if pricing, err := s.cfg.Engine.Pricing(r.Context()); err == nil {
		p.Fees = pricing.PaymentFees
	}
	if cp.Error == "" && cp.Total > 0 {
		p.Methods, err = s.cfg.Engine.PaymentMethods(r.Context(), cp.Total, p.Req.Customer.Type)
		if err != nil {
			s.log.Warn("payment methods", "err", err)
			p.MethodsE = l.Message(err)
		}
		p.Offers = s.methodOffers(r.Context(), p.Methods, cp.Total)
		p.Offer = s.partPayment(r.Context(), cp.Total)
	}
	s.render(w, r, status, "checkout", p)
	return nil
}

// handleCheckoutPost handles the checkout form's buttons: purchase, fetch
// my address, change the cart and update (customer type changed). All but
// purchase keep the form in the checkout state and redirect
// (post-redirect-get), so Back never asks to send the form again.
func (s *Server) handleCheckoutPost(w http.ResponseWriter, r *http.Request) error {
	c := s.cart(r)
	if len(c.Lines) == 0 {
		http.Redirect(w, r, "/cart", http.StatusSeeOther)
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return invalid("body", s.lang(r).T("error.form_unreadable"))
	}
	st, err := s.forms.load(r.Context(), r)
	if err != nil {
		return err
	}
	p := &checkoutPage{Req: orderFromForm(r), Errors: map[string]string{}}
	p.Req.DiscountCode = st.Discount // applied in the cart
	if p.Req.ShippingOption == "" {
		p.Req.ShippingOption = st.Shipping
	}
	s.ensureBrowserID(w, r)
	next := "/checkout"
	switch r.PostFormValue("action") {
	case "purchase":
		p.Req.Lines, p.Accepted = c.Lines, r.PostFormValue("terms") != ""
		if !p.Accepted {
			// Refused before anything is placed; the form keeps what was typed.
			p.Errors["terms"] = s.lang(r).T("checkout.terms_required")
			st.keep(&checkoutPage{Req: p.Req})
			if err := s.saveCheckout(r.Context(), w, st); err != nil {
				return err
			}
			return s.renderForm(w, r, c, st, p, http.StatusUnprocessableEntity)
		}
		return s.purchase(w, r, c, st, p)
	case "address":
		if status := s.fetchAddress(w, r, p); status != http.StatusOK {
			// Refused before the lookup: the answer says when to try again.
			st.keep(&checkoutPage{Req: p.Req})
			if err := s.saveCheckout(r.Context(), w, st); err != nil {
				return err
			}
			return s.renderForm(w, r, c, st, p, status)
		}
	case "cart":
		next = "/cart"
	}
	st.keep(p)
	if err := s.saveCheckout(r.Context(), w, st); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// setFailure puts the engine's answer on the form in l: field errors
// next to the fields, anything else as a message on top.
func setFailure(l *locale.Lang, p *checkoutPage, err error) {
	p.Message = l.Message(err)
	if e, ok := err.(*kassa.Error); ok {
		for _, f := range e.Fields {
			p.Errors[f.Field] = l.Field(f)
		}
	}
}

// checkoutFailed renders the form of a failed purchase (setFailure put
// the reasons on it); an internal error is an error page.
func (s *Server) checkoutFailed(w http.ResponseWriter, r *http.Request, c cart, st *checkoutState, p *checkoutPage, err error) error {
	if kassa.ErrorCode(err) == kassa.EINTERNAL {
		return err
	}
	return s.renderForm(w, r, c, st, p, errorStatus(err))
}

// fetchAddress fills the address from Resurs' getAddress for the given
// government id, within the client's limit on lookups; problems become a
// field error. A number that is not valid never reaches Resurs and does
// not count against the limit. It returns the status of the page.
func (s *Server) fetchAddress(w http.ResponseWriter, r *http.Request, p *checkoutPage) int {
	l := s.lang(r)
	if strings.TrimSpace(p.Req.Customer.GovernmentID) == "" {
		p.Errors["customer.governmentId"] = l.T("address.no_number")
		return http.StatusOK
	}
	gid, problem := lookupGovID(p.Req.Customer, s.country(), s.now())
	if problem != "" {
		p.Errors["customer.governmentId"] = l.T(problem)
		return http.StatusUnprocessableEntity
	}
	wait, err := s.lookups.allow(r.Context(), s.now(), s.clientKeys(r))
	if err != nil {
		s.log.Error("address lookup limits unreadable; refusing the lookup", "err", err)
		p.Errors["customer.governmentId"] = l.T("address.unavailable")
		return http.StatusServiceUnavailable
	}
	if wait > 0 {
		msg, retry := s.lookups.lookupRefusal(l, wait)
		p.Errors["customer.governmentId"] = msg
		w.Header().Set("Retry-After", retry)
		return http.StatusTooManyRequests
	}
	return s.lookupAddress(r, p, gid)
}

// lookupGovID returns the customer's government id in the form sent to
// Resurs, or the catalog's id of a message saying what is wrong with it.
// The country is the address's (the store's when the form has none).
func lookupGovID(c kassa.Customer, store string, today time.Time) (gid, problem string) {
	country := strings.ToUpper(strings.TrimSpace(c.Address.CountryCode))
	if country == "" {
		country = store
	}
	parse, kind := idnum.ForPerson, idnum.Person
	if c.Type == kassa.CustomerLegal {
		parse, kind = idnum.ForCompany, idnum.Organisation
	}
	n, err := parse(country, c.GovernmentID, today)
	if err != nil {
		return "", idnum.MessageID(err, country, kind)
	}
	return n.String(), ""
}

// lookupAddress fills the address from Resurs' getAddress for gid. It
// tells "Resurs has no address for it" from "Resurs cannot be reached"
// and returns the status of the page.
func (s *Server) lookupAddress(r *http.Request, p *checkoutPage, gid string) int {
	ctx, cancel := context.WithTimeout(r.Context(), s.bankTimeout())
	defer cancel()
	a, err := s.cfg.Bank.GetAddress(ctx, mapi.GetAddressRequest{StoreID: s.cfg.StoreID, CustomerIP: s.clientIP(r),
		GovernmentID: gid, CustomerType: mapi.CustomerType(p.Req.Customer.Type)})
	if err != nil {
		s.log.Info("get address failed", "err", err)
		if checkout.BankUnavailable(err) {
			p.Errors["customer.governmentId"] = s.lang(r).T("address.unavailable")
			return http.StatusServiceUnavailable
		}
		p.Errors["customer.governmentId"] = s.lang(r).T("address.not_found")
		return http.StatusOK
	}
	addr := &p.Req.Customer.Address
	if p.Legal() {
		addr.CompanyName = firstNonEmpty(a.FullName, addr.CompanyName)
	} else {
		addr.FirstName, addr.LastName = firstNonEmpty(a.FirstName, addr.FirstName), firstNonEmpty(a.LastName, addr.LastName)
	}
	addr.AddressRow1, addr.AddressRow2 = a.AddressRow1, a.AddressRow2
	addr.PostalCode, addr.PostalArea = a.PostalCode, a.PostalArea
	addr.CountryCode = firstNonEmpty(a.CountryCode, addr.CountryCode)
	p.Notice = s.lang(r).T("address.filled")
	return http.StatusOK
}

func (s *Server) bankTimeout() time.Duration { return 5 * time.Second }

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// orderFromForm reads the checkout form; field names are the JSON paths
// the engine reports errors on (customer.address.postalCode, …).
func orderFromForm(r *http.Request) kassa.OrderRequest {
	f := func(name string, max int) string { return truncate(strings.TrimSpace(r.PostFormValue(name)), max) }
	ct := kassa.CustomerType(f("customer.type", 10))
	if ct != kassa.CustomerLegal {
		ct = kassa.CustomerNatural
	}
	return kassa.OrderRequest{
		PaymentMethodID: f("paymentMethodId", 100),
		ShippingOption:  f("shippingOption", 40),
		Customer: kassa.Customer{
			Type: ct, GovernmentID: f("customer.governmentId", 30),
			Email: f("customer.email", 200), Phone: f("customer.phone", 50),
			Address: kassa.Address{
				FirstName: f("customer.address.firstName", 200), LastName: f("customer.address.lastName", 200),
				CompanyName: f("customer.address.companyName", 200),
				AddressRow1: f("customer.address.addressRow1", 200), AddressRow2: f("customer.address.addressRow2", 200),
				PostalCode: f("customer.address.postalCode", 20), PostalArea: f("customer.address.postalArea", 100),
				CountryCode: f("customer.address.countryCode", 2),
			},
		},
	}
}

// outcomePage is the thank-you or fail page of an order: what it says
// follows the order's status, the URL the shopper came back to and the
// payment method's type. Its words are in thankyou.html and fail.html.
type outcomePage struct {
	Order *kassa.Order
	Paid  bool // processing or completed
	Open  bool // awaiting Resurs' decision (on hold, or pending on the return URL)
	Fail  bool // not paid, or closed: the fail page
	// Of the fail page, at most one: the payment can still be signed
	// (pending on the fail URL; cart kept, Retry is its signing page when
	// known), the shop refunded the order, or the shop cancelled it after
	// Resurs had accepted it.
	Unsigned, Refunded, ShopCancelled bool
	Retry                             string
	// Of the thank-you page: the method's name, and whether it is paid
	// later, to Resurs Bank (invoice, part payment, credit), or paid now
	// (card, Swish, …); neither when its type is unknown.
	Method            string
	PayLater, PaidNow bool
	Mail              bool // the shop e-mails its customers (Config.MailConfigured)
	// Continue is where a hosted checkout's outcome sends the shopper on:
	// the merchant's successUrl or failUrl (checkouts.go); "" otherwise.
	Continue string
	// What the thank-you page shows, put together here rather than in
	// its template: html/template runs every action through an escaper
	// called by reflection, and this page ends every checkout (kassa
	// bench; BenchmarkThankYouPage).
	ShipTo     string // "First Last, Street 1, 12345 Town"
	Lines      []outcomeLine
	VAT, Total string
}

// outcomeLine is an order line as the thank-you page lists it.
type outcomeLine struct {
	Text  string // "2 × Coffee"
	Total string
}

func (p *outcomePage) title(l *locale.Lang) string {
	switch {
	case p.Refunded:
		return l.T("fail.refunded.title")
	case p.ShopCancelled:
		return l.T("fail.cancelled.title")
	case p.Fail:
		return l.T("fail.title")
	}
	return l.T("thanks.title")
}

// newOutcome is the page in l of o reached by the return URL, or by the
// fail URL when fail is set.
func newOutcome(l *locale.Lang, o *kassa.Order, fail bool) *outcomePage {
	st := o.Status
	p := &outcomePage{Order: o,
		Paid:          st == kassa.StatusProcessing || st == kassa.StatusCompleted,
		Unsigned:      fail && st == kassa.StatusPending,
		Refunded:      st == kassa.StatusRefunded,
		ShopCancelled: st == kassa.StatusCancelled && (o.Canceled > 0 || o.Captured > 0 || o.Authorized > 0)}
	p.Open = st.Open() && !p.Unsigned
	p.Fail = !p.Paid && !p.Open
	if p.Fail {
		return p
	}
	a := o.Customer.Address
	p.ShipTo = a.FirstName + " " + a.LastName + ", " + a.AddressRow1 + ", " + a.PostalCode + " " + a.PostalArea
	p.Lines = make([]outcomeLine, len(o.Lines))
	for i, line := range o.Lines {
		text := line.Description // a discount, shipping or fee line: its name says it
		if line.Type == kassa.LineProduct || line.Type == kassa.LineDigital {
			text = strconv.FormatInt(line.Quantity, 10) + " × " + line.Description
		}
		p.Lines[i] = outcomeLine{Text: text, Total: l.Money(line.Total, o.Currency)}
	}
	p.VAT, p.Total = l.Money(o.VATTotal, o.Currency), l.Money(o.Total, o.Currency)
	return p
}

// payLater are the method types paid afterwards to Resurs Bank.
var payLater = map[mapi.PaymentMethodType]bool{
	mapi.MethodResursInvoice: true, mapi.MethodResursPartPayment: true, mapi.MethodResursRevolvingCredit: true,
	mapi.MethodResursNewRevolvingCredit: true, mapi.MethodResursZero: true, mapi.MethodResursInvoiceAccount: true,
}

// paidNow are the method types that move the money at once.
var paidNow = map[mapi.PaymentMethodType]bool{
	mapi.MethodResursCard: true, mapi.MethodResursNewCard: true, mapi.MethodCard: true, mapi.MethodDebitCard: true,
	mapi.MethodCreditCard: true, mapi.MethodSwish: true, mapi.MethodInternet: true, mapi.MethodPayPal: true,
	mapi.MethodMasterpass: true,
}

// setMethod names the order's payment method on the thank-you page; a
// method Resurs no longer lists (or that cannot be read) stays unnamed.
func (s *Server) setMethod(ctx context.Context, p *outcomePage) {
	o := p.Order
	methods, err := s.cfg.Engine.PaymentMethods(ctx, o.Total, o.Customer.Type)
	if err != nil {
		s.log.Warn("payment methods for the thank-you page", "err", err)
		return
	}
	for _, m := range methods {
		if m.ID == o.PaymentMethodID {
			p.Method, p.PayLater, p.PaidNow = m.Name, payLater[m.Type], paidNow[m.Type]
			return
		}
	}
}

// retryURL is the signing page of o's unsigned payment: the one the
// checkout state remembers, else the payment's as Resurs tells it; ""
// when neither is known.
func (s *Server) retryURL(ctx context.Context, r *http.Request, o *kassa.Order) string {
	if st, err := s.forms.load(ctx, r); err == nil && st.Placed != nil && st.Placed.ID == o.ID {
		return st.Placed.Redirect
	}
	if o.PaymentID == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, s.bankTimeout())
	defer cancel()
	pay, err := s.cfg.Bank.GetPayment(ctx, o.PaymentID)
	if err != nil || pay.TaskRedirectionURLs == nil {
		return ""
	}
	return pay.TaskRedirectionURLs.CustomerURL
}

// handleReturn is the success URL: the engine reads the payment from
// Resurs; the page tells the real status. The cart is emptied only when
// the order is paid or awaiting Resurs' decision.
func (s *Server) handleReturn(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := s.cfg.Engine.Return(r.Context(), id, r.URL.Query().Get("key"))
	if err != nil {
		return hideExistence(err)
	}
	return s.renderOutcome(w, r, newOutcome(s.lang(r), o, false))
}

// handleFail is the fail URL. An order Resurs accepted gets the thank-you
// page; a payment that can still be signed is offered again; otherwise
// the reason, with the cart kept.
func (s *Server) handleFail(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := s.cfg.Engine.Fail(r.Context(), id, r.URL.Query().Get("key"))
	if err != nil {
		return hideExistence(err)
	}
	p := newOutcome(s.lang(r), o, true)
	if p.Unsigned {
		p.Retry = s.retryURL(r.Context(), r, o)
	}
	return s.renderOutcome(w, r, p)
}

func (s *Server) renderOutcome(w http.ResponseWriter, r *http.Request, p *outcomePage) error {
	if p.Order.Hosted != nil && !p.Order.AwaitingShopper() {
		p.Continue = continueURL(p.Order, p.Fail)
	}
	if p.emptyCart() {
		if _, err := r.Cookie(cartCookie); err == nil {
			s.saveCart(w, cart{})
		}
		s.forgetCheckout(r.Context(), w, r)
	}
	page := "thankyou"
	if p.Fail {
		page = "fail"
	} else {
		s.setMethod(r.Context(), p)
		p.Mail = s.cfg.MailConfigured
	}
	s.render(w, r, http.StatusOK, page, p)
	return nil
}

// refresh sends the shopper of a hosted checkout on to the merchant's
// shop, unless the payment can still be signed here.
func (p *outcomePage) refresh() string {
	if p.Unsigned {
		return ""
	}
	return p.Continue
}

// emptyCart tells the layout that this answer emptied the cart.
func (p *outcomePage) emptyCart() bool { return p.Paid || p.Open }

// handleCartDiscount applies the discount code of the form to the cart
// (kept in the checkout state), or removes it (action=remove). A code
// that does not apply is said next to the field, and nothing changes.
func (s *Server) handleCartDiscount(w http.ResponseWriter, r *http.Request) error {
	st, err := s.forms.load(r.Context(), r)
	if err != nil {
		return err
	}
	code := truncate(strings.TrimSpace(r.PostFormValue("code")), 40)
	if r.PostFormValue("action") == "remove" {
		code = ""
	}
	if code != "" {
		_, _, err := s.cfg.Engine.QuoteOrder(r.Context(), kassa.OrderRequest{Lines: s.cart(r).Lines, DiscountCode: code,
			ShippingOption: st.Shipping})
		if msg := codeProblem(s.lang(r), err); msg != "" {
			p, err := s.quoteCart(r.Context(), s.lang(r), s.cart(r), cartChoice{Code: st.Discount, Shipping: st.Shipping})
			if err != nil {
				return err
			}
			p.CodeError = msg
			s.render(w, r, http.StatusUnprocessableEntity, "cart", p)
			return nil
		}
	}
	st.Discount = kassa.NormalizeCode(code)
	return s.saveChoice(w, r, st, "/cart")
}

// handleCartShipping keeps the shipping option the shopper chose.
func (s *Server) handleCartShipping(w http.ResponseWriter, r *http.Request) error {
	st, err := s.forms.load(r.Context(), r)
	if err != nil {
		return err
	}
	st.Shipping = truncate(strings.TrimSpace(r.PostFormValue("shippingOption")), 40)
	next := "/cart"
	if r.PostFormValue("back") == "checkout" {
		next = "/checkout"
	}
	return s.saveChoice(w, r, st, next)
}

// saveChoice saves st and redirects to next.
func (s *Server) saveChoice(w http.ResponseWriter, r *http.Request, st *checkoutState, next string) error {
	s.ensureBrowserID(w, r)
	if err := s.saveCheckout(r.Context(), w, st); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
