package checkout

import (
	"context"

	"github.com/kassa-dev/kassa"
)

// Return handles the customer's success URL: it checks the order key
// (EUNAUTHORIZED when wrong, ENOTFOUND when no such order), reads the
// payment (or uses a read of it that began after the customer arrived, see
// stripes) and applies the mapping. When Resurs cannot be reached it returns
// the order as it is and schedules a sync soon.
func (e *Engine) Return(ctx context.Context, id int64, key string) (*kassa.Order, error) {
	return e.landing(ctx, id, key, kassa.SourceReturn)
}

// Fail handles the customer's fail URL like Return. It only reads: an
// accepted payment keeps its order processing (the caller then shows the
// thank-you page).
func (e *Engine) Fail(ctx context.Context, id int64, key string) (*kassa.Order, error) {
	return e.landing(ctx, id, key, kassa.SourceFail)
}

// landing is Return and Fail: sync, checking the key on the order the sync
// reads, and when Resurs cannot be reached show the order as the sync read
// it (a retry is scheduled). That order passed the key check: a failed read
// comes after it.
func (e *Engine) landing(ctx context.Context, id int64, key string, src kassa.Source) (*kassa.Order, error) {
	o, err := e.syncOrder(ctx, id, syncOpts{src: src, since: e.locks.tick(),
		check: func(o *kassa.Order) error { return checkKey(o, key) }})
	if kassa.ErrorCode(err) == kassa.EUNAVAILABLE && o != nil {
		return o, nil
	}
	return o, err
}

// CustomerOrder returns an order and its events for the customer who holds
// its key. ENOTFOUND when no such order; EUNAUTHORIZED when the key is wrong.
func (e *Engine) CustomerOrder(ctx context.Context, id int64, key string) (*kassa.Order, []kassa.Event, error) {
	o, err := e.orderWithKey(ctx, id, key)
	if err != nil {
		return nil, nil, err
	}
	evs, err := e.store.Events(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return o, evs, nil
}
