package web

import (
	"context"
	"math/big"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// priceCache keeps the store's part-payment method and its annuity factors
// for ttl, so catalog pages can show "from X kr/month" without calling MAPI
// per product or per request. A failed read is remembered for a short time
// too (the line is then simply not shown).
type priceCache struct {
	bank    Bank
	storeID string
	now     func() time.Time
	ttl     time.Duration

	mu      sync.Mutex
	fetched time.Time
	wanted  string // the method id asked for ("" = the first part-payment method)
	method  *mapi.PaymentMethod
	factors []mapi.AnnuityFactor

	signMu sync.Mutex
	signs  map[signageKey]signageEntry // price signage by method and amount
}

// signageKey is what a price signage is asked for.
type signageKey struct {
	method string
	amount kassa.Money
}

// signageEntry is a price signage read (nil: the read failed) and until
// when it is used.
type signageEntry struct {
	ps    *mapi.PriceSignage
	until time.Time
}

// maxSignages bounds the price signages kept: one per product price and
// cart total seen within ttl.
const maxSignages = 1000

func newPriceCache(b Bank, storeID string, now func() time.Time, ttl time.Duration) *priceCache {
	return &priceCache{bank: b, storeID: storeID, now: now, ttl: ttl, signs: map[signageKey]signageEntry{}}
}

// signage returns Resurs' price signage of method for amount, read at most
// once per ttl (a failed read is remembered for a minute); nil when it
// cannot be read. Reads of different amounts do not wait for each other.
func (c *priceCache) signage(ctx context.Context, method string, amount kassa.Money) *mapi.PriceSignage {
	k := signageKey{method, amount}
	c.signMu.Lock()
	e, ok := c.signs[k]
	c.signMu.Unlock()
	if ok && c.now().Before(e.until) {
		return e.ps
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	ps, err := c.bank.PriceSignage(ctx, c.storeID, method, mapi.Decimal(amount))
	e = signageEntry{ps: ps, until: c.now().Add(c.ttl)}
	if err != nil {
		e = signageEntry{until: c.now().Add(time.Minute)}
	}
	c.signMu.Lock()
	defer c.signMu.Unlock()
	if len(c.signs) >= maxSignages {
		clear(c.signs)
	}
	c.signs[k] = e
	return e.ps
}

// monthly is a "from X kr/month" offer.
type monthly struct {
	Amount kassa.Money // whole kronor
	Months int
	Method string
}

// from returns the monthly cost of price with the part-payment method of
// t over its period (the lowest monthly cost when t has none), or nil when
// there is none, price is below t's minimum or outside the method's limits.
func (c *priceCache) from(ctx context.Context, price kassa.Money, t shopTerms) *monthly {
	if price < t.PartMinPrice {
		return nil
	}
	m, factors := c.load(ctx, t.PartMethod)
	if m == nil || int64(price) < m.MinPurchaseLimit.Hundredths() || int64(price) > m.MaxPurchaseLimit.Hundredths() {
		return nil
	}
	var best *monthly
	for _, f := range factors {
		amt, ok := monthlyCost(price, f.AnnuityFactor.String())
		if !ok || f.DurationMonths <= 0 || (t.PartMonths > 0 && f.DurationMonths != t.PartMonths) {
			continue
		}
		if best == nil || amt < best.Amount {
			best = &monthly{Amount: amt, Months: f.DurationMonths, Method: m.Name}
		}
	}
	return best
}

// monthlyCost is round(price × factor) to whole kronor, computed exactly
// (the factor has more than two decimals, so no float is involved).
func monthlyCost(price kassa.Money, factor string) (kassa.Money, bool) {
	f, ok := new(big.Rat).SetString(factor)
	if !ok || f.Sign() <= 0 {
		return 0, false
	}
	kr := new(big.Rat).Mul(big.NewRat(int64(price), 100), f)
	// round half up to whole kronor
	kr.Add(kr, big.NewRat(1, 2))
	whole := new(big.Int).Quo(kr.Num(), kr.Denom())
	return kassa.Money(whole.Int64() * 100), true
}

// load returns the cached part-payment method id (the store's first
// RESURS_PART_PAYMENT method when id is "") and its factors, refreshing
// them when stale or another method is asked for. The lock is held during
// the refresh so concurrent pages share one read.
func (c *priceCache) load(ctx context.Context, id string) (*mapi.PaymentMethod, []mapi.AnnuityFactor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fetched.IsZero() && c.now().Sub(c.fetched) < c.ttl && c.wanted == id {
		return c.method, c.factors
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c.fetched, c.wanted, c.method, c.factors = c.now(), id, nil, nil
	methods, err := c.bank.PaymentMethods(ctx, c.storeID, nil)
	if err != nil {
		c.fetched = c.now().Add(-c.ttl + time.Minute) // retry in a minute
		return nil, nil
	}
	for i := range methods {
		if methods[i].Type == mapi.MethodResursPartPayment && (id == "" || methods[i].ID == id) {
			c.method = &methods[i]
			break
		}
	}
	if c.method == nil {
		return nil, nil
	}
	if c.factors, err = c.bank.AnnuityFactors(ctx, c.storeID, c.method.ID); err != nil {
		c.fetched = c.now().Add(-c.ttl + time.Minute)
		c.method = nil
	}
	return c.method, c.factors
}
