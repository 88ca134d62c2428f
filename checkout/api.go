package checkout

import (
	"context"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// Quote returns the order lines (products, then shipping) and the total a
// cart would get. PlaceOrder builds its lines with the same code. Errors:
// EINVALID with Fields for bad lines (unknown SKU, quantity out of range).
func (e *Engine) Quote(ctx context.Context, lines []kassa.LineRequest) ([]kassa.Line, kassa.Money, error) {
	return e.quote(ctx, lines)
}

// PaymentMethods returns the store's payment methods usable for amount and
// customer type ct (purchase limits and customer-type flags), in MAPI's
// order. The method list is cached for Config.MethodsTTL. EUNAVAILABLE when
// Resurs cannot be reached and nothing is cached.
func (e *Engine) PaymentMethods(ctx context.Context, amount kassa.Money, ct kassa.CustomerType) ([]mapi.PaymentMethod, error) {
	return e.paymentMethods(ctx, amount, ct)
}

// PlaceOrder validates req, reserves stock and creates the order in pending
// (one store transaction), then creates its payment at Resurs and stores the
// payment id before it returns. It returns the order and where to send the
// customer: Resurs' signing page, or the order's return URL when the
// payment is already decided.
//
// Errors: EINVALID with Fields for bad input (nothing created); ECONFLICT
// when stock is short; EDECLINED when Resurs refused the payment (the order
// is failed and restocked); EUNAVAILABLE when Resurs cannot be reached
// (the order is failed and restocked, or — when it is unknown whether the
// payment was created — left pending for the sweeper; when the circuit
// breaker is open nothing is created at all). When an order was created it
// is returned even with an error. Its MAPI work takes at most
// Config.PlaceTimeout (the create CreateTimeout, the search SearchTimeout);
// an error caused by those deadlines wraps ErrTimeout.
func (e *Engine) PlaceOrder(ctx context.Context, req kassa.OrderRequest, src kassa.Source) (*kassa.Order, string, error) {
	return e.placeOrder(ctx, req, src)
}

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

// ReceiveCallback stores a callback from Resurs in the inbox and hands it
// to the engine's callback workers; it never calls Resurs. token is
// the t query parameter of the callback URL.
//
// Answers: nil once stored (also for duplicates and for bodies kept in
// quarantine because they name another payment); EINVALID for a body that
// cannot be parsed; EUNAUTHORIZED for a bad or missing token (both stored
// quarantined); any other error means the callback could not be stored and
// Resurs should retry.
func (e *Engine) ReceiveCallback(ctx context.Context, kind kassa.CallbackKind, token string, body []byte) error {
	return e.receiveCallback(ctx, kind, token, body)
}

// Sync reads the order's payment at Resurs and applies the mapping, with an
// event naming src. Orders without a payment id (an ambiguous create) are
// resolved by searching the order reference. ENOTFOUND when no such order;
// EUNAVAILABLE when Resurs cannot be reached (a sync is scheduled soon).
func (e *Engine) Sync(ctx context.Context, id int64, src kassa.Source) (*kassa.Order, error) {
	return e.sync(ctx, id, src, "")
}

// ReprocessCallback queues an inbox entry for processing again (the admin's
// "process again"), whatever its state, except quarantined entries, which
// belong to no order (EINVALID).
func (e *Engine) ReprocessCallback(ctx context.Context, callbackID int64) error {
	return e.reprocessCallback(ctx, callbackID)
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

// SweepOnce runs one sweeper pass: it syncs the orders due for a read, at
// most Config.SweepConcurrency at a time, and returns how many it read.
func (e *Engine) SweepOnce(ctx context.Context) (int, error) {
	return e.sweepOnce(ctx)
}
