package main

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// limitConfig is the limits serve puts on one client (docs in README.md
// §Configuration): unpaid orders held at once, and address lookups.
type limitConfig struct {
	MaxUnpaidOrders     int
	MaxUnpaidUnits      int64
	AddressLookups      int
	AddressLookupWindow time.Duration
}

// defineLimits registers the flags of the limits with their KASSA_*
// defaults.
func (c *serveConfig) defineLimits(fs *flag.FlagSet) error {
	l := &c.Limits
	var err error
	num := func(env, def string) int64 {
		n, perr := strconv.ParseInt(envOr(env, def), 10, 64)
		if perr != nil {
			err = errors.Join(err, fmt.Errorf("%s: %w", env, perr))
		}
		return n
	}
	fs.IntVar(&l.MaxUnpaidOrders, "max-unpaid-orders", int(num("KASSA_MAX_UNPAID_ORDERS", "3")),
		"unpaid orders one client (address or browser) may have at once; 0 = no limit (KASSA_MAX_UNPAID_ORDERS)")
	fs.Int64Var(&l.MaxUnpaidUnits, "max-unpaid-units", num("KASSA_MAX_UNPAID_UNITS", "10"),
		"units of one product one client may have in unpaid orders at once; 0 = no limit (KASSA_MAX_UNPAID_UNITS)")
	fs.IntVar(&l.AddressLookups, "address-lookups", int(num("KASSA_ADDRESS_LOOKUPS", "5")),
		"\"Fetch my address\" lookups one client may make per --address-lookup-window; 0 = no limit (KASSA_ADDRESS_LOOKUPS)")
	window, werr := time.ParseDuration(envOr("KASSA_ADDRESS_LOOKUP_WINDOW", "10m"))
	if werr != nil {
		err = errors.Join(err, fmt.Errorf("KASSA_ADDRESS_LOOKUP_WINDOW: %w", werr))
	}
	fs.DurationVar(&l.AddressLookupWindow, "address-lookup-window", window,
		"the time over which --address-lookups are counted (that many at once, then one per window); 1m to 24h (KASSA_ADDRESS_LOOKUP_WINDOW)")
	return err
}

// check validates the configuration a command parsed; the message names
// the flag.
func (c *serveConfig) check() error {
	l := c.Limits
	switch {
	case c.Hold < time.Minute || c.Hold > 30*24*time.Hour:
		return errors.New("--hold must be between 1m and 720h")
	case c.SimSpeed <= 0 || c.SimSpeed > 10000:
		return errors.New("--sim-speed must be in (0, 10000]")
	case c.StoreID != "" && !storeIDRE.MatchString(c.StoreID):
		return fmt.Errorf("--mapi-store-id (KASSA_MAPI_STORE_ID) must be the UUID of a store at Resurs, "+
			"like %s, not %q", exampleStoreID, c.StoreID)
	case l.MaxUnpaidOrders < 0 || l.MaxUnpaidOrders > 10000:
		return errors.New("--max-unpaid-orders must be between 0 (no limit) and 10000")
	case l.MaxUnpaidUnits < 0 || l.MaxUnpaidUnits > 1_000_000:
		return errors.New("--max-unpaid-units must be between 0 (no limit) and 1000000")
	case l.AddressLookups < 0 || l.AddressLookups > 10000:
		return errors.New("--address-lookups must be between 0 (no limit) and 10000")
	case l.AddressLookupWindow < time.Minute || l.AddressLookupWindow > 24*time.Hour:
		return errors.New("--address-lookup-window must be between 1m and 24h")
	}
	return nil
}

// storeIDRE is a MAPI store id: a UUID (docs/mapi.md §Stores and payment
// methods), as the simulator's default store id is too.
var storeIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// exampleStoreID shows the form of a store id in messages.
const exampleStoreID = "4f1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
