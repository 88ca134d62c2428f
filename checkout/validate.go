package checkout

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
)

var (
	postalCodeRE = regexp.MustCompile(`^[ \d]{1,10}$`)
	phoneRE      = regexp.MustCompile(`^\+?[\d \-()]{5,20}$`)
	// govIDSE is a Swedish personal or organisation number: 10 or 12
	// digits, optionally with '-' (or '+', over 100 years old) before the last four.
	govIDSE = regexp.MustCompile(`^(\d{2})?\d{6}[-+]?\d{4}$`)
)

// fieldChecker collects field errors.
type fieldChecker struct{ fields []kassa.FieldError }

func (c *fieldChecker) add(field, msg string) {
	c.fields = append(c.fields, kassa.FieldError{Field: field, Message: msg})
}

// text checks a free-text field: length in runes within [min, max], valid
// UTF-8 and no control characters.
func (c *fieldChecker) text(field, v string, min, max int, label string) {
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		c.add(field, label+" contains characters that are not allowed.")
	case n < min && min == 1:
		c.add(field, label+" is required.")
	case n < min || n > max:
		c.add(field, label+" must be at most "+strconv.Itoa(max)+" characters.")
	}
}

// normalizeCustomer trims the spaces around every text field.
func normalizeCustomer(c kassa.Customer) kassa.Customer {
	t := strings.TrimSpace
	c.GovernmentID, c.Email, c.Phone = t(c.GovernmentID), t(c.Email), t(c.Phone)
	a := &c.Address
	a.FirstName, a.LastName, a.CompanyName = t(a.FirstName), t(a.LastName), t(a.CompanyName)
	a.AddressRow1, a.AddressRow2 = t(a.AddressRow1), t(a.AddressRow2)
	a.PostalCode, a.PostalArea, a.CountryCode = t(a.PostalCode), t(a.PostalArea), strings.ToUpper(t(a.CountryCode))
	return c
}

// checkCustomer validates a normalized customer for a store in country.
func checkCustomer(c kassa.Customer, country string) []kassa.FieldError {
	var fc fieldChecker
	if c.Type != kassa.CustomerNatural && c.Type != kassa.CustomerLegal {
		fc.add("customer.type", "Choose private person or company.")
	}
	checkEmail(&fc, c.Email)
	if !phoneRE.MatchString(c.Phone) {
		fc.add("customer.phone", "Enter a phone number (digits, optionally starting with +).")
	}
	if c.GovernmentID != "" && !plausibleGovID(c.GovernmentID, country) {
		fc.add("customer.governmentId", governmentIDHint(country))
	}
	checkAddress(&fc, c.Address, c.Type, country)
	return fc.fields
}

func checkEmail(fc *fieldChecker, v string) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 100 || !strings.Contains(v[strings.LastIndex(v, "@")+1:], ".") {
		fc.add("customer.email", "Enter a valid e-mail address, like name@example.com.")
	}
}

func checkAddress(fc *fieldChecker, a kassa.Address, ct kassa.CustomerType, country string) {
	const p = "customer.address."
	fc.text(p+"firstName", a.FirstName, 1, 50, "First name")
	fc.text(p+"lastName", a.LastName, 1, 50, "Last name")
	if ct == kassa.CustomerLegal {
		fc.text(p+"companyName", a.CompanyName, 1, 50, "Company name")
	} else {
		fc.text(p+"companyName", a.CompanyName, 0, 50, "Company name")
	}
	fc.text(p+"addressRow1", a.AddressRow1, 1, 100, "Address")
	fc.text(p+"addressRow2", a.AddressRow2, 0, 100, "Address line 2")
	fc.text(p+"postalArea", a.PostalArea, 1, 50, "City")
	if !postalCodeRE.MatchString(a.PostalCode) || strings.TrimSpace(a.PostalCode) == "" {
		fc.add(p+"postalCode", "Enter a postal code of digits, like 123 45.")
	}
	if a.CountryCode != country {
		fc.add(p+"countryCode", "This shop delivers only to "+country+".")
	}
}

// plausibleGovID reports whether id looks like a government id of country.
// Only the format is checked; Resurs decides the rest.
func plausibleGovID(id, country string) bool {
	switch country {
	case "SE":
		return govIDSE.MatchString(id)
	default:
		return len(id) <= 20 && strings.IndexFunc(id, func(r rune) bool {
			return !(unicode.IsDigit(r) || r == '-' || unicode.IsLetter(r))
		}) < 0
	}
}

func governmentIDHint(country string) string {
	if country == "SE" {
		return "Enter a personal or organisation number of 10 or 12 digits, like 198305147715 or 830514-7715."
	}
	return "Enter a valid government id."
}
