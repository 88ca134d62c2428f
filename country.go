package kassa

import "strings"

// Country is what the shop's country decides: its currency, and the form
// of its postal codes and phone numbers. A Resurs store belongs to one
// country (GET /v2/stores, countryCode), and the shop sells in it.
type Country struct {
	Code         string // ISO 3166-1 alpha-2: SE, NO, FI, DK
	Currency     string // ISO 4217: SEK, NOK, EUR, DKK
	PostalDigits int    // digits of a postal code
	PostalSample string // a postal code as people write it, for messages
	CallingCode  string // "+46"
}

// Countries are the countries Resurs Bank's Merchant API serves.
var Countries = []Country{
	{Code: "SE", Currency: "SEK", PostalDigits: 5, PostalSample: "123 45", CallingCode: "+46"},
	{Code: "NO", Currency: "NOK", PostalDigits: 4, PostalSample: "0150", CallingCode: "+47"},
	{Code: "FI", Currency: "EUR", PostalDigits: 5, PostalSample: "00100", CallingCode: "+358"},
	{Code: "DK", Currency: "DKK", PostalDigits: 4, PostalSample: "2100", CallingCode: "+45"},
}

// CountryOf returns the country with code (any case); EINVALID for a
// country Resurs does not serve.
func CountryOf(code string) (Country, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	for _, c := range Countries {
		if c.Code == code {
			return c, nil
		}
	}
	return Country{}, Errorf(EINVALID, "Country %q is not one of Resurs Bank's (SE, NO, FI, DK).", code)
}

// ValidPostalCode reports whether s is a postal code of c: its digits,
// with spaces anywhere (Swedish "123 45").
func (c Country) ValidPostalCode(s string) bool {
	digits := strings.ReplaceAll(s, " ", "")
	if len(digits) != c.PostalDigits {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
