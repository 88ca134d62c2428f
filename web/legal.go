package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// What a Swedish web shop shows besides its products: links to its terms,
// privacy policy and right of withdrawal (in the footer of every
// storefront page and at the checkout), the free-shipping threshold in
// the cart, and the part-payment line with Resurs' price signage. The
// shop's choices are settings (settings.go); the demo pages' words are in
// templates/terms.html, privacy.html and withdrawal.html.

// The built-in demo pages, linked until the admin sets the shop's own.
const (
	demoTermsURL      = "/terms"
	demoPrivacyURL    = "/privacy"
	demoWithdrawalURL = "/withdrawal"
)

// shopTerms are the shop's legal and part-payment settings.
type shopTerms struct {
	TermsURL, PrivacyURL, WithdrawalURL string
	// The part-payment line: the method (""= the store's first part-payment
	// method), the period in months (0 = the lowest monthly cost) and the
	// lowest product price that shows it.
	PartMethod   string
	PartMonths   int
	PartMinPrice kassa.Money
}

// readShopTerms reads the settings; a missing or empty one gives its default.
func readShopTerms(ctx context.Context, st kassa.Settings) (shopTerms, error) {
	var err error
	get := func(key, def string) string {
		if err != nil {
			return def
		}
		v, ok, e := st.Setting(ctx, key)
		if err = e; !ok || v == "" {
			return def
		}
		return v
	}
	t := shopTerms{
		TermsURL: get(SettingTermsURL, demoTermsURL), PrivacyURL: get(SettingPrivacyURL, demoPrivacyURL),
		WithdrawalURL: get(SettingWithdrawalURL, demoWithdrawalURL), PartMethod: get(SettingPartMethod, ""),
	}
	t.PartMonths, _ = strconv.Atoi(get(SettingPartMonths, "0"))
	min, _ := strconv.ParseInt(get(SettingPartMinPrice, "0"), 10, 64)
	t.PartMinPrice = kassa.Money(min)
	return t, err
}

// shopTermsCache keeps the shop's terms settings: every storefront page
// shows them. It is replaced when the admin saves the settings, and, with
// a ttl (a store shared with other servers, which save settings too),
// read again when older than that.
type shopTermsCache struct {
	t   atomic.Pointer[termsEntry]
	ttl time.Duration // 0: kept until the settings are saved here
	now func() time.Time
}

type termsEntry struct {
	shopTerms
	read time.Time
}

// get returns the settings, reading them once (or once per ttl); a store
// that cannot be read gives the defaults (and the next page tries again).
func (c *shopTermsCache) get(ctx context.Context, st kassa.Settings, log *slog.Logger) shopTerms {
	if e := c.t.Load(); e != nil && (c.ttl == 0 || c.now().Sub(e.read) < c.ttl) {
		return e.shopTerms
	}
	read := c.now()
	t, err := readShopTerms(ctx, st)
	if err != nil {
		log.Warn("read the shop's terms settings", "err", err)
		return t
	}
	c.t.Store(&termsEntry{shopTerms: t, read: read})
	return t
}

// legalPage is one of the built-in demo pages: terms, privacy or
// withdrawal.
type legalPage struct{ Page string }

func (p *legalPage) title(l *locale.Lang) string { return l.T("legal." + p.Page) }

// handleLegal serves a built-in demo page; its words are in its template,
// one per language (templates/legal/).
func (s *Server) handleLegal(page string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		s.render(w, r, http.StatusOK, page, &legalPage{Page: page})
		return nil
	}
}

// freeShipping is what the cart says about free shipping.
type freeShipping struct {
	From kassa.Money // the threshold
	Left kassa.Money // what is left to add; 0: shipping is free
}

// freeShippingFor is the free-shipping line of a cart whose products cost
// goods (after a discount) when shipping is free from from; nil when
// shipping is never free.
func freeShippingFor(from, goods kassa.Money) *freeShipping {
	if from < 0 {
		return nil
	}
	return &freeShipping{From: from, Left: max(from-goods, 0)}
}

// partOffer is the part-payment line of an amount with Resurs' price
// signage: the representative credit-cost example Swedish consumer-credit
// rules ask for wherever a monthly cost is advertised.
type partOffer struct {
	Method            string
	Amount            kassa.Money // the credit: the price or the cart's total
	Months            int
	Monthly           kassa.Money // as Resurs states it, in hundredths
	Total             kassa.Money // total to pay
	Interest          mapi.Decimal
	EffectiveInterest mapi.Decimal
	AdministrationFee mapi.Decimal // per month
	SECCI             string       // Resurs' standard information, when given
}

// partPayment is the configured part-payment line of price, or nil when
// price is below the minimum, outside the method's limits or Resurs has
// no signage for it.
func (s *Server) partPayment(ctx context.Context, price kassa.Money) *partOffer {
	t := s.terms.get(ctx, s.cfg.Store, s.log)
	if price < t.PartMinPrice {
		return nil
	}
	m, _ := s.prices.load(ctx, t.PartMethod)
	if m == nil {
		return nil
	}
	return s.signage(ctx, *m, price, t.PartMonths)
}

// signage is the line of Resurs' price signage of method m for amount
// (read through the price cache) over the period months (0: the lowest
// monthly cost); nil when amount is outside m's limits or there is none.
func (s *Server) signage(ctx context.Context, m mapi.PaymentMethod, amount kassa.Money, months int) *partOffer {
	if int64(amount) < m.MinPurchaseLimit.Hundredths() || int64(amount) > m.MaxPurchaseLimit.Hundredths() {
		return nil
	}
	ps := s.prices.signage(ctx, m.ID, amount)
	if ps == nil {
		return nil
	}
	c := pickCost(ps.CostList, months)
	if c == nil {
		return nil
	}
	o := &partOffer{Method: m.Name, Amount: amount, Months: c.DurationMonths, Monthly: kassa.Money(c.MonthlyCost),
		Total: kassa.Money(c.TotalCost), Interest: c.Interest, EffectiveInterest: c.EffectiveInterest,
		AdministrationFee: c.AdministrationFee}
	if len(ps.SECCILinks) > 0 {
		o.SECCI = ps.SECCILinks[0].URI
	}
	return o
}

// pickCost returns the cost of the period months, or the one of the
// lowest monthly cost when months is 0; nil when there is none.
func pickCost(costs []mapi.Cost, months int) *mapi.Cost {
	var best *mapi.Cost
	for i, c := range costs {
		switch {
		case c.DurationMonths <= 0:
		case months > 0 && c.DurationMonths == months:
			return &costs[i]
		case months == 0 && (best == nil || c.MonthlyCost < best.MonthlyCost):
			best = &costs[i]
		}
	}
	return best
}

// methodOffers are the part-payment lines of the checkout's methods for
// the cart's total, by method id: the configured period for the
// configured method (every part-payment method when none is configured),
// else, or when the period is not offered, the lowest monthly cost.
func (s *Server) methodOffers(ctx context.Context, methods []mapi.PaymentMethod, total kassa.Money) map[string]*partOffer {
	t := s.terms.get(ctx, s.cfg.Store, s.log)
	offers := map[string]*partOffer{}
	for _, m := range methods {
		if m.Type != mapi.MethodResursPartPayment || !m.PriceSignagePossible {
			continue
		}
		months := 0
		if t.PartMethod == "" || m.ID == t.PartMethod {
			months = t.PartMonths
		}
		o := s.signage(ctx, m, total, months)
		if o == nil && months > 0 {
			o = s.signage(ctx, m, total, 0)
		}
		if o != nil {
			offers[m.ID] = o
		}
	}
	return offers
}
