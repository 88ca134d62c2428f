package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/mapisim"
)

// TestServeNorwegianStore: KASSA_MAPI_STORE_ID of the embedded
// simulator's Norwegian store gives a Norwegian shop: prices in NOK, a
// Norwegian address, and orders in NOK.
func TestServeNorwegianStore(t *testing.T) {
	base, banner, stop := startServe(t, "--data", t.TempDir(), "--admin-password", "secret-pw", "--mapi-store-id", mapisim.StoreNO)
	defer stop()
	if !strings.Contains(banner, "country:   NO, prices in NOK") {
		t.Fatalf("banner:\n%s", banner)
	}
	c := noRedirectClient()
	if r := mustDo(t, c, http.MethodGet, base+"/api/products", "", ""); !strings.Contains(r.body, `"currency": "NOK"`) {
		t.Fatalf("products: %s", r.body)
	}
	order := `{"lines":[{"sku":"BOOK-001","quantity":1}],"paymentMethodId":"c0de0400-0000-4000-8000-000000000001",
		"customer":{"type":"NATURAL","governmentId":"180872-48794","email":"kari@example.no","phone":"+4791234567",
		"address":{"firstName":"Kari","lastName":"Nordmann","addressRow1":"Karl Johans gate 1","postalCode":"0154",
		"postalArea":"Oslo","countryCode":"NO"}}}`
	r := mustDo(t, c, http.MethodPost, base+"/api/orders", "application/json", order)
	if r.code != http.StatusCreated {
		t.Fatalf("Norwegian order: %d %s", r.code, r.body)
	}
	swedish := strings.NewReplacer(`"countryCode":"NO"`, `"countryCode":"SE"`, `"0154"`, `"41655"`).Replace(order)
	if r := mustDo(t, c, http.MethodPost, base+"/api/orders", "application/json", swedish); r.code != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "customer.address.countryCode") {
		t.Fatalf("a Swedish address in a Norwegian shop: %d %s", r.code, r.body)
	}
	if r := mustDo(t, c, http.MethodGet, base+"/checkout", "", ""); r.code != http.StatusSeeOther {
		t.Fatalf("empty checkout: %d", r.code)
	}
}
