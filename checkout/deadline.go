package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrTimeout says a MAPI call ran past the engine's own deadline for it
// (Config.ReadTimeout, CreateTimeout, SearchTimeout or PlaceTimeout), which
// is shorter than the MAPI client's timeout so that a hung call frees a
// worker or answers the customer quickly. Reach it with errors.Is.
var ErrTimeout = errors.New("MAPI call exceeded the engine's deadline")

// Defaults of the engine's MAPI deadlines. Together they keep PlaceOrder
// well within the web server's 60 s write timeout.
const (
	defaultReadTimeout   = 10 * time.Second
	defaultCreateTimeout = 15 * time.Second
	defaultSearchTimeout = 10 * time.Second
	defaultPlaceTimeout  = 30 * time.Second
)

// callWithin runs one MAPI call through the circuit breaker, giving it at
// most d (and no more than ctx allows). When the engine's deadline is what
// ended the call, the error wraps ErrTimeout as well as the MAPI error.
func callWithin[T any](ctx context.Context, e *Engine, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, d, ErrTimeout)
	defer cancel()
	v, err := call(e, func() (T, error) { return f(ctx) })
	if err != nil && errors.Is(context.Cause(ctx), ErrTimeout) && !errors.Is(err, ErrTimeout) {
		err = fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return v, err
}

// read runs one MAPI read bounded by Config.ReadTimeout.
func read[T any](ctx context.Context, e *Engine, f func(context.Context) (T, error)) (T, error) {
	return callWithin(ctx, e, e.cfg.ReadTimeout, f)
}
