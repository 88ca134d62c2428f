package mapisim

import (
	"math"
	"time"

	"github.com/kassa-dev/kassa/mapi"
)

// Fixed ids of the seeded stores. DefaultStoreID is the Swedish demo store.
const (
	DefaultStoreID = "5704e5e0-0000-4000-8000-000000000001"
	StoreNO        = "5704e5e0-0000-4000-8000-000000000002"
	StoreFI        = "5704e5e0-0000-4000-8000-000000000003"
	StoreDK        = "5704e5e0-0000-4000-8000-000000000004"
)

// Fixed ids of the payment methods of the Swedish store (DefaultStoreID).
const (
	MethodInvoice     = "c0de5e00-0000-4000-8000-000000000001" // RESURS_INVOICE, 10–50 000 SEK
	MethodPartPayment = "c0de5e00-0000-4000-8000-000000000002" // RESURS_PART_PAYMENT, 500–100 000 SEK, NATURAL only
	MethodResursCard  = "c0de5e00-0000-4000-8000-000000000003" // RESURS_CARD, 100–100 000 SEK, NATURAL only
	MethodCard        = "c0de5e00-0000-4000-8000-000000000004" // CARD (PSP), 1–200 000 SEK
	MethodSwish       = "c0de5e00-0000-4000-8000-000000000005" // SWISH, 1–150 000 SEK, captured automatically
)

// Default credentials accepted by POST /oauth2/token when Options leaves them empty.
const (
	DefaultClientID     = "kassa"
	DefaultClientSecret = "kassa-secret"
)

// store is a seeded store with its methods.
type store struct {
	mapi.Store
	currency string
	methods  []*method
}

// method is a seeded payment method.
type method struct {
	mapi.PaymentMethod
	autoCapture bool // PSP methods that settle at once (Swish)
}

