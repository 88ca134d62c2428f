package checkout_test

import (
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/checkout"
	"github.com/kassa-dev/kassa/mapisim"
)

// shopCountry is a shop on one of the simulator's stores, with that
// country's personas (docs/mapi.md §Test personas) and a local address.
type shopCountry struct {
	code, currency, store, invoice string
	accepted, rejected, frozen     string
	phone                          string
	address                        kassa.Address
	badPostalCode                  string
}

var shopCountries = []shopCountry{
	{"SE", "SEK", mapisim.DefaultStoreID, mapisim.MethodInvoice, govAccepted, govRejected, govFrozen, "0701234567",
		kassa.Address{FirstName: "Anna", LastName: "Andersson", AddressRow1: "Storgatan 1", PostalCode: "123 45", PostalArea: "Stockholm", CountryCode: "SE"}, "1234"},
	{"NO", "NOK", mapisim.StoreNO, "c0de0400-0000-4000-8000-000000000001", "180872-48794", "010249-24986", "020849-29428", "+47 912 34 567",
		kassa.Address{FirstName: "Kari", LastName: "Nordmann", AddressRow1: "Karl Johans gate 1", PostalCode: "0154", PostalArea: "Oslo", CountryCode: "NO"}, "01540"},
	{"FI", "EUR", mapisim.StoreFI, "c0def100-0000-4000-8000-000000000001", "230580-7335", "220950-9256", "140584-4785", "+358 40 123 4567",
		kassa.Address{FirstName: "Matti", LastName: "Meikäläinen", AddressRow1: "Mannerheimintie 1", PostalCode: "00100", PostalArea: "Helsinki", CountryCode: "FI"}, "0010"},
	{"DK", "DKK", mapisim.StoreDK, "c0ded400-0000-4000-8000-000000000001", "140285-3877", "021250-0003", "060580-3736", "+45 20 12 34 56",
		kassa.Address{FirstName: "Mette", LastName: "Hansen", AddressRow1: "Strøget 1", PostalCode: "1160", PostalArea: "København K", CountryCode: "DK"}, "11600"},
}

func (c shopCountry) request(gov string) kassa.OrderRequest {
	return kassa.OrderRequest{Lines: []kassa.LineRequest{{SKU: "TEE", Quantity: 1}}, PaymentMethodID: c.invoice,
		Customer: kassa.Customer{Type: kassa.CustomerNatural, GovernmentID: gov, Email: "kunde@example.com",
			Phone: c.phone, Address: c.address},
		ClientIP: "127.0.0.1", UserAgent: "test"}
}

// TestEveryCountry: a shop on the simulator's SE, NO, FI and DK stores
// sells in the store's currency, to the country's addresses and
// personas: accepted → processing, rejected → failed, frozen → on-hold;
// the payment at the bank is the store's, in its country.
func TestEveryCountry(t *testing.T) {
	t.Parallel()
	for _, c := range shopCountries {
		t.Run(c.code, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{config: func(cfg *checkout.Config) { cfg.StoreID, cfg.Country = c.store, c.code }})
			for gov, want := range map[string]kassa.Status{c.accepted: kassa.StatusProcessing,
				c.rejected: kassa.StatusFailed, c.frozen: kassa.StatusOnHold} {
				o, _, err := e.eng.PlaceOrder(e.ctx, c.request(gov), kassa.SourceCheckout)
				if err != nil {
					t.Fatalf("%s: PlaceOrder: %v", gov, err)
				}
				if o.Currency != c.currency {
					t.Errorf("%s: order currency %s, want %s", gov, o.Currency, c.currency)
				}
				pay, ok := e.sim.Payment(o.PaymentID)
				if !ok || pay.StoreID != c.store || pay.CountryCode != c.code ||
					pay.Customer == nil || pay.Customer.DeliveryAddress.CountryCode != c.code {
					t.Fatalf("%s: the bank's payment %+v is not the %s store's", gov, pay, c.code)
				}
				e.sign(o, mapisim.Approve)
				e.wantStatus(o.ID, want)
			}
			// Another country's address, or a postal code of the wrong form, is refused.
			req := c.request(c.accepted)
			req.Customer.Address.PostalCode = c.badPostalCode
			_, _, err := e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
			wantField(t, err, "customer.address.postalCode")
			other := shopCountries[(indexOf(c.code)+1)%len(shopCountries)]
			req = c.request(c.accepted)
			req.Customer.Address = other.address
			_, _, err = e.eng.PlaceOrder(e.ctx, req, kassa.SourceCheckout)
			wantField(t, err, "customer.address.countryCode")
		})
	}
}

func indexOf(code string) int {
	for i, c := range shopCountries {
		if c.code == code {
			return i
		}
	}
	return -1
}

// wantField fails unless err is EINVALID naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	ke, ok := err.(*kassa.Error)
	if !ok || ke.Code != kassa.EINVALID {
		t.Fatalf("err = %v; want EINVALID naming %s", err, field)
	}
	for _, f := range ke.Fields {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("err = %v; want a field error for %s", err, field)
}
