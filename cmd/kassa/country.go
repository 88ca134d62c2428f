package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/mapi"
)

// settingStoreCountry keeps the country of the configured Resurs store
// as last read from GET /v2/stores, for a start while Resurs cannot be
// reached.
const settingStoreCountry = "mapi.store_country"

// storeCountry returns the country of Resurs store id, which decides the
// shop's country and currency (README.md §Countries): read from
// GET /v2/stores and remembered, or, when Resurs cannot be reached, the
// country remembered for the same store. A store Resurs does not list,
// or in a country it does not serve, is an error.
func storeCountry(ctx context.Context, bank *mapi.Client, id string, st kassa.Settings, log *slog.Logger) (kassa.Country, error) {
	stores, err := bank.Stores(ctx)
	if err != nil {
		return rememberedCountry(ctx, id, st, err, log)
	}
	for _, s := range stores {
		if s.ID != id {
			continue
		}
		c, err := kassa.CountryOf(s.CountryCode)
		if err != nil {
			return c, fmt.Errorf("store %s (%s): %w", id, s.Name, err)
		}
		if err := st.PutSetting(ctx, settingStoreCountry, id+" "+c.Code); err != nil {
			return c, fmt.Errorf("remember the store's country: %w", err)
		}
		return c, nil
	}
	return kassa.Country{}, fmt.Errorf("the MAPI store %s is not one of this account's stores (GET /v2/stores lists %d); set --mapi-store-id", id, len(stores))
}

// rememberedCountry is the country last read for store id, when the
// stores cannot be read now (readErr).
func rememberedCountry(ctx context.Context, id string, st kassa.Settings, readErr error, log *slog.Logger) (kassa.Country, error) {
	v, ok, err := st.Setting(ctx, settingStoreCountry)
	if err != nil {
		return kassa.Country{}, fmt.Errorf("read the store's country: %w", err)
	}
	var storeID, code string
	if ok {
		fmt.Sscan(v, &storeID, &code)
	}
	if storeID != id {
		return kassa.Country{}, fmt.Errorf("read the store's country from Resurs (GET /v2/stores): %w", readErr)
	}
	log.Warn("Resurs unreachable: using the store's country read before", "store", id, "country", code, "err", readErr)
	return kassa.CountryOf(code)
}
