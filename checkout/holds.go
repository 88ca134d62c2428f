package checkout

import (
	"context"
	"errors"
	"hash/fnv"
	"slices"
	"sync"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
)

// ErrTooManyHolds is wrapped by the error of PlaceOrder when the client
// (OrderRequest.ClientKeys) already holds as many unpaid orders, or units
// of a product, as Config.MaxOpenOrders and Config.MaxHeldUnits allow.
// The error's code is ECONFLICT; nothing was reserved.
var ErrTooManyHolds = errors.New("too many unpaid orders")

// clientLocks make the check of a client's holds and the creation of its
// order one step in this process, so that two purchases sent at once
// cannot both pass the check. Processes sharing a database each hold
// their own; between them a client may exceed a limit by the purchases
// that race it.
type clientLocks struct {
	s [64]sync.Mutex
}

// lock locks the stripes of keys, in stripe order so that two clients
// sharing a key cannot deadlock.
func (c *clientLocks) lock(keys []string) (unlock func()) {
	idx := make([]int, 0, len(keys))
	for _, k := range keys {
		h := fnv.New32a()
		h.Write([]byte(k))
		idx = append(idx, int(h.Sum32()%uint32(len(c.s))))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for _, i := range idx {
		c.s[i].Lock()
	}
	return func() {
		for _, i := range idx {
			c.s[i].Unlock()
		}
	}
}

// holdLimited reports whether the engine limits the holds of clients.
func (e *Engine) holdLimited() bool { return e.cfg.MaxOpenOrders > 0 || e.cfg.MaxHeldUnits > 0 }

// checkHolds refuses an order that would take the client of keys over
// the limits on unpaid holds. On success it returns with the client's
// stripes locked: the caller creates the order, then unlocks.
func (e *Engine) checkHolds(ctx context.Context, keys []string, lines []kassa.Line) (unlock func(), err error) {
	if len(keys) == 0 || !e.holdLimited() {
		return func() {}, nil
	}
	unlock = e.clients.lock(keys)
	h, err := e.store.ClientHolds(ctx, keys)
	if err == nil {
		err = e.holdsAllow(h, lines)
	}
	if err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// holdsAllow checks one more order of lines against what a client holds.
func (e *Engine) holdsAllow(h kassa.Holds, lines []kassa.Line) error {
	if max := e.cfg.MaxOpenOrders; max > 0 && h.Orders >= max {
		return tooManyHolds("error.holds.orders", "Count", h.Orders, "Within", locale.Duration(e.cfg.Hold))
	}
	max := e.cfg.MaxHeldUnits
	if max <= 0 {
		return nil
	}
	for _, n := range unitsBySKU(lines) {
		held := h.Units[n.sku]
		switch {
		case held+n.quantity <= max:
		case held == 0:
			return tooManyHolds("error.holds.units_once", "Max", max, "Product", n.name)
		default:
			return tooManyHolds("error.holds.units", "Held", held, "Product", n.name, "Max", max,
				"Within", locale.Duration(e.cfg.Hold))
		}
	}
	return nil
}

// skuUnits is the units of one product on an order.
type skuUnits struct {
	sku, name string
	quantity  int64
}

// unitsBySKU adds up the units of each product over lines, in order.
func unitsBySKU(lines []kassa.Line) []skuUnits {
	var out []skuUnits
	for _, l := range lines {
		if l.SKU == "" || l.Type == kassa.LineShipping {
			continue
		}
		i := slices.IndexFunc(out, func(u skuUnits) bool { return u.sku == l.SKU })
		if i < 0 {
			out = append(out, skuUnits{sku: l.SKU, name: l.Description})
			i = len(out) - 1
		}
		out[i].quantity += l.Quantity
	}
	return out
}

func tooManyHolds(id string, args ...any) error {
	e := locale.Error(kassa.ECONFLICT, id, args...)
	e.Op, e.Err = "checkout.PlaceOrder", ErrTooManyHolds
	return e
}
