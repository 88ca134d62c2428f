package web

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/catalog"
	"github.com/kassa-dev/kassa/checkout"
)

// The shop's shipping options, payment fees and discount codes (README.md
// §Shipping, fees and discounts): the JSON API (/api/admin/pricing,
// /api/admin/discounts) and the admin page (Admin → Shipping &
// discounts). The engine prices with them from the next quote on
// (checkout.Engine.SetPricing; the codes are read from the store).

// apiShipping is a shipping option in the JSON API.
type apiShipping struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Price   string      `json:"price"`
	VATRate json.Number `json:"vatRate"`
}

// apiFee is a payment method's fee in the JSON API.
type apiFee struct {
	Name    string      `json:"name"`
	Amount  string      `json:"amount"`
	VATRate json.Number `json:"vatRate"`
}

// apiPricing is the body of GET and PUT /api/admin/pricing. A
// freeShippingFrom of null means shipping is never free.
type apiPricing struct {
	ShippingOptions  []apiShipping     `json:"shippingOptions"`
	FreeShippingFrom *string           `json:"freeShippingFrom"`
	PaymentFees      map[string]apiFee `json:"paymentFees"`
}

func toAPIPricing(p checkout.Pricing) apiPricing {
	out := apiPricing{ShippingOptions: []apiShipping{}, PaymentFees: map[string]apiFee{}}
	for _, s := range p.ShippingOptions {
		out.ShippingOptions = append(out.ShippingOptions, apiShipping{ID: s.ID, Name: s.Name, Price: s.Price.String(),
			VATRate: json.Number(catalog.FormatVATRate(s.VATRate))})
	}
	if p.FreeShippingFrom >= 0 {
		out.FreeShippingFrom = ptrTo(p.FreeShippingFrom.String())
	}
	for id, f := range p.PaymentFees {
		out.PaymentFees[id] = apiFee{Name: f.Name, Amount: f.Amount.String(), VATRate: json.Number(catalog.FormatVATRate(f.VATRate))}
	}
	return out
}

// pricing turns the body into the engine's Pricing, with a field error
// per amount or rate that does not parse.
func (b apiPricing) pricing() (checkout.Pricing, []kassa.FieldError) {
	var fields []kassa.FieldError
	money := func(field, v string) kassa.Money {
		m, err := kassa.ParseMoney(v)
		if err != nil || m < 0 {
			fields = append(fields, kassa.FieldError{Field: field, Message: "Give an amount as a string with at most 2 decimals, e.g. \"49.00\"."})
		}
		return m
	}
	rate := func(field string, v json.Number) int64 {
		r, err := catalog.ParseVATRate(v.String())
		if err != nil {
			fields = append(fields, kassa.FieldError{Field: field, Message: "Give the VAT rate in percent, between 0 and 100, e.g. 25."})
		}
		return r
	}
	p := checkout.Pricing{FreeShippingFrom: -1, PaymentFees: map[string]checkout.PaymentFee{}}
	for i, s := range b.ShippingOptions {
		f := "shippingOptions[" + strconv.Itoa(i) + "]."
		p.ShippingOptions = append(p.ShippingOptions, checkout.ShippingOption{ID: s.ID, Name: strings.TrimSpace(s.Name),
			Price: money(f+"price", s.Price), VATRate: rate(f+"vatRate", s.VATRate)})
	}
	if b.FreeShippingFrom != nil {
		p.FreeShippingFrom = money("freeShippingFrom", *b.FreeShippingFrom)
	}
	for id, fee := range b.PaymentFees {
		f := "paymentFees[" + id + "]."
		p.PaymentFees[id] = checkout.PaymentFee{Name: strings.TrimSpace(fee.Name), Amount: money(f+"amount", fee.Amount),
			VATRate: rate(f+"vatRate", fee.VATRate)}
	}
	return p, fields
}

func (s *Server) apiPricing(w http.ResponseWriter, r *http.Request) error {
	p, err := s.cfg.Engine.Pricing(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIPricing(p))
	return nil
}

// apiPutPricing replaces the shipping options, free-shipping threshold
// and payment fees; they apply at once.
func (s *Server) apiPutPricing(w http.ResponseWriter, r *http.Request) error {
	return s.idempotent(w, r, false, func(ctx context.Context, body []byte) (int, []byte) {
		var b apiPricing
		if err := decodeObject(body, &b, "Send the pricing as a JSON object."); err != nil {
			return encodeJSON(errorAnswer(err))
		}
		p, fields := b.pricing()
		if fields != nil {
			return encodeJSON(errorAnswer(&kassa.Error{Code: kassa.EINVALID, Message: "Please correct the marked fields.", Fields: fields}))
		}
		if err := s.cfg.Engine.SetPricing(ctx, p); err != nil {
			return encodeJSON(errorAnswer(err))
		}
		return encodeJSON(http.StatusOK, toAPIPricing(p))
	})
}

