package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/catalog"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// chargesPage is Admin → Shipping & discounts: the shipping options, the
// free-shipping threshold, the payment methods' fees, and the discount
// codes with their uses.
type chargesPage struct {
	Options  []checkout.ShippingOption
	FreeFrom string // "" = never free
	Fees     []feeRow
	Codes    []kassa.DiscountCode
	Currency string
	Notice   string
	Problem  string
	Errors   map[string]string
}

// feeRow is a payment method with its fee (none: Amount 0).
type feeRow struct {
	ID, Method string
	Fee        checkout.PaymentFee
}

func (*chargesPage) title(l *locale.Lang) string { return l.T("admin.charges.title") }

// Err returns the message of a field, for the template.
func (p *chargesPage) Err(field string) string { return p.Errors[field] }

// Rate writes a rate or percentage in hundredths of a percent ("25").
func (*chargesPage) Rate(r int64) string { return catalog.FormatVATRate(r) }

// Date writes t as the date field takes it ("" for none).
func (*chargesPage) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func (s *Server) handleCharges(w http.ResponseWriter, r *http.Request) error {
	p := &chargesPage{}
	if done := r.URL.Query().Get("done"); done != "" {
		p.Notice = s.lang(r).T("admin.charges.done." + map[string]string{"pricing": "pricing", "code": "code",
			"deleted": "deleted"}[done])
	}
	return s.renderCharges(w, r, http.StatusOK, p)
}

// renderCharges fills in the settings and codes and renders p.
func (s *Server) renderCharges(w http.ResponseWriter, r *http.Request, status int, p *chargesPage) error {
	ctx := r.Context()
	pr, err := s.cfg.Engine.Pricing(ctx)
	if err != nil {
		return err
	}
	if p.Options == nil {
		p.Options = pr.ShippingOptions
		if pr.FreeShippingFrom >= 0 {
			p.FreeFrom = pr.FreeShippingFrom.String()
		}
	}
	p.Options = append(p.Options, checkout.ShippingOption{VATRate: 2500}) // a blank row to add one
	p.Currency = s.currency()
	methods, err := s.cfg.Bank.PaymentMethods(ctx, s.cfg.StoreID, nil)
	if err != nil {
		s.log.Warn("payment methods for the fees", "err", err)
	}
	p.Fees = feeRows(methods, pr.PaymentFees)
	if p.Codes, err = s.cfg.Store.DiscountCodes(ctx); err != nil {
		return err
	}
	s.render(w, r, status, "charges", p)
	return nil
}

// feeRows lists the store's methods with their fees, and fees of methods
// the store no longer lists.
func feeRows(methods []mapi.PaymentMethod, fees map[string]checkout.PaymentFee) []feeRow {
	var rows []feeRow
	seen := map[string]bool{}
	for _, m := range methods {
		rows, seen[m.ID] = append(rows, feeRow{ID: m.ID, Method: m.Name, Fee: fees[m.ID]}), true
	}
	for _, id := range sortedFeeIDs(fees) {
		if !seen[id] {
			rows = append(rows, feeRow{ID: id, Method: id, Fee: fees[id]})
		}
	}
	return rows
}

