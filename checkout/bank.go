package checkout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/locale"
	"github.com/kassa-dev/kassa/mapi"
)

// newBreaker returns the circuit breaker that guards every MAPI call. Only
// failures that say Resurs is unreachable count (network errors, timeouts,
// 5xx, 429); a 4xx answer is Resurs working as designed.
func newBreaker(cfg Config, e *Engine) *gobreaker.CircuitBreaker[any] {
	return gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        "mapi",
		MaxRequests: 1,
		Timeout:     cfg.BreakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= cfg.BreakerFailures },
		IsSuccessful: func(err error) bool {
			return err == nil || !bankDown(err)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) {
			e.log.Warn("mapi circuit breaker", "from", from.String(), "to", to.String())
			e.metrics.breakerState(to)
		},
	})
}

// bankDown reports whether err says Resurs could not be reached or failed
// on its side, as opposed to refusing the request.
func bankDown(err error) bool {
	if errors.Is(err, mapi.ErrInvalidRequest) {
		return false
	}
	var me *mapi.Error
	if errors.As(err, &me) && me.HTTPStatus >= 400 && me.HTTPStatus < 500 {
		return me.HTTPStatus == http.StatusTooManyRequests || me.HTTPStatus == http.StatusRequestTimeout
	}
	return !errors.Is(err, context.Canceled)
}

// BankUnavailable reports whether err, from a MAPI call, says Resurs could
// not be reached or failed on its side, so trying again later may help;
// Resurs refusing the request (a 4xx answer) is not that.
func BankUnavailable(err error) bool { return bankDown(err) }

// refused reports whether err is Resurs refusing a request (a 4xx answer
// other than 408 and 429) or the client refusing to send an invalid one,
// so the request certainly changed nothing.
func refused(err error) bool {
	if errors.Is(err, mapi.ErrInvalidRequest) {
		return true
	}
	var me *mapi.Error
	return errors.As(err, &me) && me.HTTPStatus >= 400 && me.HTTPStatus < 500 && !bankDown(err)
}

// call runs one MAPI call through the circuit breaker.
func call[T any](e *Engine, f func() (T, error)) (T, error) {
	v, err := e.breaker.Execute(func() (any, error) { return f() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// breakerOpen reports whether the breaker refuses calls right now.
func (e *Engine) breakerOpen() bool { return e.breaker.State() == gobreaker.StateOpen }

// unavailable wraps err as EUNAVAILABLE with a message for the customer.
func unavailable(op string, err error) *kassa.Error {
	e := locale.Error(kassa.EUNAVAILABLE, "error.unavailable")
	e.Op, e.Err = op, err
	return e
}

// paymentUnknown is the error for an order whose payment Resurs answers
// 404 for: retrying cannot help, so it is a conflict, not an outage.
func paymentUnknown(op string, o *kassa.Order, err error) *kassa.Error {
	return &kassa.Error{Code: kassa.ECONFLICT, Op: op, Err: err,
		Message: fmt.Sprintf("The payment of order %s (%s) was not found at Resurs Bank.", o.Number, o.PaymentID)}
}

// isBreakerRefusal reports whether err comes from the open breaker.
func isBreakerRefusal(err error) bool {
	return errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
}

// mapiDetail describes a MAPI error for an event note: code, message, trace id.
func mapiDetail(err error) string {
	var me *mapi.Error
	if !errors.As(err, &me) {
		return err.Error()
	}
	var s string
	if me.HTTPStatus != 0 {
		s = fmt.Sprintf("HTTP %d", me.HTTPStatus)
	}
	if me.Code != "" {
		s += " " + me.Code
	}
	if me.Message != "" {
		s += ": " + me.Message
	}
	for _, f := range me.Fields {
		s += fmt.Sprintf("; %s: %s", f.Field, f.Message)
	}
	if s == "" {
		s = err.Error()
	}
	if me.TraceID != "" {
		s += " [trace " + me.TraceID + "]"
	}
	return s
}

// methodCache caches the store's payment methods (without an amount
// filter; limits are applied here).
type methodCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	at      time.Time
	methods []mapi.PaymentMethod
}

func (e *Engine) allMethods(ctx context.Context) ([]mapi.PaymentMethod, error) {
	c := &e.methods
	c.mu.Lock()
	defer c.mu.Unlock()
	now := e.now()
	if c.methods != nil && now.Sub(c.at) < c.ttl {
		return c.methods, nil
	}
	ms, err := read(ctx, e, func(ctx context.Context) ([]mapi.PaymentMethod, error) {
		return e.bank.PaymentMethods(ctx, e.cfg.StoreID, nil)
	})
	if err != nil {
		if c.methods != nil { // stale beats nothing while Resurs is away
			return c.methods, nil
		}
		return nil, unavailable("checkout.PaymentMethods", err)
	}
	if ms == nil {
		ms = []mapi.PaymentMethod{}
	}
	c.methods, c.at = ms, now
	return ms, nil
}

// PaymentMethods returns the store's payment methods usable for amount and
// customer type ct (purchase limits and customer-type flags), in MAPI's
// order. The method list is cached for Config.MethodsTTL. EUNAVAILABLE when
// Resurs cannot be reached and nothing is cached.
func (e *Engine) PaymentMethods(ctx context.Context, amount kassa.Money, ct kassa.CustomerType) ([]mapi.PaymentMethod, error) {
	all, err := e.allMethods(ctx)
	if err != nil {
		return nil, err
	}
	var out []mapi.PaymentMethod
	for _, m := range all {
		if usable(m, amount, ct) {
			out = append(out, m)
		}
	}
	return out, nil
}

// usable reports whether m may pay amount for a customer of type ct.
func usable(m mapi.PaymentMethod, amount kassa.Money, ct kassa.CustomerType) bool {
	a := mapi.Decimal(amount)
	if a < m.MinPurchaseLimit || (m.MaxPurchaseLimit > 0 && a > m.MaxPurchaseLimit) {
		return false
	}
	switch ct {
	case kassa.CustomerNatural:
		return m.EnabledForNaturalCustomer
	case kassa.CustomerLegal:
		return m.EnabledForLegalCustomer
	}
	return false
}