// apiDiscount is a discount code in the JSON API: percent (a number,
// e.g. 10 or 12.5) or amount (a string, VAT included); validity as RFC
// 3339 times, null = open.
type apiDiscount struct {
	Code       string       `json:"code"`
	Percent    *json.Number `json:"percent"`
	Amount     *string      `json:"amount"`
	ValidFrom  *time.Time   `json:"validFrom"`
	ValidUntil *time.Time   `json:"validUntil"`
	MinOrder   string       `json:"minOrder"`
	UsageLimit int64        `json:"usageLimit"` // 0 = no limit
	Used       int64        `json:"used"`       // read only
}

func toAPIDiscount(d kassa.DiscountCode) apiDiscount {
	out := apiDiscount{Code: d.Code, MinOrder: d.MinOrder.String(), UsageLimit: d.UsageLimit, Used: d.Used}
	if d.Percent > 0 {
		out.Percent = ptrTo(json.Number(catalog.FormatVATRate(d.Percent)))
	} else {
		out.Amount = ptrTo(d.Amount.String())
	}
	if !d.ValidFrom.IsZero() {
		out.ValidFrom = ptrTo(d.ValidFrom.UTC())
	}
	if !d.ValidUntil.IsZero() {
		out.ValidUntil = ptrTo(d.ValidUntil.UTC())
	}
	return out
}

// discount turns the body into code's terms, with a field error per value
// that does not parse.
func (b apiDiscount) discount(code string) (kassa.DiscountCode, []kassa.FieldError) {
	d := kassa.DiscountCode{Code: code, UsageLimit: b.UsageLimit}
	var fields []kassa.FieldError
	bad := func(field, msg string) { fields = append(fields, kassa.FieldError{Field: field, Message: msg}) }
	if b.Code != "" && kassa.NormalizeCode(b.Code) != kassa.NormalizeCode(code) {
		bad("code", "The code of the body must be the code of the address.")
	}
	if b.Percent != nil {
		p, err := catalog.ParseVATRate(b.Percent.String())
		if err != nil || p <= 0 {
			bad("percent", "Give the percentage off as a number above 0 and at most 100, e.g. 10.")
		}
		d.Percent = p
	}
	if b.Amount != nil {
		m, err := kassa.ParseMoney(*b.Amount)
		if err != nil || m <= 0 {
			bad("amount", "Give the amount off as a string with at most 2 decimals, e.g. \"50.00\".")
		}
		d.Amount = m
	}
	if b.MinOrder != "" {
		m, err := kassa.ParseMoney(b.MinOrder)
		if err != nil || m < 0 {
			bad("minOrder", "Give the minimum order as a string with at most 2 decimals, e.g. \"400.00\".")
		}
		d.MinOrder = m
	}
	if b.ValidFrom != nil {
		d.ValidFrom = b.ValidFrom.UTC()
	}
	if b.ValidUntil != nil {
		d.ValidUntil = b.ValidUntil.UTC()
	}
	if fields == nil {
		fields = kassa.CheckDiscountCode(d)
	}
	return d, fields
}

func (s *Server) apiDiscounts(w http.ResponseWriter, r *http.Request) error {
	list, err := s.cfg.Store.DiscountCodes(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		Discounts []apiDiscount `json:"discounts"`
		Total     int           `json:"total"`
	}{Discounts: []apiDiscount{}, Total: len(list)}
	for _, d := range list {
		out.Discounts = append(out.Discounts, toAPIDiscount(d))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiDiscount(w http.ResponseWriter, r *http.Request) error {
	d, err := s.cfg.Store.DiscountCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIDiscount(d))
	return nil
}

// apiPutDiscount creates a code or replaces its terms (its use count
// stays).
func (s *Server) apiPutDiscount(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	return s.idempotent(w, r, false, func(ctx context.Context, body []byte) (int, []byte) {
		var b apiDiscount
		if err := decodeObject(body, &b, "Send the discount code as a JSON object."); err != nil {
			return encodeJSON(errorAnswer(err))
		}
		d, fields := b.discount(code)
		if fields != nil {
			return encodeJSON(errorAnswer(&kassa.Error{Code: kassa.EINVALID, Message: "Please correct the marked fields.", Fields: fields}))
		}
		status := http.StatusOK
		if _, err := s.cfg.Store.DiscountCode(ctx, code); kassa.ErrorCode(err) == kassa.ENOTFOUND {
			status = http.StatusCreated
		}
		if err := s.cfg.Store.PutDiscountCode(ctx, d); err != nil {
			return encodeJSON(errorAnswer(err))
		}
		stored, err := s.cfg.Store.DiscountCode(ctx, code)
		if err != nil {
			return encodeJSON(errorAnswer(err))
		}
		return encodeJSON(status, toAPIDiscount(stored))
	})
}

func (s *Server) apiDeleteDiscount(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Store.DeleteDiscountCode(r.Context(), r.PathValue("code")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sortedFeeIDs returns the method ids of fees, sorted.
func sortedFeeIDs(fees map[string]checkout.PaymentFee) []string {
	ids := make([]string, 0, len(fees))
	for id := range fees {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