// handleChargesSave saves the shipping options, the threshold and the
// fees from the form: rows with an empty name are left out.
func (s *Server) handleChargesSave(w http.ResponseWriter, r *http.Request) error {
	l := s.lang(r)
	p := &chargesPage{Errors: map[string]string{}, FreeFrom: strings.TrimSpace(r.PostFormValue("freeFrom"))}
	pr := checkout.Pricing{FreeShippingFrom: -1, PaymentFees: map[string]checkout.PaymentFee{}}
	money := func(field, v string) kassa.Money {
		m, err := catalog.ParsePrice(v)
		if err != nil {
			p.Errors[field] = l.T("admin.charges.err.amount")
		}
		return m
	}
	rate := func(field, v string) int64 {
		n, err := catalog.ParseVATRate(v)
		if err != nil {
			p.Errors[field] = l.T("admin.charges.err.rate")
		}
		return n
	}
	form := r.PostForm
	for i := range form["option.name"] {
		name := strings.TrimSpace(form["option.name"][i])
		if name == "" {
			continue
		}
		f := "shippingOptions[" + strconv.Itoa(len(pr.ShippingOptions)) + "]."
		o := checkout.ShippingOption{ID: strings.TrimSpace(at(form["option.id"], i)), Name: name,
			Price: money(f+"price", at(form["option.price"], i)), VATRate: rate(f+"vatRate", at(form["option.vatRate"], i))}
		if o.ID == "" {
			o.ID = "option-" + strconv.Itoa(len(pr.ShippingOptions)+1)
		}
		pr.ShippingOptions = append(pr.ShippingOptions, o)
	}
	if p.FreeFrom != "" {
		pr.FreeShippingFrom = money("freeShippingFrom", p.FreeFrom)
	}
	for i, id := range form["fee.method"] {
		amount := strings.TrimSpace(at(form["fee.amount"], i))
		if amount == "" || amount == "0" {
			continue
		}
		f := "paymentFees[" + id + "]."
		pr.PaymentFees[id] = checkout.PaymentFee{Name: strings.TrimSpace(at(form["fee.name"], i)),
			Amount: money(f+"amount", amount), VATRate: rate(f+"vatRate", at(form["fee.vatRate"], i))}
	}
	if len(p.Errors) == 0 {
		err := s.cfg.Engine.SetPricing(r.Context(), pr)
		if err == nil {
			http.Redirect(w, r, "/admin/shipping?done=pricing", http.StatusSeeOther)
			return nil
		}
		if kassa.ErrorCode(err) != kassa.EINVALID {
			return err
		}
		for _, f := range err.(*kassa.Error).Fields {
			p.Errors[f.Field] = f.Message
		}
	}
	p.Options, p.Problem = pr.ShippingOptions, l.T("admin.charges.not_saved")
	if p.Options == nil {
		p.Options = []checkout.ShippingOption{}
	}
	return s.renderCharges(w, r, http.StatusUnprocessableEntity, p)
}

// at returns vs[i], or "".
func at(vs []string, i int) string {
	if i < len(vs) {
		return vs[i]
	}
	return ""
}

// handleDiscountSave creates a code or replaces its terms from the form.
func (s *Server) handleDiscountSave(w http.ResponseWriter, r *http.Request) error {
	l := s.lang(r)
	p := &chargesPage{Errors: map[string]string{}}
	d := kassa.DiscountCode{Code: kassa.NormalizeCode(r.PostFormValue("code"))}
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	if off := v("off"); strings.HasSuffix(off, "%") {
		n, err := catalog.ParseVATRate(strings.TrimSpace(strings.TrimSuffix(off, "%")))
		if err != nil || n <= 0 {
			p.Errors["off"] = l.T("admin.charges.err.off")
		}
		d.Percent = n
	} else {
		m, err := catalog.ParsePrice(off)
		if err != nil || m <= 0 {
			p.Errors["off"] = l.T("admin.charges.err.off")
		}
		d.Amount = m
	}
	if min := v("minOrder"); min != "" {
		m, err := catalog.ParsePrice(min)
		if err != nil {
			p.Errors["minOrder"] = l.T("admin.charges.err.amount")
		}
		d.MinOrder = m
	}
	if lim := v("usageLimit"); lim != "" {
		n, err := strconv.ParseInt(lim, 10, 64)
		if err != nil || n < 0 {
			p.Errors["usageLimit"] = l.T("admin.charges.err.limit")
		}
		d.UsageLimit = n
	}
	d.ValidFrom = s.formDate(v("validFrom"), 0, p.Errors, "validFrom", l)
	d.ValidUntil = s.formDate(v("validUntil"), 24*time.Hour, p.Errors, "validUntil", l) // through the day given
	if len(p.Errors) == 0 {
		for _, f := range kassa.CheckDiscountCode(d) {
			p.Errors[f.Field] = l.T("admin.charges.err.code_" + f.Field)
		}
	}
	if len(p.Errors) == 0 {
		if err := s.cfg.Store.PutDiscountCode(r.Context(), d); err != nil {
			return err
		}
		http.Redirect(w, r, "/admin/shipping?done=code", http.StatusSeeOther)
		return nil
	}
	p.Problem = l.T("admin.charges.code_not_saved")
	return s.renderCharges(w, r, http.StatusUnprocessableEntity, p)
}

// formDate reads a date of the form (YYYY-MM-DD) as the start of that day
// in the shop's time zone, plus add; "" is no date.
func (s *Server) formDate(v string, add time.Duration, errs map[string]string, field string, l *locale.Lang) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, v, s.zone.get())
	if err != nil {
		errs[field] = l.T("admin.charges.err.date")
		return time.Time{}
	}
	return t.Add(add).UTC()
}

// handleDiscountDelete removes the code named in the path.
func (s *Server) handleDiscountDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Store.DeleteDiscountCode(r.Context(), r.PathValue("code")); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/shipping?done=deleted", http.StatusSeeOther)
	return nil
}