func (st *store) method(id string) *method {
	for _, m := range st.methods {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// methodSpec describes a method before it is given its store's id prefix.
type methodSpec struct {
	suffix   string
	name     string
	typ      mapi.PaymentMethodType
	min, max int64 // whole currency units
	natural  bool
	legal    bool
	credit   bool // Resurs credit product: SECCI and PRICE_INFO links
	signage  bool
	autoCap  bool
}

func seedStores() []*store {
	se := []methodSpec{
		{"1", "Faktura", mapi.MethodResursInvoice, 10, 50000, true, true, true, false, false},
		{"2", "Delbetalning", mapi.MethodResursPartPayment, 500, 100000, true, false, true, true, false},
		{"3", "Resurs Kort", mapi.MethodResursCard, 100, 100000, true, false, true, false, false},
		{"4", "Kortbetalning", mapi.MethodCard, 1, 200000, true, true, false, false, false},
		{"5", "Swish", mapi.MethodSwish, 1, 150000, true, true, false, false, true},
	}
	no := []methodSpec{
		{"1", "Faktura", mapi.MethodResursInvoice, 10, 50000, true, true, true, false, false},
		{"2", "Delbetaling", mapi.MethodResursPartPayment, 500, 100000, true, false, true, true, false},
		{"3", "Resurs Kort", mapi.MethodResursCard, 100, 100000, true, false, true, false, false},
		{"4", "Kortbetaling", mapi.MethodCreditCard, 1, 200000, true, true, false, false, false},
	}
	fi := []methodSpec{
		{"1", "Lasku", mapi.MethodResursInvoice, 1, 5000, true, true, true, false, false},
		{"2", "Osamaksu", mapi.MethodResursPartPayment, 50, 10000, true, false, true, true, false},
		{"3", "Resurs Kortti", mapi.MethodResursCard, 10, 10000, true, false, true, false, false},
		{"4", "Korttimaksu", mapi.MethodCreditCard, 1, 20000, true, true, false, false, false},
	}
	dk := []methodSpec{
		{"1", "Faktura", mapi.MethodResursInvoice, 10, 40000, true, true, true, false, false},
		{"2", "Afbetaling", mapi.MethodResursPartPayment, 500, 75000, true, false, true, true, false},
		{"3", "Resurs Kort", mapi.MethodResursCard, 100, 75000, true, false, true, false, false},
		{"4", "Kortbetaling", mapi.MethodCard, 1, 150000, true, true, false, false, false},
	}
	return []*store{
		newStore(DefaultStoreID, 1016, "SE", "SEK", "Kassa Demo Butik", "5569999999", "c0de5e00", se),
		newStore(StoreNO, 2016, "NO", "NOK", "Kassa Demo Butikk", "999999999", "c0de0400", no),
		newStore(StoreFI, 3016, "FI", "EUR", "Kassa Demo Kauppa", "9999999-9", "c0def100", fi),
		newStore(StoreDK, 4016, "DK", "DKK", "Kassa Demo Butik DK", "99999999", "c0ded400", dk),
	}
}

func newStore(id string, national int64, country, currency, name, org, prefix string, specs []methodSpec) *store {
	st := &store{currency: currency, Store: mapi.Store{
		ID: id, NationalStoreID: national, CountryCode: country, Name: name,
		OrganizationNumber: org, TradeName: name, PopularName: name,
		RepresentativeID: "REP-" + country + "-1",
	}}
	for _, sp := range specs {
		m := &method{autoCapture: sp.autoCap, PaymentMethod: mapi.PaymentMethod{
			ID:   prefix + "-0000-4000-8000-00000000000" + sp.suffix,
			Name: sp.name, Type: sp.typ,
			MinPurchaseLimit: mapi.Units(sp.min), MaxPurchaseLimit: mapi.Units(sp.max),
			MinApplicationLimit: mapi.Units(sp.min), MaxApplicationLimit: mapi.Units(sp.max),
			EnabledForNaturalCustomer: sp.natural, EnabledForLegalCustomer: sp.legal,
			PriceSignagePossible: sp.signage,
		}}
		if sp.credit {
			m.LegalLinks = []mapi.LegalLink{
				{Type: mapi.LegalGeneralTerms}, {Type: mapi.LegalSECCI}, {Type: mapi.LegalPriceInfo, AppendAmount: true},
			}
		} else {
			m.LegalLinks = []mapi.LegalLink{{Type: mapi.LegalGeneralTerms}}
		}
		st.methods = append(st.methods, m)
	}
	return st
}

// plan is a part-payment plan: annuity factors are derived from it.
type plan struct {
	months   int
	interest mapi.Decimal // yearly nominal interest in percent
	adminFee mapi.Decimal // per month
	setupFee mapi.Decimal
	factor   int64 // annuity factor in millionths
}

// partPaymentPlans are the plans of every RESURS_PART_PAYMENT method.
var partPaymentPlans = func() []plan {
	ps := []plan{
		{months: 3, interest: 0, adminFee: 2900, setupFee: 0},
		{months: 6, interest: 0, adminFee: 2900, setupFee: 19500},
		{months: 12, interest: 995, adminFee: 2900, setupFee: 19500},
		{months: 24, interest: 1495, adminFee: 2900, setupFee: 39500},
		{months: 36, interest: 1795, adminFee: 2900, setupFee: 39500},
	}
	for i := range ps {
		ps[i].factor = annuityFactor(ps[i].interest, ps[i].months)
	}
	return ps
}()

// annuityFactor returns r/(1−(1+r)^−n) in millionths, r the monthly rate.
// Only the rate is computed in floating point; money never is.
func annuityFactor(yearly mapi.Decimal, months int) int64 {
	r := float64(yearly) / 100 / 100 / 12
	if r == 0 {
		return int64(math.Round(1e6 / float64(months)))
	}
	return int64(math.Round(1e6 * r / (1 - math.Pow(1+r, -float64(months)))))
}

// outcome is what approving a payment leads to for a persona.
type outcome int

const (
	outAccept outcome = iota
	outReject
	outFrozen            // frozen, stays frozen
	outFrozenThenAccept  // unfrozen after delay
	outFrozenThenReject  // annulled after delay
	outInspectThenAccept // manual inspection, approved after delay
	outInspectThenReject // manual inspection, rejected after delay
)

type persona struct {
	outcome outcome
	delay   time.Duration
}

// personas are the test persons of docs/mapi.md §Test personas, keyed by
// government id. Unknown ids are accepted.
var personas = map[string]persona{
	// Sweden
	"198305147715": {outAccept, 0}, "198801082382": {outAccept, 0},
	"197211072793": {outReject, 0}, "195004269741": {outReject, 0},
	"198209123705": {outFrozen, 0},
	"198001010001": {outFrozenThenAccept, 5 * time.Second}, "197801069241": {outFrozenThenReject, 5 * time.Second},
	"199401012381": {outFrozenThenAccept, 10 * time.Minute}, "198909194451": {outFrozenThenReject, 10 * time.Minute},
	"199105149612": {outInspectThenAccept, 10 * time.Second}, "199010242395": {outInspectThenAccept, 5 * time.Minute},
	"199010122399": {outInspectThenAccept, 30 * time.Minute}, "198711192396": {outInspectThenAccept, 24 * time.Hour},
	"199111282399": {outInspectThenReject, 10 * time.Second}, "198810112394": {outInspectThenReject, 5 * time.Minute},
	"198806192392": {outInspectThenReject, 30 * time.Minute}, "199111292398": {outInspectThenReject, 24 * time.Hour},
	// Norway
	"180872-48794": {outAccept, 0}, "270288-09552": {outAccept, 0},
	"010249-24986": {outReject, 0}, "260249-14002": {outReject, 0},
	"020849-29428": {outFrozen, 0},
	"230682-01608": {outFrozenThenAccept, 5 * time.Second}, "050178-18440": {outFrozenThenReject, 5 * time.Second},
	"010782-12868": {outFrozenThenAccept, 10 * time.Minute}, "030477-05311": {outFrozenThenReject, 10 * time.Minute},
	// Finland
	"230580-7335": {outAccept, 0}, "150987-069L": {outAccept, 0},
	"220950-9256": {outReject, 0}, "180650-344E": {outReject, 0},
	"140584-4785": {outFrozen, 0},
	"020681-1008": {outFrozenThenAccept, 5 * time.Second}, "300881-051B": {outFrozenThenReject, 5 * time.Second},
	"100980-576X": {outFrozenThenAccept, 10 * time.Minute}, "230982-3064": {outFrozenThenReject, 10 * time.Minute},
	// Denmark
	"140285-3877": {outAccept, 0}, "2304881898": {outAccept, 0},
	"021250-0003": {outReject, 0}, "290550-1913": {outReject, 0},
	"060580-3736": {outFrozen, 0},
	"140481-9652": {outFrozenThenAccept, 5 * time.Second}, "100677-2605": {outFrozenThenReject, 5 * time.Second},
	"011183-1432": {outFrozenThenAccept, 10 * time.Minute}, "240384-4340": {outFrozenThenReject, 10 * time.Minute},
}

// addressBook is the getAddress test data of docs/mapi.md §Test personas.
var addressBook = map[string]struct {
	typ  mapi.CustomerType
	addr mapi.Address
}{
	"198305147715": {mapi.CustomerNatural, mapi.Address{FullName: "Vincent Williamsson Alexandersson", FirstName: "Vincent",
		LastName: "Alexandersson", AddressRow1: "Glassgatan 15", PostalArea: "Göteborg", PostalCode: "41655", CountryCode: "SE"}},
	"195012026430": {mapi.CustomerNatural, mapi.Address{FullName: "Oliver Liamsson Williamsson", FirstName: "Oliver",
		LastName: "Williamsson", AddressRow1: "Makadamg 1", PostalArea: "Helsingborg", PostalCode: "25024", CountryCode: "SE"}},
	"166997368573": {mapi.CustomerLegal, mapi.Address{FullName: "Pilsnerbolaget HB", AddressRow1: "Glassgatan 17",
		PostalArea: "Helsingborg", PostalCode: "25024", CountryCode: "SE"}},
}

// refusedCustomerData are values the real API rejects although they pass
// format checks (docs/mapi.md §Test personas).
var refusedCustomerData = map[string]string{
	"customer.governmentId:198123112311":        "Invalid government id.",
	"customer.mobilePhone:0809910000":           "Invalid mobile phone number.",
	"customer.mobilePhone:+46809910000":         "Invalid mobile phone number.", // the same number as kassa sends it
	"customer.email:asd@difjgod903845gn.asdasd": "Invalid email address.",
}
