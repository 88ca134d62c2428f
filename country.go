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
	// Phone numbers: the digits after the calling code (the national
	// significant number) and whether the national form puts a 0 (the
	// trunk prefix) before them; a number as people write it, for
	// messages.
	PhoneMin, PhoneMax int
	PhoneTrunk         bool
	PhoneSample        string
}

// Countries are the countries Resurs Bank's Merchant API serves.
var Countries = []Country{
	{Code: "SE", Currency: "SEK", PostalDigits: 5, PostalSample: "123 45", CallingCode: "+46",
		PhoneMin: 7, PhoneMax: 9, PhoneTrunk: true, PhoneSample: "070-123 45 67"},
	{Code: "NO", Currency: "NOK", PostalDigits: 4, PostalSample: "0150", CallingCode: "+47",
		PhoneMin: 8, PhoneMax: 8, PhoneSample: "912 34 567"},
	{Code: "FI", Currency: "EUR", PostalDigits: 5, PostalSample: "00100", CallingCode: "+358",
		PhoneMin: 6, PhoneMax: 10, PhoneTrunk: true, PhoneSample: "040 123 4567"},
	{Code: "DK", Currency: "DKK", PostalDigits: 4, PostalSample: "2100", CallingCode: "+45",
		PhoneMin: 8, PhoneMax: 8, PhoneSample: "20 12 34 56"},
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

// NormalizePhone returns a phone number of c in its international form
// (E.164: "+46701234567"), or false when s is not one. It takes the
// national form ("070-123 45 67"; in Norway and Denmark the eight digits)
// and the international one ("+46 70 123 45 67", "0046 70…", "+46 (0)70…"),
// with spaces, hyphens, dots, slashes and brackets anywhere.
func (c Country) NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	cc := strings.TrimPrefix(c.CallingCode, "+")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteString("00")
		case strings.ContainsRune(" -./()", r):
		default:
			return "", false
		}
	}
	digits := b.String()
	var nsn string
	switch {
	case strings.HasPrefix(digits, "00"+cc):
		nsn = strings.TrimPrefix(digits, "00"+cc)
		if c.PhoneTrunk && strings.HasPrefix(nsn, "0") { // "+46 (0)70…"
			nsn = nsn[1:]
		}
	case strings.HasPrefix(digits, "00"):
		return "", false // another country's
	case c.PhoneTrunk && strings.HasPrefix(digits, "0"):
		nsn = digits[1:]
	case !c.PhoneTrunk:
		nsn = digits
	default:
		return "", false
	}
	if len(nsn) < c.PhoneMin || len(nsn) > c.PhoneMax || nsn[0] == '0' || (!c.PhoneTrunk && nsn[0] == '1') {
		return "", false
	}
	return c.CallingCode + nsn, true
}
