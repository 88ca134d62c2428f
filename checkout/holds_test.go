package checkout_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
)

// holdsEnv is a shop that lets one client hold 2 unpaid orders and 3
// units of one product.
func holdsEnv(t *testing.T) *env {
	return newEnv(t, envOptions{config: func(c *checkout.Config) {
		c.MaxOpenOrders, c.MaxHeldUnits = 2, 3
	}})
}

// placeAs places an order of qty T-shirts for the client of keys.
func (e *env) placeAs(qty int64, keys ...string) (*kassa.Order, error) {
	req := orderRequest(govAccepted)
	req.Lines[0].Quantity, req.ClientKeys = qty, keys
	o, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
	return o, err
}

// wantRefused checks that err refuses the order for too many holds, with
// msg in its message, and that nothing was created or reserved.
func (e *env) wantRefused(err error, orders int, stock int64, msg string) {
	e.t.Helper()
	if !errors.Is(err, checkout.ErrTooManyHolds) || kassa.ErrorCode(err) != kassa.ECONFLICT {
		e.t.Fatalf("PlaceOrder: %v; want ECONFLICT wrapping ErrTooManyHolds", err)
	}
	if got := kassa.ErrorMessage(err); !strings.Contains(got, msg) {
		e.t.Errorf("message %q does not say %q", got, msg)
	}
	if n := e.orderCount(); n != orders {
		e.t.Errorf("%d orders after a refusal, want %d", n, orders)
	}
	if s := e.stock("TEE"); s != stock {
		e.t.Errorf("stock %d after a refusal, want %d", s, stock)
	}
}

// mustPlace fails t when err is not nil.
func mustPlace(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
}

func TestHoldsLimitOrders(t *testing.T) {
	t.Parallel()
	e := holdsEnv(t)
	first, err := e.placeAs(1, "ip:a", "browser:a")
	mustPlace(t, err)
	_, err = e.placeAs(1, "ip:a")
	mustPlace(t, err)
	_, err = e.placeAs(1, "ip:a", "browser:b")
	e.wantRefused(err, 2, initialTeeStock-2, "You already have 2 unpaid orders")
	// The same browser from another address is the same client.
	_, err = e.placeAs(1, "ip:b", "browser:a")
	mustPlace(t, err)
	_, err = e.placeAs(1, "ip:c", "browser:a")
	e.wantRefused(err, 3, initialTeeStock-3, "You already have 2 unpaid orders")
	// Another client, and a request without keys, are not held back.
	for _, keys := range [][]string{{"ip:c"}, nil} {
		if _, err := e.placeAs(1, keys...); err != nil {
			t.Fatalf("PlaceOrder for %q: %v", keys, err)
		}
	}
	// A paid order is no longer a hold.
	e.sign(first, mapisim.Approve)
	e.wantStatus(first.ID, kassa.StatusProcessing)
	if _, err := e.placeAs(1, "ip:a"); err != nil {
		t.Fatalf("PlaceOrder after one order was paid: %v", err)
	}
}

func TestHoldsLimitUnits(t *testing.T) {
	t.Parallel()
	e := holdsEnv(t)
	_, err := e.placeAs(4, "ip:a")
	e.wantRefused(err, 0, initialTeeStock, "At most 3 of T-shirt can be bought at once")
	_, err = e.placeAs(2, "ip:a")
	mustPlace(t, err)
	_, err = e.placeAs(2, "ip:a")
	e.wantRefused(err, 1, initialTeeStock-2, "You already have 2 of T-shirt in unpaid orders, and at most 3")
	_, err = e.placeAs(1, "ip:a")
	mustPlace(t, err)
}

// TestHoldsCountedInTheStore: a new engine on the same store (a restart,
// or a second instance) sees the holds placed through the first.
func TestHoldsCountedInTheStore(t *testing.T) {
	t.Parallel()
	e := holdsEnv(t)
	for range 2 {
		_, err := e.placeAs(1, "ip:a")
		mustPlace(t, err)
	}
	e.startEngine()
	_, err := e.placeAs(1, "ip:a")
	e.wantRefused(err, 2, initialTeeStock-2, "You already have 2 unpaid orders")
}
