package checkout

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// SettingPricing is the settings key (kassa.Settings) of the shop's
// shipping options, free-shipping threshold and payment fees, as the JSON
// of Pricing. Until the owner saves them, Config's are used.
const SettingPricing = "shop.pricing"

// pricingTTL bounds how long a process uses the pricing it read: a save
// in this process applies at once (SetPricing), one made by another
// process sharing the database within pricingTTL.
const pricingTTL = 30 * time.Second

// Pricing is what the shop charges beyond its products, apart from the
// discount codes (kassa.Discounts): its shipping options (the first is
// the default choice), the products total from which shipping is free,
// and a fee per payment method id.
type Pricing struct {
	ShippingOptions  []ShippingOption      `json:"shippingOptions"`
	FreeShippingFrom kassa.Money           `json:"freeShippingFrom"` // after the discount; negative = never free
	PaymentFees      map[string]PaymentFee `json:"paymentFees,omitempty"`
}

// Check returns what is wrong with p, each field named as in the JSON
// API: at least one shipping option, ids unique.
func (p Pricing) Check() []kassa.FieldError {
	var fields []kassa.FieldError
	if len(p.ShippingOptions) == 0 || len(p.ShippingOptions) > 20 {
		fields = append(fields, kassa.FieldError{Field: "shippingOptions", Message: "Give 1 to 20 shipping options."})
	}
	seen := map[string]bool{}
	for i, s := range p.ShippingOptions {
		prefix := fmt.Sprintf("shippingOptions[%d].", i)
		fields = append(fields, kassa.CheckShippingOption(s, prefix)...)
		if seen[s.ID] {
			fields = append(fields, kassa.FieldError{Field: prefix + "id", Message: "Another shipping option has this id."})
		}
		seen[s.ID] = true
	}
	if p.FreeShippingFrom > 9_999_999_999 {
		fields = append(fields, kassa.FieldError{Field: "freeShippingFrom", Message: "The amount must be at most 99999999.99."})
	}
	for _, id := range slices.Sorted(maps.Keys(p.PaymentFees)) {
		prefix := "paymentFees[" + id + "]."
		if id == "" || len(id) > 100 {
			fields = append(fields, kassa.FieldError{Field: prefix + "id", Message: "A payment method id is required."})
		}
		fields = append(fields, kassa.CheckPaymentFee(p.PaymentFees[id], prefix)...)
	}
	return fields
}

// clone returns a copy of p that shares nothing with it.
func (p Pricing) clone() Pricing {
	return Pricing{ShippingOptions: slices.Clone(p.ShippingOptions), FreeShippingFrom: p.FreeShippingFrom,
		PaymentFees: maps.Clone(p.PaymentFees)}
}

// pricingCache keeps the pricing settings read last and when; SetPricing
// replaces them.
type pricingCache struct {
	mu   sync.Mutex
	p    *Pricing
	read time.Time
}

// Pricing returns the shop's shipping options, free-shipping threshold
// and payment fees: the saved settings, else Config's. A store that
// cannot be read is an error (nothing is priced with guessed charges).
func (e *Engine) Pricing(ctx context.Context) (Pricing, error) {
	c := &e.pricingCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil && e.now().Sub(c.read) < pricingTTL {
		return c.p.clone(), nil
	}
	p, err := e.readPricing(ctx)
	if err != nil {
		return Pricing{}, err
	}
	c.p, c.read = &p, e.now()
	return p.clone(), nil
}

// readPricing reads the saved settings, or returns Config's.
func (e *Engine) readPricing(ctx context.Context) (Pricing, error) {
	v, ok, err := e.cfg.Store.Setting(ctx, SettingPricing)
	if err != nil {
		return Pricing{}, fmt.Errorf("checkout.Pricing: %w", err)
	}
	if !ok {
		return Pricing{ShippingOptions: e.cfg.ShippingOptions, FreeShippingFrom: e.cfg.FreeShippingFrom,
			PaymentFees: e.cfg.PaymentFees}.clone(), nil
	}
	var p Pricing
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return Pricing{}, fmt.Errorf("checkout.Pricing: setting %s: %w", SettingPricing, err)
	}
	return p, nil
}

// SetPricing checks and saves p; it applies at once in this process.
// EINVALID naming every bad field; nothing is saved then.
func (e *Engine) SetPricing(ctx context.Context, p Pricing) error {
	if fields := p.Check(); len(fields) > 0 {
		return &kassa.Error{Code: kassa.EINVALID, Op: "checkout.SetPricing", Message: "Please correct the marked fields.",
			Fields: fields}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("checkout.SetPricing: %w", err)
	}
	c := &e.pricingCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := e.cfg.Store.PutSetting(ctx, SettingPricing, string(b)); err != nil {
		c.p = nil
		return fmt.Errorf("checkout.SetPricing: %w", err)
	}
	p = p.clone()
	c.p, c.read = &p, e.now()
	return nil
}
